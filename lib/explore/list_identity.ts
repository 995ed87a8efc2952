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

import type { DeviceState, MachineState } from "../engine/state.ts";
import type { Device } from "../engine/device.ts";
import { listOrder } from "../engine/list.ts";
import { deviceAt, deviceNumber } from "../engine/device_table.ts";
import { candidatesIn, DEVICE_KINDS } from "../time/devices.ts";

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

// A listed device's insertion sequence, -1 when it is not listed (a running kernel's struct holds
// its own; a snapshot's list is `ceList`, lib/engine/list.ts).
function seqIn(s: MachineState, d: DeviceState): number {
  if (s.ceList !== undefined) return s.ceList[d.id] ?? -1;
  return (d as Device).seq;
}

/**
 * {@linkcode candidateOrder} as numbers, for the packer and the CPU keys (they run per state a
 * move reaches, where the ids as strings cost a fifth of canonicalising): writes into `out` the
 * kinds (places in `DEVICE_KINDS`) of `cpu`'s listed candidates, head first, and returns how many.
 * `seqs` is scratch of the same length (at least `DEVICE_KINDS.length`).
 *
 * @example The same order as candidateOrder()'s ids
 * ```ts
 * import { candidateKinds, candidateOrder } from "./list_identity.ts";
 * import { DEVICE_KINDS } from "../time/devices.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ hyperv: "2019", kernel: "5.5", cpus: 3 }).build();
 * m.offline(1);
 * m.online(1);
 * const s = m.snapshot();
 * const out = new Int32Array(DEVICE_KINDS.length);
 * const n = candidateKinds(s, 1, out, new Float64Array(DEVICE_KINDS.length));
 * const kinds = candidateOrder(s, 1).map((id) => DEVICE_KINDS.indexOf(id.split(":")[0]));
 * assert.deepEqual([...out.subarray(0, n)], kinds);
 * ```
 */
export function candidateKinds(
  s: MachineState,
  cpu: number,
  out: Int32Array,
  seqs: Float64Array,
): number {
  let n = 0;
  for (let k = 0; k < DEVICE_KINDS.length; k++) {
    const d = kindAt(s, k, cpu);
    if (d === undefined) continue;
    const seq = seqIn(s, d);
    if (seq < 0) continue;
    // Insertion by sequence, highest (the list's head) first: a handful of kinds.
    let j = n++;
    while (j > 0 && seqs[j - 1] < seq) {
      seqs[j] = seqs[j - 1];
      out[j] = out[j - 1];
      j--;
    }
    seqs[j] = seq;
    out[j] = k;
  }
  return n;
}

// Device numbers by CPU and kind (lib/engine/device_table.ts deviceNumber, fixed once the kinds
// are defined), read once per machine size: the packer reads every CPU's devices of every kind
// per state a move reaches, and the kind's Map lookup each time was 3 % of a search.
let NUMBERS = new Int32Array(0);

/**
 * `deviceAt(s, DEVICE_KINDS[k], cpu)`: the struct of kind number `k` on `cpu`, or undefined.
 *
 * @example
 * ```ts
 * import { kindAt } from "./list_identity.ts";
 * import { DEVICE_KINDS } from "../time/devices.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
 * assert.equal(kindAt(root.s, DEVICE_KINDS.indexOf("hv_stimer"), 1)?.id, "hv_stimer:1");
 * ```
 */
export function kindAt(s: MachineState, k: number, cpu: number): DeviceState | undefined {
  const t = s.table;
  if (t === undefined) return deviceAt(s, DEVICE_KINDS[k], cpu);
  const K = DEVICE_KINDS.length;
  if (NUMBERS.length < (cpu + 1) * K) {
    NUMBERS = new Int32Array(Math.max(s.cpus.length, cpu + 1) * K);
    for (let i = 0; i < NUMBERS.length; i++) {
      NUMBERS[i] = deviceNumber(DEVICE_KINDS[i % K], Math.floor(i / K));
    }
  }
  return t[NUMBERS[cpu * K + k]];
}
