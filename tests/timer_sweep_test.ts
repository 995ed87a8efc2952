/**
 * The timer index's sweep of freed structs (lib/time/device_free.ts): hotplug at a frozen instant
 * frees a CPU's structs and arms new ones, and the next tick's bucket kept every freed struct's
 * stale entry. The sweep must run there and change nothing that fires: a machine that swept
 * behaves as one restored from its snapshot (whose timer index is built afresh, with no stale
 * entry at all).
 */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";
import { TimerQueue } from "../lib/engine/timers.ts";
import type { DeviceState } from "../lib/engine/state.ts";

Deno.test("hotplug at a frozen instant sweeps freed, stopped structs out of the timer index, and what fires afterwards is what a fresh index fires", () => {
  const sweep = TimerQueue.prototype.sweep;
  let seen = 0;
  let removed = 0;
  // Counts what the sweeps look at and remove, passing every answer on.
  TimerQueue.prototype.sweep = function <C>(
    this: TimerQueue,
    dead: (c: C, d: DeviceState) => boolean,
    c: C,
  ) {
    const counted = (c: C, d: DeviceState) => {
      seen++;
      const out = dead(c, d);
      if (out) removed++;
      return out;
    };
    sweep.call<TimerQueue, [typeof counted, C], void>(this, counted, c);
  };
  try {
    for (const kernel of ["5.5", "6.6", "6.12"] as const) {
      seen = removed = 0;
      const m = vm().kernel(kernel).hyperv("2019").cpus(4).traceBuffer(300).build();
      m.advance("3ms");
      // Each offline frees the dead CPU's structs: past 1024, a sweep.
      for (let i = 0; i < 700; i++) {
        const cpu = 1 + (i % 2); // CPU0 and CPU3 keep their structs
        assert.ok(m.offline(cpu).ok && m.online(cpu).ok, `${kernel}: cycle ${i}`);
      }
      assert.ok(removed > 0 && removed < seen, `${kernel}: swept ${removed} of ${seen}`);
      const fresh = vm().kernel(kernel).hyperv("2019").cpus(4).traceBuffer(300).build();
      fresh.restore(m.snapshot());
      for (const step of ["1ms", "7ms", "40ms"]) {
        m.advance(step);
        fresh.advance(step);
        assert.deepEqual(m.trace, fresh.trace, `${kernel}: after ${step}`);
        assert.deepEqual(m.snapshot(), fresh.snapshot(), `${kernel}: after ${step}`);
      }
    }
  } finally {
    TimerQueue.prototype.sweep = sweep;
  }
});
