/**
 * Advancing simulated time: device interrupts are processed in (time, priority, sequence) order,
 * up to and including the end instant. Priority 0 is the broadcast device, 1 the per-CPU tick
 * devices; the sequence is the CPU number, so the order is a function of the state alone.
 *
 * @module
 */

import type { Kernel } from "./kernel.ts";
import { delivers } from "./clockevents/core.ts";
import { deviceInterrupt } from "./tick/handlers.ts";
import type { DeviceState } from "./state.ts";

/** Re-indexes every armed device (after a restore). */
export function rebuildTimers(k: Kernel): void {
  k.timers.clear();
  const armed = Object.values(k.s.devices).filter((d) => d.hwExpires !== null);
  armed.sort((a, b) => order(k, a) - order(k, b));
  for (const d of armed) k.timers.arm(d.hwExpires!, d.id);
}

function order(k: Kernel, d: DeviceState): number {
  return k.s.broadcast.dev === d.id ? -1 : d.boundTo;
}

/**
 * Runs every interrupt due at or before simulation time `end`, then sets `now = end`. Returns the
 * number of device interrupts handled.
 */
export function advanceTo(k: Kernel, end: number): number {
  const s = k.s;
  let handled = 0;
  if (s.power === "on") {
    const guestEnd = end - s.offNs;
    for (;;) {
      const at = k.timers.peek();
      if (at === undefined || at > guestEnd) break;
      const { time, ids } = k.timers.take()!;
      s.now = time + s.offNs;
      if (ids.length > 1 && !sorted(k, ids)) ids.sort((a, b) => key(k, a) - key(k, b));
      for (const id of ids) {
        const d = s.devices[id];
        if (!d || d.hwExpires !== time) continue;
        if (d.hwPeriod > 0) {
          d.hwExpires = time + d.hwPeriod;
          k.timers.arm(d.hwExpires, d.id);
        } else {
          d.hwExpires = null;
        }
        if (!delivers(k, d)) continue;
        deviceInterrupt(k, d);
        handled++;
      }
    }
  }
  s.now = end;
  return handled;
}

function key(k: Kernel, id: string): number {
  const d = k.s.devices[id];
  return d ? order(k, d) : Number.MAX_SAFE_INTEGER;
}

function sorted(k: Kernel, ids: string[]): boolean {
  let prev = -2;
  for (const id of ids) {
    const d = k.s.devices[id];
    if (!d) continue;
    const o = order(k, d);
    if (o < prev) return false;
    prev = o;
  }
  return true;
}
