/**
 * NO_HZ idle of an online CPU below `sched:active` (lib/time/tick_nohz_idle.ts): it has nothing
 * to run, so its tick stops, and starts again when the CPU is hotplugged once more.
 */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";

const CPU = "/sys/devices/system/cpu";

/** 5.4.301 as the rig built it (CPU_HOTPLUG_STATE_CONTROL), on the rig's QEMU host. */
const rig54 = () =>
  vm().kernel("5.4").kconfig("rig-build").hyperv("qemu").cpus(4).hotplugStateControl().build();

/** CPU `cpu`'s block of /proc/timer_list's tick devices. */
function tickBlock(text: string, cpu: number): string {
  const start = text.indexOf(`Per CPU device: ${cpu}\n`);
  assert.ok(start >= 0, text);
  return text.slice(start, text.indexOf("\n\n", start));
}

Deno.test("a failed offline rolled back to smpboot/threads:online leaves the CPU idle: its tick stops (k5.4-hv-direct-failprep.log)", () => {
  const m = rig54();
  assert.equal(m.write(`${CPU}/cpu2/hotplug/fail`, "42").ok, true); // smpcfd:prepare
  assert.equal(m.write(`${CPU}/cpu2/online`, "0").errno, "EAGAIN");
  assert.equal(m.read(`${CPU}/cpu2/hotplug/state`), "141\n");
  assert.equal(m.read(`${CPU}/cpu2/online`), "1\n");
  // Brought back up with a periodic tick, it takes one: in it hrtimer_run_queues() switches to
  // high resolution, and back in its idle loop it stops the tick (the same in a traced rerun:
  // one periodic tick after `bringup_cpu`, then `tick_stop: success=1`).
  const before = m.cpus().map((c) => c.ticks);
  m.advance("1s");
  assert.equal(m.cpus()[2].ticks - before[2], 1);
  m.advance("1s");
  const after = m.cpus().map((c) => c.ticks);
  assert.equal(after[2], before[2] + 1, "CPU2 (not active) takes no more tick");
  for (const cpu of [0, 1, 3]) assert.ok(after[cpu] > before[cpu] + 400, `CPU${cpu} ticks`);
  // hvtick models no timer-wheel timer, so the tick's hrtimer is cancelled: ONESHOT_STOPPED.
  const block = tickBlock(m.read("/proc/timer_list"), 2);
  assert.match(block, / mode: {11}4\n/);
  assert.match(block, / next_event: {5}9223372036854775807 nsecs\n/);
  assert.equal(m.cpu(2).ticking, true, "the device still works: the next programming restarts it");
  // `echo 1 > online` is a no-op (the device core's flag still says online): still idle.
  assert.equal(m.write(`${CPU}/cpu2/online`, "1").ok, true);
  m.advance("1s");
  assert.equal(m.cpus()[2].ticks, after[2]);
});

Deno.test("a CPU brought on to sched:active runs tasks again: its tick restarts on the jiffies grid", () => {
  const m = rig54();
  m.write(`${CPU}/cpu2/hotplug/fail`, "42");
  m.write(`${CPU}/cpu2/online`, "0");
  m.write(`${CPU}/cpu2/hotplug/fail`, "-1");
  m.advance("1s");
  const idle = m.cpus()[2].ticks;
  assert.equal(m.write(`${CPU}/cpu2/hotplug/target`, "209").ok, true);
  assert.equal(m.read(`${CPU}/cpu2/hotplug/state`), "209\n");
  assert.match(tickBlock(m.read("/proc/timer_list"), 2), / mode: {11}3\n/);
  m.advance("1s");
  // HZ=250: a second of ticks, give or take the one at either end.
  const n = m.cpus()[2].ticks - idle;
  assert.ok(n >= 249 && n <= 251, `${n} ticks`);
});

Deno.test("hotplug/target to an ONLINE state below sched:active idles the CPU too; the timekeeper gives up its duty", () => {
  const m = rig54();
  assert.equal(m.cpu(0).timekeeper, true);
  // CPU0 stopped at smpboot/threads:online: online, not active, and it had the do_timer duty.
  assert.equal(m.write(`${CPU}/cpu0/hotplug/target`, "141").ok, true);
  assert.equal(m.read(`${CPU}/cpu0/hotplug/state`), "141\n");
  m.advance("10ms");
  assert.equal(m.cpu(0).timekeeper, false, "tick_nohz_stop_tick() gave the duty up");
  assert.ok(m.cpus().some((c) => c.timekeeper), "a ticking CPU took it at its next tick");
  // It sleeps at most timekeeping_max_deferment() (hyperv_clocksource_tsc_page: max_idle_ns
  // 440795202120), wakes once for it, then stops again: one tick in 450 s.
  const t0 = m.cpus()[0].ticks;
  const j0 = m.jiffies;
  m.advance("450s");
  assert.equal(m.cpus()[0].ticks - t0, 1);
  assert.ok(m.jiffies - j0 >= 450 * 250 - 1, "jiffies went on without CPU0");
});
