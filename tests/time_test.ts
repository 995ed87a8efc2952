/** Simulated time, ticks and jiffies (kernel/time/tick-common.c, tick-sched.c, timekeeping.c). */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";

Deno.test("advance() processes interrupts due at exactly the end instant; time is integer ns", () => {
  const m = vm().hz(250).cpus(2).build();
  m.advance("3999999ns");
  assert.equal(m.cpu(0).ticks, 0);
  m.advance(1);
  assert.equal(m.now, 4_000_000);
  assert.deepEqual(m.cpus().map((c) => c.ticks), [1, 1]);
  assert.equal(m.advance(0), 0);
  assert.equal(m.advance("4ms"), 2);
});

Deno.test("jiffies start at INITIAL_JIFFIES and advance only through the timekeeping CPU's do_timer (include/linux/jiffies.h:174; timekeeping.c:2194)", () => {
  for (const hz of [100, 250, 300, 1000]) {
    const m = vm().hz(hz).cpus(3).build();
    assert.equal(m.jiffies, 2 ** 32 - 300 * hz);
    m.advance("1s");
    assert.equal(m.jiffies - (2 ** 32 - 300 * hz), hz === 300 ? 300 : hz);
    assert.deepEqual(m.cpus().map((c) => c.timekeeper), [true, false, false]);
    assert.ok(m.cpus().every((c) => c.ticks === m.cpu(0).ticks));
  }
});

Deno.test("a new tick device starts periodic and switches to one-shot high resolution at its next tick (tick-common.c:201-272; hrtimer.c:727-741)", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").cpus(2).build();
  assert.deepEqual(m.cpus().map((c) => [c.mode, c.highres]), [["periodic", false], [
    "periodic",
    false,
  ]]);
  m.advance("4ms");
  assert.deepEqual(m.cpus().map((c) => [c.mode, c.highres]), [["oneshot", true], [
    "oneshot",
    true,
  ]]);
  assert.equal(m.cpu(1).deviceState, "ONESHOT");
  m.offline(1);
  m.online(1);
  assert.equal(m.cpu(1).mode, "periodic");
  m.advance("4ms");
  assert.equal(m.cpu(1).mode, "oneshot");
});

Deno.test("ticks fire only through a bound, working device: none while a CPU is offline", () => {
  const m = vm().cpus(3).build();
  m.offline(2);
  m.advance("100ms");
  assert.equal(m.cpu(2).ticks, 0);
  assert.equal(m.cpu(1).ticks, 25);
});

Deno.test("the Hyper-V reference counter counts in 100 ns units and restarts at 0 after hibernation (hyperv-stimer §3.5)", () => {
  const m = vm().kernel("5.5").build();
  m.advance("1s");
  assert.equal(m.referenceCounter, 10_000_000);
  assert.equal(m.hibernate().ok, true);
  m.advance("5s");
  assert.equal(m.jiffies, 2 ** 32 - 300 * 250 + 250, "jiffies do not move while powered off");
  assert.equal(m.resume().ok, true);
  assert.equal(m.referenceCounter, 0);
  m.advance("1ms");
  assert.equal(m.referenceCounter, 10_000);
  assert.equal(m.monotonic, 1_001_000_000, "CLOCK_MONOTONIC continues from the image");
});

Deno.test("HZ=300: tick_period is NSEC_PER_SEC / HZ, integer (tick-common.c)", () => {
  const m = vm().hz(300).cpus(1).build();
  m.advance("3333333ns");
  assert.equal(m.cpu(0).ticks, 1);
});

Deno.test("traceTicks() records every tick with its device and handler; the trace is a ring of traceBuffer events", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").cpus(2).traceTicks().build();
  m.advance("8ms");
  const ticks = m.trace.flatMap((e) => e.type === "tick" ? [e] : []);
  assert.deepEqual(ticks.map((e) => [e.time, e.cpu, e.handler]), [
    [4_000_000, 0, "tick_handle_periodic"],
    [4_000_000, 1, "tick_handle_periodic"],
    [8_000_000, 0, "hrtimer_interrupt"],
    [8_000_000, 1, "hrtimer_interrupt"],
  ]);
  assert.ok(ticks.every((e) => e.device === "Hyper-V clockevent"));
  const small = vm().cpus(4).traceBuffer(16).build();
  assert.equal(small.trace.length, 16);
  small.offline(3);
  const last = small.trace.at(-1)!;
  assert.equal(last.type, "cpuhp_exit", "the newest events are kept");
  assert.equal(small.trace.length, 16);
});
