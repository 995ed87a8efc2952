/** Test helpers: observe what an operation did, step by step, from the trace. */
import assert from "node:assert/strict";
import {
  type ExploreResult,
  type Machine,
  runScenario,
  type TraceEvent,
  vm,
  type VmOptions,
} from "../mod.ts";

/** Trace events `fn` produced (the machine's trace buffer must not wrap during `fn`). */
export function during<T>(m: Machine, fn: () => T): { result: T; events: TraceEvent[] } {
  const before = m.trace.length;
  const result = fn();
  return { result, events: m.trace.slice(before) };
}

/**
 * The distinct devices a CPU is bound to, in order, across an operation's binding changes (the
 * model records each with its hotplug step, traced or not: STARTING/DYING steps fire no
 * tracepoint).
 */
export function deviceSequence(
  changes: readonly { readonly device: string | null }[],
  initial: string | null,
): (string | null)[] {
  const seq: (string | null)[] = [initial];
  for (const c of changes) if (c.device !== seq[seq.length - 1]) seq.push(c.device);
  return seq;
}

/**
 * A VM of `cpus` vCPUs running `kernel` on `hyperv`, as the host can run it: Generation 2, or
 * Generation 1 where the host runs no other; null where it runs neither.
 */
export function runnable(hyperv: string, kernel: string, cpus: number): VmOptions | null {
  for (const generation of [2, 1]) {
    try {
      vm({ hyperv, kernel, cpus, generation }).config();
    } catch {
      continue;
    }
    return { hyperv, kernel, cpus, generation };
  }
  return null;
}

/**
 * Four designs at 4 vCPUs that explore's reduction tests hold to their reference searches: the
 * ONLINE-state stimer (5.4), a legacy host on 5.5, Direct Mode on 6.8, and no Hyper-V at all.
 */
export const FOUR_DESIGNS: readonly VmOptions[] = [
  { hyperv: "2019", kernel: "5.4", cpus: 4 },
  { hyperv: "2012R2", kernel: "5.5", cpus: 4 },
  { hyperv: "2025", kernel: "6.8", cpus: 4 },
  { hyperv: "none", kernel: "6.1", cpus: 4 },
];

/**
 * Asserts that each counterexample of `r` (but the boot's) replays: running its operations on
 * `config` ends in an operation that violates the same invariant with the same message.
 */
export function assertReplays(config: VmOptions, r: ExploreResult): void {
  for (const v of r.violations) {
    if (v.during === "boot") continue;
    const run = runScenario(config, v.operations.flatMap((o) => o.split("; ")), {
      invariants: [v.invariant],
    });
    const last = run.operations[run.operations.length - 1];
    assert.ok(
      last.violations.some((x) => x.message === v.message),
      `${v.invariant}: ${v.operations.join("; ")} does not replay`,
    );
  }
}

/**
 * Asserts that a reduced search and the full one both finished and give every invariant the same
 * verdict (`what` names the configuration in a failure).
 */
export function assertSameVerdicts(
  reduced: ExploreResult,
  full: ExploreResult,
  what: string,
): void {
  assert.equal(full.stopped, null, what);
  assert.equal(reduced.stopped, null, what);
  assert.deepEqual(
    reduced.invariants.map((i) => [i.name, i.holds]),
    full.invariants.map((i) => [i.name, i.holds]),
    what,
  );
}
