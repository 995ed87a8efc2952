/**
 * `clockevent_devices` (kernel/time/clockevents.c:19-23): devices are added at the head with
 * `list_add`, so list order is most-recently-added first. Stored as each device's insertion
 * sequence, so adding and removing are O(1); the order is recovered where the kernel's iteration
 * order matters (unbind by name, replacement, listings). A running kernel keeps the sequence in
 * the struct, as the kernel keeps the `list_head list` in `struct clock_event_device` (6.6.150
 * include/linux/clockchips.h:130; `Device.seq`, -1 when not listed, lib/engine/device.ts); a
 * snapshot keeps it as `ceList`, id → sequence.
 *
 * @module
 */

import type { DeviceState, MachineState } from "./state.ts";
import type { Device } from "./device.ts";
import { allDevices, deviceOf } from "./device_table.ts";

// The device's insertion sequence, or undefined when it is not listed (either form).
function seqOf(s: MachineState, id: string): number | undefined {
  if (s.ceList !== undefined) return s.ceList[id];
  const d = deviceOf(s, id) as Device | undefined;
  return d === undefined || d.seq < 0 ? undefined : d.seq;
}

/** `list_add(&dev->list, &clockevent_devices)`. */
export function listAdd(s: MachineState, id: string): void {
  if (s.ceList !== undefined) s.ceList[id] = s.ceSeq++;
  else (deviceOf(s, id) as Device).seq = s.ceSeq++;
  // A node that loops the corrupted list is linked at the head again: the loop stays
  // (lib/time/list_corruption.ts).
  if (s.ceCorrupt?.dev === id) s.ceCorrupt.unlinked = false;
}

/** `list_del(&dev->list)`; true when it was listed. */
export function listDel(s: MachineState, id: string): boolean {
  if (seqOf(s, id) === undefined) return false;
  if (s.ceList !== undefined) delete s.ceList[id];
  else (deviceOf(s, id) as Device).seq = -1;
  if (s.ceCorrupt?.dev === id) s.ceCorrupt.unlinked = true;
  return true;
}

/** Whether `id` is on the list. */
export function listed(s: MachineState, id: string): boolean {
  return seqOf(s, id) !== undefined;
}

/**
 * {@linkcode listed}, {@linkcode listAdd} and {@linkcode listDel} of a struct the caller holds
 * (the state's own struct of its id): its link read where it is, not looked up again by its id.
 *
 * @example
 * ```ts
 * import { listDel, listed, listedStruct } from "./list.ts";
 * import { deviceOf } from "./device_table.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).build().config);
 * const d = deviceOf(k.s, "lapic:1")!;
 * assert.equal(listedStruct(k.s, d), listed(k.s, d.id));
 * listDel(k.s, d.id);
 * assert.equal(listedStruct(k.s, d), false);
 * ```
 */
export function listedStruct(s: MachineState, d: DeviceState): boolean {
  return s.ceList === undefined ? (d as Device).seq >= 0 : s.ceList[d.id] !== undefined;
}

/** {@linkcode listAdd} of a struct the caller holds (see {@linkcode listedStruct}). */
export function listAddStruct(s: MachineState, d: DeviceState): void {
  if (s.ceList !== undefined) return listAdd(s, d.id);
  (d as Device).seq = s.ceSeq++;
  if (s.ceCorrupt?.dev === d.id) s.ceCorrupt.unlinked = false;
}

/** {@linkcode listDel} of a struct the caller holds (see {@linkcode listedStruct}). */
export function listDelStruct(s: MachineState, d: DeviceState): boolean {
  if (s.ceList !== undefined) return listDel(s, d.id);
  if ((d as Device).seq < 0) return false;
  (d as Device).seq = -1;
  if (s.ceCorrupt?.dev === d.id) s.ceCorrupt.unlinked = true;
  return true;
}

/** The ids in list order, head first (`list_for_each_entry`), of `ids` (default: every device). */
export function listOrder(s: MachineState, ids?: Iterable<string>): string[] {
  const out: string[] = [];
  const seqs: number[] = [];
  if (ids === undefined && s.ceList === undefined) {
    // A running kernel's list: each struct's own link, read where the struct is (not looked up
    // again by its id).
    const all = allDevices(s) as Device[];
    for (let i = 0; i < all.length; i++) {
      if (all[i].seq >= 0) {
        out.push(all[i].id);
        seqs.push(all[i].seq);
      }
    }
  } else {
    for (const id of ids ?? Object.keys(s.ceList!)) {
      const seq = seqOf(s, id);
      if (seq === undefined) continue;
      out.push(id);
      seqs.push(seq);
    }
  }
  let ascending = true;
  let descending = true;
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] < seqs[i - 1]) ascending = false;
    if (seqs[i] > seqs[i - 1]) descending = false;
  }
  // Keys mostly come back in sequence order (a snapshot's list: insertion order): a reverse is
  // enough then, and sorting 4000 devices by a lookup is what `devices` used to spend.
  if (descending) return out;
  if (ascending) return out.reverse();
  const order = out.map((_, i) => i).sort((a, b) => seqs[b] - seqs[a]);
  return order.map((i) => out[i]);
}
