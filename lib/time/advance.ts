/**
 * Advancing simulated time: device interrupts are processed in (time, priority, sequence) order,
 * up to and including the end instant. Priority 0 is the broadcast device, 1 the per-CPU tick
 * devices; the sequence is the CPU number, so the order is a function of the state alone. When
 * nothing observes individual ticks, a steady run of ticks is jumped over in closed form
 * (lib/time/fast_forward.ts), with the same end state as stepping it.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { runInterrupts } from "./tick_handlers.ts";
import { fastForward, ticksObserved } from "./fast_forward.ts";

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
      const jumped = ticksObserved(k)
        ? -1
        : fastForward(k, devices, count, time, guestEnd, k.timers.peek());
      handled += jumped >= 0 ? jumped : runInterrupts(k, devices, count, time);
      k.timers.recycle(devices);
    }
  }
  s.now = end;
  return handled;
}
