/**
 * Checks of the parts of a machine's state that come from outside, shared by snapshots, scenario
 * runs and recordings: the field table's kinds (a counter is an integer ≥ 0, a time one or its
 * "none" value), CPU and hotplug state numbers of one machine ({@linkcode Bounds}), a hang, the
 * problems, and the history (kernel log, trace buffer, tracing instance, interrupt counts).
 *
 * @module
 */

import type {
  FtraceEntry,
  FtraceState,
  Hang,
  LogRecord,
  MachineState,
  Problem,
} from "../engine/state.ts";
import { type FieldKind, HANG_FIELDS, type TimeField } from "../engine/fields.ts";
import { traceEventCheck } from "../engine/trace.ts";
import {
  arrayOf,
  boolean,
  type Check,
  check,
  type Fields,
  integer,
  invalid,
  nullable,
  object,
  oneOf,
  optional,
  or,
  recordOf,
  string,
} from "../util/check.ts";

/** What the values of one machine may name: its CPUs and its hotplug states. */
export interface Bounds {
  /** CPUs (`config.cpus`). */
  readonly cpus: number;
  /** Hotplug states: the length of its step table. */
  readonly states: number;
}

/**
 * A CPU number of the machine.
 *
 * @example
 * ```ts
 * import { cpuOf } from "./part_checks.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpuOf({ cpus: 2, states: 300 })(1, "cpu"), 1);
 * assert.throws(() => cpuOf({ cpus: 2, states: 300 })(2, "cpu"), /cpu: 2 is not a CPU number \(an integer from 0 to 1\)/);
 * ```
 */
export function cpuOf(b: Bounds): Check<number> {
  return integer(0, b.cpus - 1, `a CPU number (an integer from 0 to ${b.cpus - 1})`);
}

/**
 * A hotplug state number of the machine's step table.
 *
 * @example
 * ```ts
 * import { stateOf } from "./part_checks.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => stateOf({ cpus: 2, states: 208 })(208, "state"), /state: 208 is not a hotplug state/);
 * ```
 */
export function stateOf(b: Bounds): Check<number> {
  return integer(0, b.states - 1, `a hotplug state (an integer from 0 to ${b.states - 1})`);
}

/**
 * A time, ns.
 *
 * @example
 * ```ts
 * import { TIME } from "./part_checks.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => TIME(NaN, "now"), /now: NaN is not a time in ns/);
 * ```
 */
export const TIME: Check<number> = integer(0, Number.MAX_SAFE_INTEGER, "a time in ns");

/**
 * A count: an integer ≥ 0.
 *
 * @example
 * ```ts
 * import { COUNT } from "./part_checks.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => COUNT(-1, "jiffies"), /jiffies: -1 is not a count/);
 * ```
 */
export const COUNT: Check<number> = integer(0, Number.MAX_SAFE_INTEGER, "a count (an integer ≥ 0)");

/** The fields a table's kinds check by themselves: counters, sequences and times. */
export type Auto<Table> = {
  [K in keyof Table]: Table[K] extends "counter" | "sequence" | TimeField ? K : never;
}[keyof Table];

/** The check a field's kind gives, or null when its type must say. */
function byKind(kind: FieldKind): Check<number> | null {
  if (kind === "counter" || kind === "sequence") return COUNT;
  if (typeof kind !== "object") return null;
  return kind.time === null ? TIME : or(kind.time, TIME) as Check<number>;
}

/**
 * A field table's checks (lib/engine/fields.ts): its kinds' where they say enough (counters,
 * sequences, times), `rest` for the others, each of its field's type.
 *
 * @example
 * ```ts
 * import { fromTable } from "./part_checks.ts";
 * import { string } from "../util/check.ts";
 * import assert from "node:assert/strict";
 * const fields = fromTable<{ ticks: number; name: string }, { ticks: "counter"; name: "value" }>(
 *   { ticks: "counter", name: "value" },
 *   { name: string() },
 * );
 * assert.throws(() => fields.ticks(-1, "ticks"), /ticks: -1 is not a count/);
 * ```
 */
