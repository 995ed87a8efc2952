/**
 * Running until a condition, and stepping a hotplug walk one callback at a time: the engine under
 * `Machine.runUntil()` / `step()` and the REPL's `break`, `step`, `continue`, `advance --until`.
 *
 * A run stops only at a consistent point: before or after a hotplug callback (a boundary the step
 * observers see), or between two interrupt instants while time passes. Stopped inside an
 * operation, the machine keeps the kernel's own picture of the walk — the CPU's `cpuhp_cpu_state`
 * (`state`, `target`), the callbacks before the stop done, their trace and log written — and a
 * {@linkcode StoppedWalk} saying how to go on. Going on runs the operation again from the state
 * before it with the same engine, deterministically, to the stop's boundary (its observers gated
 * off: they saw that part) and on from there, so a run broken anywhere ends exactly as a run never
 * broken (tests/stepping_test.ts proves it over random operations and every boundary).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { StepPoint } from "../engine/observe.ts";
import type { MachineState } from "../engine/state.ts";
import type { TraceRing } from "../engine/trace_ring.ts";
import { type StopPoint, StopSignal } from "../engine/stops.ts";
import { createKernel } from "../machine/kernel.ts";
import { copyState } from "../engine/copy.ts";
import { stateName } from "../machine/info.ts";
import {
  formatOperation,
  type Operation,
  type OperationResult,
  parseOperation,
  runOperation,
  type Target,
} from "../ops/operations.ts";
import {
  armCondition,
  type Armed,
  type Condition,
  conditionText,
  parseCondition,
} from "./conditions.ts";

export type { StoppedWalk, StopPoint } from "../engine/stops.ts";

/**
 * What stops a run: a condition (an object or its words, `"state 95 --cpu 2"`), or a predicate
 * over every boundary (a step observer that decides).
 */
export type Until = Condition | string | ((at: StopPoint) => boolean);

/** What a run until a condition did. */
export interface RunUntilResult {
  /** Where it stopped, or null when no condition was met (the operation ended, the time passed). */
  readonly stopped: StopPoint | null;
  /** The operation's result when one ran to its end; null otherwise. */
  readonly result: OperationResult | null;
  /** Simulated time that passed after the operation, ns. */
  readonly advanced: number;
}

/** How the runner tells the caller's observers what to see (they saw a replayed prefix already). */
export interface Watchers {
  /** A new kernel is about to run a replay: attach the observers to it, closed. */
  attach(k: Kernel): void;
  /** Opens or closes the observers. */
  gate(open: boolean): void;
}

const NO_WATCHERS: Watchers = { attach() {}, gate() {} };

// The step table of each stopped walk's state before its operation, which every replay starts
// from (built again per replay, it was a tenth of a step at 2048 vCPUs): a kernel's table as it
// was when the operation began, or the first replay's.
const BEFORE_STEPS = new WeakMap<MachineState, Pick<Kernel, "steps" | "stepIndex">>();

/** `step`: stop after the next callback has run. */
const NEXT_CALLBACK: Until = (at) => at.phase === "exit";

/** A test at a boundary; `replaying`: one a replay passes again on its way to the stop. */
type Test = (
  k: Kernel,
  step: StepPoint | null,
  point: () => StopPoint,
  replaying?: boolean,
) => string | null;

/** Arms every condition on `k`: one test that evaluates them all (each keeps its own tracking). */
function armAll(k: Kernel, untils: readonly Until[]): { test: Test; armed: Armed[] } {
  const armed: Armed[] = [];
  const tests = untils.map(
    (u): (step: StepPoint | null, point: () => StopPoint, replaying: boolean) => string | null => {
      if (typeof u === "function") {
        // A predicate is the caller's observer: it saw a replayed prefix already.
        return (_step, point, replaying) =>
          !replaying && u(point()) ? (u === NEXT_CALLBACK ? "step" : "the predicate held") : null;
      }
      const c = typeof u === "string" ? parseCondition(u, k.s.cpus.length) : u;
      const a = armCondition(k, c);
      armed.push(a);
      const text = conditionText(c);
      return (step) => {
        const r = a.at(k, step);
        return r === null ? null : `${text}: ${r}`;
      };
    },
  );
  return {
    armed,
    test(_k, step, point, replaying = false) {
      let reason: string | null = null;
      // Every condition sees every boundary (those tracking a CPU's state need each one).
      for (const t of tests) {
        const r = t(step, point, replaying);
        reason ??= r;
      }
      return reason;
    },
  };
}

