/**
 * Armed failures carried lazily (docs/model.md §Exploration, "Armed failures carried lazily"): a
 * failure injected at a state its walk did not pass stays armed (`cpuhp_cpu_state.fail`) until a
 * later walk of that CPU passes it. While the CPU is offline, the only walk exploration can make
 * of it is its `online`, and the search offers that walk with the same failure written right
 * before it (the `fail` kind: `echo S > cpuN/hotplug/fail`, then `online N`). So the search keeps
 * such a state without the failure: it reaches the same states at the same depths, and the
 * failure still fires, at the same place in the path, written just before the walk that fires it.
 *
 * @module
 */

import type { Step } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import type { ExploreOperation, OperationKind } from "../ops/moves.ts";
import type { Move, StateClasses } from "./classes.ts";

/**
 * Whether a search over `kinds` carries armed failures lazily: it needs `fail` (the only writer
 * of `hotplug/fail`, and the move that fires a failure written just before `online`) and both
 * `online` and `offline` (the plain walk without the failure written, which reaches the same
 * state without it at the same depth).
 *
 * @example
 * ```ts
 * import { lazyFailuresApply } from "./lazy_failures.ts";
 * import assert from "node:assert/strict";
 * assert.ok(lazyFailuresApply(["online", "offline", "fail"]));
 * assert.ok(!lazyFailuresApply(["online", "fail"]));
 * ```
 */
export function lazyFailuresApply(kinds: readonly OperationKind[]): boolean {
  return (["online", "offline", "fail"] as const).every((kind) => kinds.includes(kind));
}

/**
 * Disarms, in `s` and in its hibernation image, every failure armed on a CPU that is offline
 * (`state` 0, its device offline, not in `cpu_online_mask`, not one `freeze_secondary_cpus()`
 * took down, so no thaw walks it) at a state with a startup callback (its `online` fails there
 * when it reaches it). `steps` is the kernel's step table. Returns how many it disarmed.
 *
 * @example CPU1 offline with a failure armed at `CPUHP_BRINGUP_CPU`
 * ```ts
 * import { disarmOffline } from "./lazy_failures.ts";
 * import { workspace } from "./workspace.ts";
 * import { copyState } from "../engine/copy.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
 * const s = copyState(root.s);
 * Object.assign(s.cpus[1], { online: false, devOffline: true, state: 0, target: 0 });
 * s.cpus[1].fail = root.line.cpuhp.BRINGUP_CPU;
 * assert.equal(disarmOffline(root.steps, s), 1);
 * assert.equal(s.cpus[1].fail, -1);
 * assert.equal(disarmOffline(root.steps, root.s), 0);
 * ```
 */
export function disarmOffline(steps: readonly Step[], s: MachineState): number {
  let n = 0;
  for (const st of [s, s.image]) {
    if (st === null) continue;
    for (const c of st.cpus) {
      if (
        c.fail >= 0 && c.state === 0 && c.target === 0 && c.devOffline && !c.online &&
        steps[c.fail].startup !== null && !st.frozenCpus.includes(c.id)
      ) {
        c.fail = -1;
        n++;
      }
    }
  }
  return n;
}

/**
 * The move of a fault injection (`ops`: the write of S to `cpuN/hotplug/fail`, then N's
 * `offline` or `online`) in class `cls`, taken from the plain walk's move of that class when the
 * walk does not read S and ends with N offline, or null when it must run. The walk does not read
 * S when S lies outside what it passes (down from P: S > P; up from P: S ≤ P; a rollback returns
 * over what was passed): then it runs exactly as the plain walk, with the same checks, and ends
 * with S armed on an offline CPU, which {@linkcode disarmOffline} takes out, so it reaches the
 * plain walk's class if N has nothing armed there (the write replaced what N had armed: a
 * failure the plain walk left armed at a state with no startup stays in its class). Taken only
 * when the plain walk found no violation (a counterexample found there would be recorded under
 * the other kind of operation) and did not reach the race.
 *
 * @example 5.5 on 2 vCPUs: nothing taken from a walk the search has not learnt
 * ```ts
 * import { fromPlainWalk } from "./lazy_failures.ts";
 * import { StateClasses } from "./classes.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
 * const classes = new StateClasses(2);
 * const cls = classes.classOf(root.s);
 * classes.list[cls].ops = [];
 * const fail = { kind: "echo", value: "200\n", path: "/sys/devices/system/cpu/cpu1/hotplug/fail" } as const;
 * const move = { kind: "fail", ops: [fail, { kind: "offline", cpu: 1 }] } as const;
 * assert.equal(fromPlainWalk(root.steps, classes, cls, move, () => true), null);
 * ```
 */
export function fromPlainWalk(
  steps: readonly Step[],
  classes: StateClasses,
  cls: number,
  op: ExploreOperation,
  found: (invariant: number) => boolean,
): Move | null {
  const [write, next] = op.ops;
  if (op.kind !== "fail" || op.race || write?.kind !== "echo" || next === undefined) return null;
  if (next.kind !== "offline" && next.kind !== "online") return null;
  const c = classes.list[cls];
  const state = Number(write.value);
  const from = c.rep.cpus[next.cpu].state;
  const read = next.kind === "offline" ? state <= from : state > from;
  if (read || steps[state].startup === null || c.ops === null) return null;
  // The plain walk: the operation of the same kind on the same CPU, as it ran in this class.
  const g = c.ops.findIndex((o) =>
    o.kind === next.kind && o.ops.length === 1 && o.ops[0].kind === next.kind &&
    o.ops[0].cpu === next.cpu
  );
  const plain = g < 0 ? undefined : c.moves[g]?.[0];
  if (plain === undefined || !plain.ran || plain.race) return null;
  // A violation of checked invariant i is recorded during `fail` only when none was found yet.
  for (let i = 0; 2 * i < plain.walk.length; i++) {
    if ((plain.walk[2 * i + 1] > 0 || plain.post[2 * i + 1] > 0) && !found(i)) return null;
  }
  // Where the walk left N (the class reached is renumbered: perm[i] became CPU i).
  const to = classes.list[plain.to].rep;
  const at = plain.perm === null ? next.cpu : plain.perm.indexOf(next.cpu);
  const n = to.cpus[at];
  // The write replaced whatever N had armed: the injected walk ends with S armed, which
  // disarmOffline() takes out, so the plain walk's class is the one reached only if N has nothing
  // armed there (a failure the plain walk left armed and kept, at a state with no startup, was
  // overwritten by S).
  const offline = n.state === 0 && n.target === 0 && n.devOffline && !n.online &&
    n.fail === -1 && !to.frozenCpus.includes(at);
  return offline ? { ...plain, op, postKeys: null, uses: 0, postUses: 0 } : null;
}
