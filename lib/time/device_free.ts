/**
 * A clockevent device struct freed (`list_del()` done, its memory given back: hvtick keeps no
 * more of it), and the timer index's entries of freed structs swept out.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { DeviceState, MachineState } from "../engine/state.ts";
import { deviceNumber, deviceOf, dropDevice } from "../engine/device_table.ts";

/**
 * The struct `id` leaves the machine (`dropDevice()`). Its stale timer entries stay where they
 * are until enough structs have gone, when the timer index sweeps out every entry of a freed
 * struct that is stopped: nothing reaches such a struct any more (every reader finds structs
 * in the table, the timer index hands over only entries due at their instant), so it can never
 * fire again, and what fires, in which order, is unchanged.
 *
 * @example
 * ```ts
 * import { freeDevice } from "./device_free.ts";
 * import { deviceOf } from "../engine/device_table.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * freeDevice(k, "lapic:1");
 * assert.equal(deviceOf(k.s, "lapic:1"), undefined);
 * ```
 */
export function freeDevice(k: Kernel, id: string): void {
  dropDevice(k.s, id);
  if (k.timers.freedOne()) k.timers.sweep(freedAndStopped, k.s);
}

// A timer entry's struct that can never fire again: stopped, and no longer the state's struct.
// Its slot is found from its kind and cpumask (what its id spells: a per-CPU struct's mask is its
// CPU, a global kind has one slot), not by building and looking up the id.
function freedAndStopped(s: MachineState, d: DeviceState): boolean {
  if (d.hwExpires >= 0) return false;
  const t = s.table;
  return (t === undefined ? deviceOf(s, d.id) : t[deviceNumber(d.kind, d.mask)]) !== d;
}