function pointOf(
  k: Kernel,
  operation: string | null,
  boundary: number,
  step: StepPoint | null,
  phase: StopPoint["phase"],
  reason: string,
): StopPoint {
  return {
    operation,
    boundary,
    phase,
    cpu: step ? step.cpu : null,
    state: step ? step.state : null,
    stateName: step ? stateName(k, step.state) : null,
    callback: step ? step.callback : null,
    teardown: step ? step.teardown : false,
    time: k.s.now,
    reason,
  };
}

/**
 * Runs `op` on `t` until one of the conditions armed on `t.k` holds at a boundary past `skip` (a
 * replay's prefix); stopped inside the operation, the state keeps the walk (`walk`), `before`
 * with the trace `beforeTrace` when its own is held packed.
 */
function runOperationUntil(
  t: Target,
  { test, armed }: { test: Test; armed: Armed[] },
  op: Operation,
  before: MachineState,
  beforeTrace: TraceRing | undefined,
  skip: number,
  watchers: Watchers,
): { stop: StopPoint | null; result: OperationResult | null } {
  const k = t.k;
  const line = formatOperation(op);
  let n = 0;
  const remove = k.observers.add({
    step(p) {
      n++;
      const reason = test(k, p, () => pointOf(k, line, n, p, p.phase, ""), n <= skip);
      if (n === skip) watchers.gate(true);
      if (n <= skip || reason === null) return;
      throw new StopSignal(pointOf(k, line, n, p, p.phase, reason));
    },
    device(cpu, device, previous) {
      for (const a of armed) a.device?.(cpu, device, previous);
    },
  });
  let result: OperationResult | null = null;
  try {
    result = runOperation(t, op);
  } catch (e) {
    if (!(e instanceof StopSignal)) throw e;
    t.k.s.walk = { operation: line, before, at: e.at };
    t.k.walkTrace = beforeTrace;
    return { stop: e.at, result: null };
  } finally {
    remove();
    watchers.gate(true);
  }
  const reason = test(t.k, null, () => pointOf(t.k, line, n, null, "end", ""));
  return { stop: reason === null ? null : pointOf(t.k, line, n, null, "end", reason), result };
}

/** Lets up to `limit` ns pass, interrupt instant by interrupt instant, until a condition holds. */
function passTimeUntil(
  t: Target,
  limit: number,
  untils: readonly Until[],
): { stop: StopPoint | null; advanced: number } {
  const start = t.k.s.now;
  const end = start + limit;
  const { test, armed } = armAll(t.k, untils);
  const remove = t.k.observers.add({
    device(cpu, device, previous) {
      for (const a of armed) a.device?.(cpu, device, previous);
    },
  });
  try {
    for (;;) {
      const k = t.k;
      let next = end;
      if (k.s.power === "on") {
        const at = k.timers.peek();
        if (at !== undefined) next = Math.min(end, Math.max(k.s.now, at + k.s.offNs));
      }
      runOperation(t, { kind: "advance", ns: next - k.s.now });
      const reason = test(k, null, () => pointOf(k, null, 0, null, "event", ""));
      if (reason !== null) {
        return { stop: pointOf(k, null, 0, null, "event", reason), advanced: k.s.now - start };
      }
      if (k.s.now >= end) return { stop: null, advanced: k.s.now - start };
    }
  } finally {
    remove();
  }
}

/**
 * Goes on with `t`'s stopped walk, or runs `operation`, until one of `untils` holds; then, when
 * `limit` is given and nothing stopped, lets up to `limit` ns of simulated time pass under the same
 * conditions.
 *
 * @example
 * ```ts
 * import { runUntil } from "./run_until.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const t = { k: boot(vm().kernel("5.5").cpus(4).build().config) };
 * const r = runUntil(t, ["callback hv_synic_cleanup"], { operation: { kind: "offline", cpu: 2 }, limit: null });
 * assert.equal(r.stopped?.callback, "hv_synic_cleanup");
 * assert.equal(t.k.s.walk?.operation, "offline 2");
 * assert.equal(runUntil(t, [], { operation: null, limit: null }).result?.ok, true);
 * assert.equal(t.k.s.walk, undefined);
 * ```
 * @throws {TypeError|RangeError} for a condition or operation this machine cannot take.
 */
