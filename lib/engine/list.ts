/**
 * `clockevent_devices` (kernel/time/clockevents.c:19-23): devices are added at the head with
 * `list_add`, so list order is most-recently-added first. Stored as id → insertion sequence, so
 * adding and removing are O(1); the order is recovered where the kernel's iteration order
 * matters (unbind by name, replacement, listings).
 *
 * @module
 */

import type { MachineState } from "./state.ts";

/** `list_add(&dev->list, &clockevent_devices)`. */
export function listAdd(s: MachineState, id: string): void {
  s.ceList[id] = s.ceSeq++;
  // A node that loops the corrupted list is linked at the head again: the loop stays
  // (lib/time/list_corruption.ts).
  if (s.ceCorrupt?.dev === id) s.ceCorrupt.unlinked = false;
}

/** `list_del(&dev->list)`; true when it was listed. */
export function listDel(s: MachineState, id: string): boolean {
  if (!(id in s.ceList)) return false;
  delete s.ceList[id];
  if (s.ceCorrupt?.dev === id) s.ceCorrupt.unlinked = true;
  return true;
}

/** Whether `id` is on the list. */
export function listed(s: MachineState, id: string): boolean {
  return id in s.ceList;
}

/** The ids in list order, head first (`list_for_each_entry`). */
export function listOrder(
  s: MachineState,
  ids: Iterable<string> = Object.keys(s.ceList),
): string[] {
  const out: string[] = [];
  let ascending = true;
  let descending = true;
  let prev = NaN;
  for (const id of ids) {
    const seq = s.ceList[id];
    if (seq === undefined) continue;
    if (seq < prev) ascending = false;
    if (seq > prev) descending = false;
    prev = seq;
    out.push(id);
  }
  // Object keys come back in insertion order, which is sequence order: a reverse is enough
  // then, and sorting 4000 devices by a dictionary lookup is what `devices` used to spend.
  if (descending) return out;
  if (ascending) return out.reverse();
  return out.sort((a, b) => s.ceList[b] - s.ceList[a]);
}
