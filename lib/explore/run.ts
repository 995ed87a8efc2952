/**
 * A scenario run as data (what `runScenario()` returns and a recording holds): its records'
 * types, the check of one that comes from outside (`compareRuns()`, the pictures), and the
 * device change of a step.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import type { Hang, Problem } from "../engine/state.ts";
import { KERNEL_LINES } from "../kernels/lines.ts";
import type { Operation } from "../ops/operations.ts";
import { checkOperation } from "../ops/operation_check.ts";
import { CONFIG } from "../api/config_check.ts";
import {
  type Bounds,
  COUNT,
  cpuOf,
  hangCheck,
  problemCheck,
  stateOf,
  TIME,
} from "../api/part_checks.ts";
import {
  arrayOf,
  boolean,
  type Check,
  check,
  invalid,
  isPlainObject,
  nullable,
  object,
  oneOf,
  readInput,
  string,
} from "../util/check.ts";
import type { InvariantVerdict } from "./checker.ts";
import type { ViolationStep } from "./counterexamples.ts";

/** One callback of a hotplug walk, with the hotplugged CPU's tick device around it. */
export interface StepRecord {
  /** The CPU being hotplugged. */
  readonly cpu: number;
  /** Hotplug state number (numbers differ between kernel lines; names do not). */
  readonly state: number;
  /** Its name. */
  readonly stateName: string;
  /** The callback. */
  readonly callback: string;
  /** Whether it was a teardown. */
  readonly teardown: boolean;
  /** How many callbacks it ran inside of (the AP's steps run inside `bringup_cpu`/`takedown_cpu`). */
  readonly depth: number;
  /** The CPU's tick device before the callback ran (device name, or null). */
  readonly before: string | null;
  /** Its tick device after the callback returned (as before when it never returned). */
  readonly after: string | null;
  /** The callback never returned: the operation hung in it. */
  readonly hung: boolean;
}

/**
 * The hotplugged CPU's tick device around a step: "NAME", or "BEFORE -> AFTER" when the step
 * changed it ("(none)" for no device).
 *
 * @example
 * ```ts
 * import { deviceChange, runScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const [off] = runScenario({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }, ["offline 1"]).operations;
 * assert.ok(off.steps.map(deviceChange).includes("Hyper-V clockevent -> lapic"));
 * ```
 * @throws {TypeError|RangeError} for what is not a step record.
 */
export function deviceChange(s: StepRecord): string {
  s = stepCheck(UNBOUNDED)(readInput(s, "step"), "step");
  const name = (d: string | null) => d ?? "(none)";
  return s.before === s.after ? name(s.after) : `${name(s.before)} -> ${name(s.after)}`;
}

/** What one operation of a scenario did. */
export interface OperationRecord {
  /** The line, as written (its words one space apart). */
  readonly line: string;
  /** The operation it says. */
  readonly operation: Operation;
  /** Simulation time when it started, ns (hotplug and power operations take no time). */
  readonly time: number;
  /** Whether the kernel did it (false: refused, failed, hung, or not possible now). */
  readonly ok: boolean;
  /** The outcome in words (the message `Machine` gives). */
  readonly message: string;
  /** The hang it ended in, if any. */
  readonly hang: Hang | null;
  /** Every hotplug callback it ran, in order. */
  readonly steps: readonly StepRecord[];
  /** Each CPU's tick device afterwards. */
  readonly bound: readonly (string | null)[];
  /** Each CPU's hotplug state afterwards: number and name. */
  readonly states: readonly CpuStateName[];
  /** Invariant violations inside it and in the state after it. */
  readonly violations: readonly {
    readonly invariant: string;
    readonly message: string;
    readonly expected: boolean;
    readonly step: ViolationStep | null;
  }[];
}

/** A CPU's hotplug state: number and name, and whether it is in `cpu_online_mask`. */
export interface CpuStateName {
  /** State number. */
  readonly state: number;
  /** Its name. */
  readonly name: string;
  /** Set in `cpu_online_mask`. */
  readonly online: boolean;
}

/** A scenario run on one configuration (plain data). */
export interface ScenarioRun {
  /** The configuration. */
  readonly config: MachineConfig;
  /** Its stimer design, in words. */
  readonly design: string;
  /** The booted machine: each CPU's tick device and hotplug state. */
  readonly start: {
    readonly bound: readonly (string | null)[];
    readonly states: readonly CpuStateName[];
  };
  /** Per operation. */
  readonly operations: readonly OperationRecord[];
  /** Simulation time at the end, ns. */
  readonly end: number;
  /** The machine's problems at the end (hangs, no-tick windows, warnings, bugs). */
  readonly problems: readonly Problem[];
  /** Verdict per invariant over the whole run. */
  readonly invariants: readonly InvariantVerdict[];
}

