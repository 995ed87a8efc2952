/**
 * Scenarios: a list of operations in the REPL's words (`offline 2`, `advance 10ms`, `hibernate`,
 * `echo 171 > …/hotplug/fail`…), run on a machine with every hotplug step recorded (the
 * hotplugged CPU's tick device before and after each callback) and the invariants checked at
 * each step and after each operation. `compare()` runs one on two configurations.
 *
 * @module
 */

import { bootedKernel } from "../machine/booted.ts";
import { boundDevice, cpuInfo, stateName } from "../machine/info.ts";
import { KernelError } from "../util/errors.ts";
import {
  type Operation,
  type OperationSpec,
  runOperation,
  specOf,
  type Target,
} from "../ops/operations.ts";
import { scenarioLines } from "../ops/script.ts";
import { advanceResult } from "../ops/results.ts";
import type { StepPoint } from "../engine/observe.ts";
import type { TraceEvent } from "../engine/trace.ts";
import type { CustomInvariant } from "./invariants.ts";
import { designOf, NEW_KERNEL_KINDS } from "./invariants.ts";
import {
  type Checked,
  checkedInvariants,
  INVARIANT_LIST,
  InvariantChecks,
  verdicts,
  violationStep,
} from "./checker.ts";
import { check, func, invalid, object, optional, readInput } from "../util/check.ts";
import { guestMonotonic } from "../engine/kernel.ts";
import { builderOf, type ConfigInput } from "./workspace.ts";
import type { OperationRecord, ScenarioRun, StepRecord } from "./run.ts";

export { deviceChange } from "./run.ts";
export type { CpuStateName, OperationRecord, ScenarioRun, StepRecord } from "./run.ts";

/**
 * The operation lines of a scenario: blank lines and `#` comments dropped, whitespace collapsed.
 *
 * @example
 * ```ts
 * import { parseScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseScenario("offline  2 # why\n\necho 0 >/sys/x"), ["offline 2", "echo 0 > /sys/x"]);
 * ```
 * @throws {SyntaxError} naming the line and the valid forms; {@linkcode RangeError} for an
 * operation's bad arguments; `TypeError` for what is not a string or an array of lines.
 */
export function parseScenario(text: string | readonly string[]): string[] {
  return scenarioLines(readInput(text, "scenario")).map((l) => l.line);
}

/**
 * Whether `e`, thrown by running `op`, is the machine refusing it in the state it is in — hung
 * or powered off, or a resume while it runs — which is a state of a scenario, not a mistake in it.
 *
 * @example
 * ```ts
 * import { refusedNow } from "./scenario.ts";
 * import { HangError } from "../util/errors.ts";
 * import assert from "node:assert/strict";
 * const hung = new HangError("hung", { cpu: 1, state: 138, errno: null });
 * assert.equal(refusedNow(hung, { kind: "online", cpu: 1 }), true);
 * assert.equal(refusedNow(new RangeError("Cannot resume"), { kind: "resume" }), true);
 * assert.equal(refusedNow(new RangeError("Invalid CPU 9"), { kind: "online", cpu: 9 }), false);
 * ```
 */
export function refusedNow(e: unknown, op: Operation): boolean {
  return e instanceof KernelError || (e instanceof RangeError && op.kind === "resume");
}

/** How to run a scenario. */
export interface ScenarioOptions {
  /** Built-in invariant names and custom predicates (default every built-in). */
  readonly invariants?: readonly (string | CustomInvariant)[];
  /**
   * Sees every trace event as it happens (whether or not the trace buffer keeps it) and every
   * tick, with the simulation time (ns): what a timeline is drawn from. Optionally every
   * hotplug callback's entry and exit (where a walk's tick-device changes fall, for the
   * pictures) and, after each operation, each CPU's tick device, whether it ticks and whether
   * the CPU is online, and whether the machine runs (not hibernated or off).
   */
  readonly observe?: {
    event(event: TraceEvent, time: number): void;
    tick(cpu: number, time: number): void;
    step?(at: StepPoint, time: number): void;
    settled?(
      cpus: readonly { device: string | null; ticking: boolean; online: boolean }[],
      time: number,
      running: boolean,
    ): void;
  };
}