export function fromTable<T, Table extends Readonly<Record<keyof T, FieldKind>>>(
  table: Table,
  rest: Fields<Omit<T, Auto<Table>>>,
): Fields<T> {
  const out: Record<string, Check<unknown>> = {};
  for (const [field, kind] of Object.entries(table) as [string, FieldKind][]) {
    out[field] = byKind(kind) ?? (rest as Record<string, Check<unknown>>)[field];
  }
  return out as Fields<T>;
}

/**
 * A modelled hang.
 *
 * @example
 * ```ts
 * import { hangCheck } from "./part_checks.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => hangCheck({ cpus: 2, states: 300 })({}, "hang"), /hang.cpu is missing/);
 * ```
 */
export function hangCheck(b: Bounds): Check<Hang> {
  return object<Hang>(
    fromTable<Hang, typeof HANG_FIELDS>(HANG_FIELDS, {
      cpu: cpuOf(b),
      state: stateOf(b),
      stateName: string(),
      callback: string(),
      reason: string(),
      symptom: string(),
    }),
    "a hang",
  );
}

/**
 * A problem the simulation observed.
 *
 * @example
 * ```ts
 * import { problemCheck } from "./part_checks.ts";
 * import assert from "node:assert/strict";
 * const problem = problemCheck({ cpus: 2, states: 300 });
 * const p = { kind: "warn", cpu: 1, state: null, message: "m", time: 0 };
 * assert.equal(problem(p, "p"), p);
 * assert.throws(() => problem({ ...p, kind: "oops" }, "p"), /p.kind: "oops" is not a kind of problem/);
 * ```
 */
export function problemCheck(b: Bounds): Check<Problem> {
  return object<Problem>({
    kind: oneOf(["hang", "no-tick-window", "warn", "bug"] as const, "a kind of problem"),
    cpu: nullable(cpuOf(b)),
    state: nullable(stateOf(b)),
    message: string(),
    time: TIME,
  }, "a problem");
}

const RECORD: Check<LogRecord> = object<LogRecord>({
  time: TIME,
  text: string(),
  level: optional(integer(0, 7, "a log level (0 to 7)")),
}, "a log record");

function ftraceCheck(b: Bounds): Check<FtraceState> {
  const entry = object<FtraceEntry>({
    time: TIME,
    cpu: cpuOf(b),
    comm: string(),
    pid: integer(0),
    flags: string(),
    text: string(),
  }, "a trace entry");
  return object<FtraceState>({
    tracer: oneOf(["nop", "function"] as const, "a tracer"),
    filter: arrayOf(string()),
    on: boolean,
    events: arrayOf(string()),
    entries: arrayOf(entry),
    written: integer(0),
  }, "the tracing instance");
}

/** Interrupt counts: per `/proc/interrupts` row, one count per CPU. */
function irqsCheck(b: Bounds): Check<Record<string, number[]>> {
  const row = arrayOf(integer(0));
  return recordOf(
    check(`${b.cpus} counts (one per CPU)`, (v, at) => {
      const counts = row(v, at);
      if (counts.length !== b.cpus) invalid(at, v, `${b.cpus} counts (one per CPU)`, "range");
      return counts;
    }),
  );
}

/**
 * A machine's history: its kernel log, trace buffer and statistics.
 *
 * @example
 * ```ts
 * import { logCheck } from "./part_checks.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 2 }).build().snapshot();
 * const log = logCheck({ cpus: 2, states: 300 });
 * assert.equal(log(s.log, "log"), s.log);
 * assert.throws(() => log({ ...s.log, dmesg: null }, "log"), /log.dmesg: null is not an array/);
 * ```
 */
export function logCheck(b: Bounds): Check<MachineState["log"]> {
  return object<MachineState["log"]>({
    dmesg: arrayOf(RECORD),
    dmesgBytes: integer(0),
    trace: arrayOf(traceEventCheck(b.cpus)),
    traceLost: integer(0),
    irqs: optional(irqsCheck(b)),
    ftrace: optional(ftraceCheck(b)),
    console: optional(arrayOf(RECORD)),
  }, "the kernel log");
}