// A step checked on its own (deviceChange): any CPU and state numbers.
const UNBOUNDED: Bounds = { cpus: Number.MAX_SAFE_INTEGER, states: Number.MAX_SAFE_INTEGER };

/**
 * A step record of a machine.
 *
 * @example
 * ```ts
 * import { stepCheck } from "./run.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => stepCheck({ cpus: 2, states: 300 })({ cpu: 5 }, "step"), /step.cpu: 5 is not a CPU number/);
 * ```
 */
export function stepCheck(b: Bounds): Check<StepRecord> {
  return object<StepRecord>({
    cpu: cpuOf(b),
    state: stateOf(b),
    stateName: string(),
    callback: string(),
    teardown: boolean,
    depth: COUNT,
    before: nullable(string()),
    after: nullable(string()),
    hung: boolean,
  }, "a step record");
}

/**
 * A CPU's state of a machine.
 *
 * @example
 * ```ts
 * import { cpuStateCheck } from "./run.ts";
 * import assert from "node:assert/strict";
 * const s = { state: 207, name: "online", online: true };
 * assert.equal(cpuStateCheck({ cpus: 2, states: 300 })(s, "s"), s);
 * ```
 */
export function cpuStateCheck(b: Bounds): Check<CpuStateName> {
  return object<CpuStateName>(
    { state: stateOf(b), name: string(), online: boolean },
    "a CPU state",
  );
}

/** One entry per CPU. */
function perCpu<T>(b: Bounds, c: Check<T>): Check<readonly T[]> {
  const list = arrayOf(c);
  return check(`${b.cpus} of ${c.want}, one per CPU`, (v, at) => {
    const a = list(v, at);
    if (a.length !== b.cpus) invalid(at, `${a.length} entries`, `${b.cpus}, one per CPU`, "range");
    return a;
  });
}

const OPERATION = check<Operation>("an operation", (v, at) => {
  const op = checkOperation(v, at);
  if (op.kind === "poweron" && op.config) CONFIG(op.config, `${at}.config`);
  return op;
});

function operationCheck(b: Bounds): Check<OperationRecord> {
  const violation = object<OperationRecord["violations"][number]>({
    invariant: string(),
    message: string(),
    expected: boolean,
    step: nullable(object<ViolationStep>({
      cpu: cpuOf(b),
      state: stateOf(b),
      stateName: string(),
      callback: string(),
      teardown: boolean,
    }, "a hotplug step")),
  }, "a violation");
  return object<OperationRecord>({
    line: string(),
    operation: OPERATION,
    time: TIME,
    ok: boolean,
    message: string(),
    hang: nullable(hangCheck(b)),
    steps: arrayOf(stepCheck(b)),
    bound: perCpu(b, nullable(string())),
    states: perCpu(b, cpuStateCheck(b)),
    violations: arrayOf(violation),
  }, "an operation record");
}

const VERDICT = object<InvariantVerdict>({
  name: string(),
  description: string(),
  holds: oneOf(["always", "sometimes", "never"] as const, "a verdict"),
  checks: COUNT,
  violations: COUNT,
  expected: boolean,
}, "an invariant verdict");

/**
 * The bounds of a machine of `config` (checked).
 *
 * @example
 * ```ts
 * import { boundsOf } from "./run.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(boundsOf(vm({ cpus: 3 }).config()).cpus, 3);
 * ```
 */
export function boundsOf(config: MachineConfig): Bounds {
  return { cpus: config.cpus, states: KERNEL_LINES[config.kernel].enumNames.length };
}

/**
 * A scenario run from outside: its configuration one `vm()` builds, its CPU and state numbers
 * that machine's, every part of its type.
 *
 * @example
 * ```ts
 * import { RUN } from "./run.ts";
 * import { runScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const run = runScenario({ cpus: 2 }, ["offline 1"]);
 * assert.equal(RUN(run, "run"), run);
 * assert.throws(() => RUN({ ...run, end: -1 }, "run"), /run.end: -1 is not a time in ns/);
 * ```
 */
export const RUN: Check<ScenarioRun> = check("a scenario run", (v, at) => {
  if (!isPlainObject(v)) invalid(at, v, "a scenario run (from runScenario())", "type");
  const config = CONFIG((v as { config?: unknown })?.config, `${at}.config`);
  const b = boundsOf(config);
  return object<ScenarioRun>({
    config: check("a configuration", () => config),
    design: string(),
    start: object<ScenarioRun["start"]>({
      bound: perCpu(b, nullable(string())),
      states: perCpu(b, cpuStateCheck(b)),
    }, "the booted machine"),
    operations: arrayOf(operationCheck(b)),
    end: TIME,
    problems: arrayOf(problemCheck(b)),
    invariants: arrayOf(VERDICT),
  }, "a scenario run")(v, at);
});