type Observer = NonNullable<ScenarioOptions["observe"]>;

// An observer: any object with the two methods (a class's instance too).
const OBSERVER = check<Observer>("an object with event(e, time) and tick(cpu, time)", (v, at) => {
  if (typeof v !== "object" || v === null) {
    invalid(at, v, "an object with event(e, time) and tick(cpu, time)", "type");
  }
  for (const m of ["event", "tick"] as const) {
    func(`a method ${m}()`)((v as Observer)[m], `${at}.${m}`);
  }
  for (const m of ["step", "settled"] as const) {
    if ((v as Observer)[m] !== undefined) func(`a method ${m}()`)((v as Observer)[m], `${at}.${m}`);
  }
  return v as Observer;
});

/**
 * The options of a scenario run (their keys and kinds; invariant names are checked against the
 * machine).
 *
 * @example
 * ```ts
 * import { SCENARIO_OPTIONS } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => SCENARIO_OPTIONS({ observe: {} }, "options"), /options.observe.event: undefined is not a method event\(\)/);
 * ```
 */
export const SCENARIO_OPTIONS = object<ScenarioOptions>({
  invariants: optional(INVARIANT_LIST),
  observe: optional(OBSERVER),
}, "scenario options");

/**
 * Runs a scenario from a fresh boot of `config`, recording every hotplug step and checking the
 * invariants (default every built-in) inside each operation and after it.
 *
 * @example
 * ```ts
 * import { runScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const run = runScenario({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }, ["offline 1"]);
 * const [off] = run.operations;
 * assert.equal(off.ok, true);
 * assert.ok(off.steps.some((s) => s.after === "lapic"));
 * ```
 * @throws {SyntaxError} for a line that is not an operation; {@linkcode ConfigError} for a bad
 * configuration; {@linkcode RangeError} for a bad CPU, duration or path in a line (nothing runs);
 * `TypeError` / `RangeError` for bad options (an unknown key, an unknown invariant).
 */
export function runScenario(
  config: ConfigInput,
  scenario: string | readonly string[],
  options: ScenarioOptions = {},
): ScenarioRun {
  const run = scenarioRun(config, scenario, options);
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}

/** Progress of a running scenario. */
export interface ScenarioProgress {
  /** Operations finished. */
  readonly done: number;
  /** Operations in all. */
  readonly total: number;
  /** Simulation time, ns. */
  readonly now: number;
}

/** Slices a long advance is run in, so that a scenario can report progress and be stopped. */
const ADVANCE_SLICE = 10_000_000;

/**
 * {@linkcode runScenario} as a generator: it yields progress after every operation and every
 * 10 ms slice of a long advance (advancing in slices is the same as one advance: each slice
 * includes its end instant), so a caller can report progress and stop between yields.
 *
 * @example
 * ```ts
 * import { scenarioRun } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const run = scenarioRun({ cpus: 2 }, ["advance 25ms", "offline 1"]);
 * const seen = [];
 * let step = run.next();
 * for (; !step.done; step = run.next()) seen.push(step.value.done);
 * assert.deepEqual(seen, [0, 0, 0, 1, 2]); // three slices of the advance, then each line
 * assert.equal(step.value.operations[0].message, "advanced 25 ms, 12 device interrupts");
 * ```
 * @throws as {@linkcode runScenario} does, before anything runs.
 */
