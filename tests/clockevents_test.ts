/** Clockevent rules (kernel/time/clockevents.c, tick-common.c, tick-broadcast.c; v5.5). */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";
import { clockeventsConfig, lapicTiming } from "../lib/time/clockevents_config.ts";

Deno.test("clockevents_config(): mult/shift/min/max reproduce the reference vectors (clockevents.c:472-494, clocksource.c:44-73)", () => {
  const M = (1n << 64n) - 1n;
  const cases: [number, number, number | bigint, number[]][] = [
    [250_000_000, 0xf, M, [8388608, 25, 1000, 2199023255551]],
    [312_500_000, 0xf, M, [10485760, 25, 1000, 1759218604441]],
    [100_000_000, 192, 0x7fffffff, [429496730, 32, 1920, 21474836451]],
    [14_318_180, 192, 0x7fffffff, [61496115, 32, 13410, 149983003521]],
    [1_193_182, 0xf, 0x7fff, [5124678, 32, 12572, 27461861]],
    [62_500_000, 0xf, 0x7fffffff, [268435456, 32, 1000, 34359738352]],
    [1_000_000_000, 0xf, 0x7fffffff, [2147483648, 31, 1000, 2147483647]],
  ];
  for (const [freq, min, max, want] of cases) {
    const t = clockeventsConfig(freq, min, max);
    assert.deepEqual([t.mult, t.shift, t.minDeltaNs, t.maxDeltaNs], want, `${freq} Hz`);
  }
  assert.deepEqual(lapicTiming(800_000, 250), {
    mult: 53687091,
    shift: 32,
    minDeltaNs: 1201,
    maxDeltaNs: 171798692401,
  });
});

Deno.test("tick_check_percpu/tick_check_preferred: a per-CPU device beats a global one; the higher rating wins (tick-common.c:285-319)", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").generation(1).cpus(2).build();
  const devices = m.devices();
  const pit = devices.find((d) => d.name === "pit")!;
  assert.equal(
    pit.role,
    "broadcast",
    "the PIT lost CPU0 to the per-CPU LAPIC and became the broadcast device",
  );
  assert.deepEqual(devices.filter((d) => d.name === "lapic").map((d) => [d.cpu, d.role, d.state]), [
    [1, "spare", "DETACHED"],
    [0, "spare", "DETACHED"],
  ]);
  assert.deepEqual(m.cpus().map((c) => c.device), ["Hyper-V clockevent", "Hyper-V clockevent"]);
});

Deno.test("tick_install_broadcast_device: with ARAT the replaced LAPIC (no C3STOP) becomes the broadcast device (tick-broadcast.c:76-120)", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").features({ arat: true }).cpus(2).build();
  assert.equal(m.read("/sys/devices/system/clockevents/broadcast/current_device"), "lapic\n");
  const bc = m.devices().find((d) => d.role === "broadcast")!;
  assert.deepEqual([bc.cpu, bc.rating], [0, 150]);
  assert.equal(m.offline(1).ok, true, "CPU1's own LAPIC is still a DETACHED spare for the unbind");
  const none = vm().hyperv("2012R2").kernel("5.5").cpus(2).build();
  assert.equal(
    none.read("/sys/devices/system/clockevents/broadcast/current_device"),
    "pit\n",
    "without ARAT the LAPIC is C3STOP",
  );
});

Deno.test("the plain x86 baseline: hpet is CPU0's first device and ends as the broadcast device; lapic per CPU (reference §3.2; logs/public/pub-k*-plain-offon.log)", () => {
  const m = vm().hyperv("none").cpus(2).build();
  // QEMU's TCG `max` CPU has no TSC-deadline timer: "lapic" (lapic-deadline with that feature).
  assert.deepEqual(m.cpus().map((c) => c.device), ["lapic", "lapic"]);
  assert.equal(m.read("/sys/devices/system/clockevents/broadcast/current_device"), "hpet\n");
  assert.equal(m.devices().find((d) => d.name === "lapic")!.rating, 150);
  const deadline = vm().hyperv("none").cpus(2).features({ tscDeadline: true }).build();
  assert.deepEqual(deadline.cpus().map((c) => c.device), ["lapic-deadline", "lapic-deadline"]);
  m.advance("4ms");
  assert.deepEqual(m.cpus().map((c) => c.mode), ["oneshot", "oneshot"]);
  assert.equal(m.offline(1).ok, true);
  assert.equal(m.online(1).ok, true);
});

Deno.test("without synthetic timers a C3STOP LAPIC still goes oneshot: the (silent, Gen2) PIT is a oneshot-capable broadcast device (tick_is_oneshot_available, tick-common.c:69-78)", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").features({ syntheticTimers: false }).generation(2)
    .cpus(2).build();
  assert.deepEqual(m.cpus().map((c) => c.device), ["lapic", "lapic"]);
  m.advance("8ms");
  assert.deepEqual(
    m.cpus().map((c) => c.mode),
    ["oneshot", "oneshot"],
    "the PIT is a oneshot-capable broadcast device",
  );
  assert.equal(m.cpu(1).ticks, 2);
});

Deno.test("a 1-CPU VM: unbinding the stimer installs the LAPIC (S26: LISA expects lapic after unbind_device)", () => {
  const m = vm().hyperv("2019").cpus(1).build();
  m.advance("8ms");
  assert.equal(
    m.write("/sys/devices/system/clockevents/clockevent0/unbind_device", "Hyper-V clockevent").ok,
    true,
  );
  assert.equal(m.boundDevice(0), "lapic");
  const ticks = m.cpu(0).ticks;
  m.advance("8ms");
  assert.equal(m.cpu(0).ticks - ticks, 2, "the LAPIC keeps the tick going in oneshot mode");
  assert.equal(
    m.write("/sys/devices/system/clockevents/clockevent0/unbind_device", "lapic").errno,
    "EBUSY",
    "no spare left",
  );
});

Deno.test("5.4: a rollback that re-runs hv_synic_init() registers the still-listed stimer again and leaves the CPU on the shut-down stimer: the write never returns", () => {
  // drivers/hv/hv.c (5.4) hv_synic_init → hv_stimer_init → clockevents_config_and_register on
  // every call; hv_stimer_cleanup only shuts the device down, and the CPU never died. The real
  // 5.4.301 printed nothing more after such a rollback (tests/real/built/k5.4-*-failhvinit*.log,
  // k5.4-*-vmbus-failinject.log; lib/hotplug/device.ts leftWithoutTick).
  const m = vm().hyperv("2019").kernel("5.4").cpus(2).build();
  m.parkRace = "passes";
  // CPUHP_TEARDOWN_CPU: 139 in 5.4.301.
  assert.equal(m.write("/sys/devices/system/cpu/cpu1/hotplug/fail", "139").ok, true);
  const out = m.offline(1);
  assert.equal(out.errno, null);
  assert.match(out.hang!.reason, /CPU1 is online with no working clockevent device/);
  assert.equal(m.hung, true);
  const bug = m.problems().find((p) => p.kind === "bug")!;
  assert.match(
    bug.message,
    /clockevents_register_device\("Hyper-V clockevent"\) on CPU1 while it is still registered/,
  );
  assert.equal(m.devices().filter((d) => d.name === "Hyper-V clockevent" && d.cpu === 1).length, 1);
});
