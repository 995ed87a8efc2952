/**
 * The clockevents sysfs files, as kernel/time/clockevents.c defines them: each CPU's
 * `clockeventN/current_device` and `unbind_device`, and `broadcast/current_device`. The file
 * table (lib/files/table.ts) points at these.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { E } from "../util/errno.ts";
import { type RefusalId, refuse } from "../util/refusals.ts";
import { clockeventsTryUnbind, clockeventsUnbindDevice } from "./clockevents.ts";
import { listOrder } from "../engine/list.ts";
import { walkDevices } from "./list_corruption.ts";
import { deviceOf } from "../engine/device_table.ts";

/** `sysfs_show_current_tick_dev()`: the CPU's tick device name, or nothing. */
export function currentDeviceShow(k: Kernel, cpu: number): string {
  const id = k.s.cpus[cpu].tickDev;
  return id === null ? "" : `${deviceOf(k.s, id)!.name}\n`;
}

/** The broadcast device's `current_device` (`tick_get_broadcast_device()`). */
export function broadcastDeviceShow(k: Kernel): string {
  const id = k.s.broadcast.dev;
  return id === null ? "" : `${deviceOf(k.s, id)!.name}\n`;
}

/**
 * `unbind_device_store()`: the first device of that name, from the list head, is unbound on the
 * file's CPU. Returns 0 or a refusal: `__clockevents_try_unbind()`'s -EBUSY is a device this CPU
 * does not tick on, `clockevents_replace()`'s one a tick device with no spare to replace it.
 */
export function unbindDeviceStore(
  k: Kernel,
  cpu: number,
  value: string,
): { ret: number; refusal?: RefusalId } {
  if (value.length === 0 || value.length >= 32) return refuse("unbind-name-length");
  const name = value.endsWith("\n") ? value.slice(0, -1) : value;
  // list_for_each_entry(iter, &clockevent_devices, list) until the name.
  walkDevices(k, "unbind_device_store", (id) => deviceOf(k.s, id)?.name === name);
  for (const id of listOrder(k.s)) {
    const d = deviceOf(k.s, id)!;
    if (d.name !== name) continue;
    const tried = clockeventsTryUnbind(k, d, cpu);
    if (tried === -E.EBUSY) return refuse("unbind-not-tick-device");
    if (tried !== -E.EAGAIN) return { ret: tried };
    const ret = clockeventsUnbindDevice(k, d, cpu);
    return ret === -E.EBUSY ? refuse("unbind-no-replacement") : { ret };
  }
  return refuse("unbind-no-device");
}
