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
import type { OperationKind } from "../ops/moves.ts";

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
 * import assert from "node:assert/strict";
 * const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
 * const s = structuredClone(root.s);
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