export function runUntil(
  t: Target,
  untils: readonly Until[],
  options: { readonly operation: Operation | null; readonly limit: number | null },
  watchers: Watchers = NO_WATCHERS,
): RunUntilResult {
  let ran: { stop: StopPoint | null; result: OperationResult | null } | null = null;
  // The conditions are checked against the kernel they watch before anything changes (armed once:
  // arming a condition tracking every CPU's state reads all of them).
  const walk = t.k.s.walk;
  if (walk) {
    if (options.operation) {
      armAll(t.k, untils);
      runOperation(t, options.operation); // refused: the walk holds the lock
    }
    const op = parseOperation(walk.operation, { cpus: walk.before.config.cpus });
    const beforeTrace = t.k.walkTrace;
    const k = createKernel(copyState(walk.before), true, BEFORE_STEPS.get(walk.before));
    BEFORE_STEPS.set(walk.before, { steps: k.steps, stepIndex: k.stepIndex });
    // The trace before the operation, held packed (the copy's own is then empty): the replay's
    // ring packs its events after it, without copying it.
    if (beforeTrace) k.trace = beforeTrace.branch();
    const arm = armAll(k, untils);
    watchers.attach(k);
    watchers.gate(false);
    t.k = k;
    ran = runOperationUntil(t, arm, op, walk.before, beforeTrace, walk.at.boundary, watchers);
  } else if (options.operation) {
    // A replay runs on a copy of the state before the operation (its records shared: copying
    // thousands of them cost a step most of its time) and its trace, packed (the running kernel's
    // `s.log.trace` is empty): the ring so far stays as it is, and the kernel goes on with a branch
    // of it (materialising 38,876 events at 2048 vCPUs was most of a stopped `offline`, copying
    // their columns a fifth of it).
    const arm = armAll(t.k, untils);
    const before = copyState(t.k.s);
    BEFORE_STEPS.set(before, { steps: t.k.steps, stepIndex: t.k.stepIndex });
    const beforeTrace = t.k.trace;
    t.k.trace = beforeTrace.branch();
    ran = runOperationUntil(t, arm, options.operation, before, beforeTrace, 0, watchers);
  } else if (options.limit === null) {
    armAll(t.k, untils);
    throw new RangeError(
      "Nothing to run until a condition: no walk is stopped and no operation was given; give " +
        "options.limit (how much simulated time may pass) or options.operation",
    );
  }
  if (ran?.stop) return { stopped: ran.stop, result: ran.result, advanced: 0 };
  if (options.limit === null) return { stopped: null, result: ran?.result ?? null, advanced: 0 };
  const time = passTimeUntil(t, options.limit, untils);
  return { stopped: time.stop, result: ran?.result ?? null, advanced: time.advanced };
}

/**
 * Runs `t`'s stopped walk (or `operation`, from its start) to the end of its next callback.
 *
 * @example
 * ```ts
 * import { step } from "./run_until.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const t = { k: boot(vm().kernel("5.5").cpus(2).build().config) };
 * const first = step(t, { kind: "offline", cpu: 1 }).stopped!;
 * assert.equal(first.phase, "exit");
 * const second = step(t, null).stopped!;
 * assert.ok(second.boundary > first.boundary);
 * ```
 * @throws {RangeError} when no walk is stopped and no operation is given.
 */
export function step(
  t: Target,
  operation: Operation | null,
  watchers: Watchers = NO_WATCHERS,
): RunUntilResult {
  if (!t.k.s.walk && !operation) {
    throw new RangeError(
      "Nothing to step: no hotplug walk is stopped (stop one with a breakpoint or a condition, " +
        "or step an operation from its start)",
    );
  }
  return runUntil(t, [NEXT_CALLBACK], { operation, limit: null }, watchers);
}