export function* scenarioRun(
  config: ConfigInput,
  scenario: string | readonly string[],
  options: ScenarioOptions = {},
): Generator<ScenarioProgress, ScenarioRun, void> {
  options = SCENARIO_OPTIONS(readInput(options, "options"), "options");
  const lines = scenarioLines(readInput(scenario, "scenario"));
  // A configuration booted lately is not booted again (lib/machine/booted.ts).
  const t: Target = { k: bootedKernel(builderOf(config).config()) };
  const k = t.k;
  const checked: Checked[] = checkedInvariants(k, options.invariants);
  const checks = new InvariantChecks(checked);
  // Lines are checked against this machine before any runs (CPU numbers, durations, paths).
  for (const { line, op } of lines) {
    try {
      specOf(op.kind).check(k, op as never);
    } catch (e) {
      const E = e instanceof TypeError ? TypeError : RangeError;
      throw new E(`Scenario line ${JSON.stringify(line)}: ${(e as Error).message}`);
    }
  }
  const snapshot = () => {
    const cpus = k.s.cpus.map((c) => cpuInfo(k, c.id));
    return {
      bound: cpus.map((c) => c.device),
      states: cpus.map((c) => ({ state: c.state, name: c.stateName, online: c.online })),
    };
  };
  const start = snapshot();
  const observe = options.observe;
  if (observe) {
    k.observers.add({
      event: (e) => observe.event(e, k.s.now),
      tick: (cpu) => observe.tick(cpu, k.s.now),
      ...(observe.step ? { step: (at: StepPoint) => observe.step!(at, k.s.now) } : {}),
    });
  }
  const operations: OperationRecord[] = [];
  for (const { line, op } of lines) {
    const time = k.s.now;
    const before = { now: k.s.now, monotonic: guestMonotonic(k.s) };
    const steps: StepRecord[] = [];
    const open: { at: StepPoint; before: string | null; index: number }[] = [];
    const violations: OperationRecord["violations"][number][] = [];
    const report = (step: StepPoint | null) => (c: Checked, message: string) => {
      violations.push({
        invariant: c.inv.name,
        message,
        expected: c.expected,
        step: violationStep(k, c.inv, step),
      });
    };
    const unwatch = k.observers.add({
      step: (at) => {
        checks.check({ k, step: at, before }, report(at));
        const device = boundDevice(k, at.cpu);
        if (at.phase === "enter") {
          open.push({ at, before: device, index: steps.length });
          steps.push({
            cpu: at.cpu,
            state: at.state,
            stateName: stateName(k, at.state),
            callback: at.callback,
            teardown: at.teardown,
            depth: open.length - 1,
            before: device,
            after: device,
            hung: false,
          });
        } else {
          const o = open.pop()!;
          steps[o.index] = { ...steps[o.index], after: device };
        }
      },
    });
    let outcome: { ok: boolean; message: string };
    try {
      const spec = specOf(op.kind) as unknown as OperationSpec;
      let result: ReturnType<typeof runOperation>;
      if (op.kind === "advance" && op.ns > ADVANCE_SLICE) {
        const from = k.s.now;
        let interrupts = 0;
        for (let left = op.ns; left > 0; left -= ADVANCE_SLICE) {
          const slice: Operation = { kind: "advance", ns: Math.min(ADVANCE_SLICE, left) };
          interrupts += runOperation(t, slice).interrupts;
          yield { done: operations.length, total: lines.length, now: k.s.now };
        }
        result = advanceResult(from, k.s.now, interrupts);
      } else result = runOperation(t, op);
      outcome = { ok: result.ok, message: spec.describe?.(op, result) ?? result.message };
    } catch (e) {
      if (!refusedNow(e, op)) throw e;
      outcome = { ok: false, message: (e as Error).message };
    } finally {
      unwatch();
    }
    // Callbacks still open did not return: the operation hung in them.
    for (const o of open) steps[o.index] = { ...steps[o.index], hung: true };
    const after = NEW_KERNEL_KINDS.includes(op.kind)
      ? { now: k.s.now, monotonic: guestMonotonic(k.s), booted: true }
      : before;
    checks.check({ k, step: null, before: after }, report(null));
    observe?.settled?.(
      k.s.cpus.map((c) => {
        const info = cpuInfo(k, c.id);
        return { device: info.device, ticking: info.ticking, online: info.online };
      }),
      k.s.now,
      k.s.power === "on",
    );
    operations.push({
      line,
      operation: op,
      time,
      ok: outcome.ok,
      message: outcome.message,
      hang: k.s.hang,
      steps,
      ...snapshot(),
      violations,
    });
    yield { done: operations.length, total: lines.length, now: k.s.now };
  }
  return {
    config: structuredClone(k.s.config),
    design: designOf(k),
    start,
    operations,
    end: k.s.now,
    problems: structuredClone(k.s.problems),
    invariants: verdicts(checked),
  };
}
