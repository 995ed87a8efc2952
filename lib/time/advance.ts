/**
 * Advancing simulated time: device interrupts are processed in (time, priority, sequence) order,
 * up to and including the end instant. Priority 0 is the broadcast device, 1 the per-CPU tick
 * devices; the sequence is the CPU number, so the order is a function of the state alone. A
 * steady run of ticks (lib/time/steady.ts) is stepped in batches of rounds when ticks are observed
 * (lib/time/tick_rounds.ts) and jumped over in closed form when not (lib/time/fast_forward.ts),
 * with the same end state as stepping each bucket through `runInterrupts()`.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { runInterrupts } from "./tick_handlers.ts";
import { fastForward, steppingForced, ticksObserved } from "./fast_forward.ts";
import { roundsBefore, steadyTicks } from "./steady.ts";
import { stepRounds } from "./tick_rounds.ts";

/**
 * Runs every interrupt due at or before simulation time `end`, then sets `now = end`. Returns the
 * number of device interrupts handled.
 */
export function advanceTo(k: Kernel, end: number): number {
  const s = k.s;
  let handled = 0;
  if (s.power === "on") {
    const guestEnd = end - s.offNs;
    const plain = steppingForced();
    for (;;) {
      const at = k.timers.peek();
      if (at === undefined || at > guestEnd) break;
      const { time, devices, count } = k.timers.take()!;
      s.now = time + s.offNs;
      const rounds = plain ? 0 : roundsBefore(k.period, time, guestEnd, k.timers.peek());
      const n = rounds >= 2 ? steadyTicks(k, devices, count, time) : -1;
      handled += n < 0
        ? runInterrupts(k, devices, count, time)
        : ticksObserved(k)
        ? stepRounds(k, n, time, rounds)
        : fastForward(k, n, time, rounds);
      k.timers.recycle(devices);
    }
  }
  s.now = end;
  return handled;
}
