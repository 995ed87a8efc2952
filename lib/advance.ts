/**
 * Advancing simulated time: device interrupts are processed in (time, priority, sequence) order,
 * up to and including the end instant. Priority 0 is the broadcast device, 1 the per-CPU tick
 * devices; the sequence is the CPU number, so the order is a function of the state alone.
 *
 * @module
 */

import type { Kernel } from "./kernel.ts";
import { delivers } from "./clockevents/core.ts";
import { deviceInterrupt, hrtimerInterrupts } from "./tick/handlers.ts";
import type { DeviceState } from "./state.ts";

/** Re-indexes every armed device (after a restore). */
export function rebuildTimers(k: Kernel): void {
  k.timers.clear();
  for (const d of Object.values(k.s.devices)) {
    if (d.hwExpires >= 0) k.timers.arm(d.hwExpires, d);
  }
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
      const { time, devices, count } = k.timers.take()!;
      s.now = time + s.offNs;
      // Consecutive high-resolution ticks run as one batch (same order, same effects).
      let batch = 0;
      for (let i = 0; i < count; i++) {
        const d = devices[i];
        if (d.hwExpires !== time) continue;
        if (d.hwPeriod > 0) {
          d.hwExpires = time + d.hwPeriod;
          k.timers.arm(d.hwExpires, d);
        } else {
          d.hwExpires = -1;
        }
        if (!delivers(k, d)) continue;
        handled++;
        if (d.handler === "hrtimer_interrupt") {
          devices[batch++] = d;
          continue;
        }
        if (batch > 0) batch = flush(k, devices, batch);
        deviceInterrupt(k, d);
      }
      if (batch > 0) flush(k, devices, batch);
      k.timers.recycle(devices);
    }
  }
  s.now = end;
  return handled;
}

/** Runs the batched `hrtimer_interrupt`s staged at the front of `devices`; returns 0. */
function flush(k: Kernel, devices: DeviceState[], batch: number): number {
  hrtimerInterrupts(k, devices, batch);
  return 0;
}
