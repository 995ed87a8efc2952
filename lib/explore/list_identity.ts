/**
 * What a reduced exploration keeps of `clockevent_devices`' order: per CPU, the order of the
 * devices that can become its tick device (its own per-CPU devices and the global ones), not the
 * order of the whole list. Of the operations exploration makes, only `clockevents_replace()` reads
 * the order, and it picks among one CPU's candidates (lib/time/devices.ts `candidatesIn`);
 * `list_add()` and `list_del()` change each CPU's order as they change the list's. So two states
 * whose lists interleave different CPUs' devices differently but agree CPU by CPU reach, under
 * the same operations, states that again agree CPU by CPU, with the same checks (docs/model.md
 * §Symmetry reduction, "The clockevent list", says which readers of the whole order there are and
 * why none is reached). Per-CPU orders determine the list up to swapping neighbours that no CPU
 * has both of (the projection lemma of trace theory), so nothing else is lost.
 *
 * @module
 */

import type { MachineState } from "../engine/state.ts";
import { listOrder } from "../engine/list.ts";
import { candidatesIn } from "../time/devices.ts";

/**
 * The ids of the listed devices that `cpu` can take as its tick device, in
 * `clockevent_devices` order (head first).
 *
 * @example The list head is the newest: CPU1 onlined again has its devices first
 * ```ts
 * import { candidateOrder } from "./list_identity.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ hyperv: "2019", kernel: "5.5", cpus: 3 }).build();
 * const before = candidateOrder(m.snapshot(), 2);
 * m.offline(1);
 * m.online(1);
 * assert.deepEqual(candidateOrder(m.snapshot(), 2), before);
 * assert.ok(candidateOrder(m.snapshot(), 1).every((id) => !id.endsWith(":2")));
 * ```
 */
export function candidateOrder(s: MachineState, cpu: number): string[] {
  return listOrder(s, candidatesIn(s, cpu));
}
