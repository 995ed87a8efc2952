/**
 * Counterexamples of a search with symmetry, in concrete CPU numbers: the search keeps each state
 * with its interchangeable CPUs renumbered in canonical order (symmetry.ts), so an operation on
 * its path names a CPU as that state's numbering does. Replaying the path from the boot, each
 * operation is renamed through the renumbering of the state it is applied to.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import { concernedCpu, type Operation } from "../ops/operations.ts";
import { TimerQueue } from "../engine/timers.ts";
import { kernelOn } from "../machine/kernel.ts";
import { applyMove, type ExploreOperation } from "../ops/moves.ts";
import { cloneState } from "./clone.ts";
import { canonicalOrder } from "./symmetry.ts";

/**
 * The canonical renumbering of `s` with its tick counts: `perm[i]` is the CPU of `s` that is CPU
 * i in the search's numbering (CPUs of `group` that nothing else tells apart in tick order).
 *
 * @example
 * ```ts
 * import { canonicalPerm } from "./concrete.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 3 }).build();
 * m.offline(1);
 * assert.deepEqual([...canonicalPerm(m.snapshot(), [1, 2])], [0, 1, 2]);
 * ```
 */
export function canonicalPerm(s: MachineState, group: readonly number[]): Int32Array {
  const { perm, ties } = canonicalOrder(s, group);
  for (const run of ties) {
    const cpus = run.map((place) => perm[place]);
    cpus.sort((a, b) => s.cpus[a].ticks - s.cpus[b].ticks || a - b);
    run.forEach((place, i) => perm[place] = cpus[i]);
  }
  return perm;
}

/**
 * `op` with CPU i of the search's numbering named by `perm[i]`.
 *
 * @example
 * ```ts
 * import { renamed } from "./concrete.ts";
 * import assert from "node:assert/strict";
 * const path = "/sys/devices/system/cpu/cpu1/hotplug/fail";
 * const op = { kind: "fail", ops: [{ kind: "echo", value: "5\n", path }, { kind: "offline", cpu: 1 }] } as const;
 * assert.deepEqual(renamed(op, Int32Array.of(0, 2, 1)).ops, [
 *   { kind: "echo", value: "5\n", path: "/sys/devices/system/cpu/cpu2/hotplug/fail" },
 *   { kind: "offline", cpu: 2 },
 * ]);
 * ```
 */
export function renamed(op: ExploreOperation, perm: Int32Array): ExploreOperation {
  const cpu = (n: number) => perm[n] ?? n;
  const ops = op.ops.map((o): Operation => {
    if ("cpu" in o && typeof o.cpu === "number") return { ...o, cpu: cpu(o.cpu) } as Operation;
    if ("path" in o && typeof o.path === "string") {
      return { ...o, path: o.path.replace(/\/cpu(\d+)\//, (_, n) => `/cpu${cpu(Number(n))}/`) };
    }
    return o;
  });
  return { ...op, ops };
}

/**
 * The CPUs `op` names (those {@linkcode renamed} renames), each once, in the order named.
 *
 * @example
 * ```ts
 * import { cpusNamed } from "./concrete.ts";
 * import assert from "node:assert/strict";
 * const path = "/sys/devices/system/cpu/cpu3/hotplug/target";
 * assert.deepEqual(cpusNamed({ kind: "target", ops: [{ kind: "echo", value: "0\n", path }] }), [3]);
 * assert.deepEqual(cpusNamed({ kind: "advance", ops: [{ kind: "advance", ns: 1e6 }] }), []);
 * ```
 */
export function cpusNamed(op: ExploreOperation): number[] {
  const out: number[] = [];
  for (const o of op.ops) {
    const n = concernedCpu(o);
    if (n >= 0 && !out.includes(n)) out.push(n);
  }
  return out;
}

/**
 * The operations of a path the search took from `root` (each in the numbering of the state it
 * was applied to), in the root's own CPU numbers.
 *
 * @example
 * ```ts
 * import { concreteOperations } from "./concrete.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ cpus: 3 });
 * const off = (cpu: number) => ({ kind: "offline", ops: [{ kind: "offline", cpu }] }) as const;
 * // An offline CPU sorts before an online one: the second "offline 2" takes the other CPU.
 * const ops = concreteOperations(root, [1, 2], [off(2), off(2)]);
 * const cpus = ops.map((o) => (o.ops[0] as { cpu: number }).cpu);
 * assert.deepEqual(cpus.sort(), [1, 2]);
 * ```
 */
export function concreteOperations(
  root: Kernel,
  group: readonly number[],
  path: readonly ExploreOperation[],
): ExploreOperation[] {
  const k = kernelOn(root, cloneState(root.s), new TimerQueue());
  return path.map((op) => {
    const out = renamed(op, canonicalPerm(k.s, group));
    applyMove({ k }, out);
    return out;
  });
}
