/** CPU hotplug rules (kernel/cpu.c, drivers/base/*.c), one test per rule. */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";
import { during } from "./helpers.ts";

const CPU = "/sys/devices/system/cpu";

Deno.test('hotplug/states prints "%3d: %s\\n" for every named step in order (kernel/cpu.c states_show, 55:2032-2050)', () => {
  const text = vm().hyperv("none").kernel("5.5").build().read(`${CPU}/hotplug/states`);
  const lines = text.split("\n");
  assert.equal(lines.pop(), "");
  for (
    const core of [
      "  0: offline",
      "  1: threads:prepare",
      " 85: cpu:bringup",
      "137: ap:online",
      "138: cpu:teardown",
      "140: smpboot/threads:online",
      "206: sched:active",
      "207: online",
    ]
  ) {
    assert.ok(lines.includes(core), core);
  }
  const numbers = lines.map((l) => Number(l.slice(0, 3)));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
  assert.ok(lines.every((l) => /^[ \d]{3}: \S+$/.test(l)));
});

Deno.test("per-CPU files print %d; the boot CPU reads CPUHP_ONLINE, an offline CPU 0 (kernel/cpu.c show_cpuhp_*)", () => {
  const m = vm().kernel("6.1").cpus(2).build();
  assert.equal(m.read(`${CPU}/cpu0/hotplug/state`), "236\n");
  assert.equal(
    m.read(`${CPU}/cpu0/hotplug/target`),
    "0\n",
    "boot_cpu_hotplug_init() sets only state",
  );
  assert.equal(m.read(`${CPU}/cpu1/hotplug/target`), "236\n");
  assert.equal(m.read(`${CPU}/cpu1/hotplug/fail`), "-1\n");
  m.offline(1);
  assert.equal(m.read(`${CPU}/cpu1/hotplug/state`), "0\n");
  assert.equal(m.read(`${CPU}/cpu1/hotplug/target`), "0\n");
  assert.equal(m.read(`${CPU}/cpu1/online`), "0\n");
  assert.equal(m.read(`${CPU}/online`), "0\n");
  assert.equal(m.read(`${CPU}/offline`), "1\n");
});

Deno.test("x86 CPU0 has no online file unless cpu0_hotplug (arch/x86/kernel/topology.c:39-50); offline() is EPERM", () => {
  const m = vm().cpus(2).build();
  assert.throws(() => m.read(`${CPU}/cpu0/online`), /No such file/);
  const r = m.offline(0);
  assert.equal(r.errno, "EPERM");
  assert.match(r.message, /cpu0_hotplug/);
  const h = vm().cpus(2).cpu0Hotplug().vmbusChannels([1]).build();
  assert.equal(h.read(`${CPU}/cpu0/online`), "1\n");
  assert.equal(h.offline(0).ok, true);
  assert.equal(h.boundDevice(0), null);
});

Deno.test("arm64 CPU0 can be offlined with PSCI (arch/arm64/kernel/setup.c:366-389) unless VMbus holds it (drivers/hv/hv.c); the timekeeping duty moves (tick_handover_do_timer)", () => {
  const withChannels = vm().arch("arm64").kernel("5.5").cpus(2).build();
  assert.equal(
    withChannels.offline(0).errno,
    "EBUSY",
    "VMbus channels are bound to CPU0 by default",
  );
  const connectCpu = vm().arch("arm64").kernel("6.1").cpus(2).vmbusChannels([1]).build();
  assert.match(
    connectCpu.offline(0).message,
    /VMBUS_CONNECT_CPU/,
    "6.1 refuses CPU0 while VMbus is connected",
  );
  const m = vm().arch("arm64").kernel("5.5").cpus(2).vmbusChannels([1]).build();
  assert.equal(m.cpu(0).timekeeper, true);
  assert.equal(m.offline(0).ok, true);
  assert.equal(m.cpu(1).timekeeper, true);
  const j = m.jiffies;
  m.advance("1s");
  assert.equal(m.jiffies - j, 250);
});

Deno.test("the last online CPU cannot go offline: -EBUSY (kernel/cpu.c _cpu_down, 55:983-984)", () => {
  const m = vm().arch("arm64").kernel("5.5").cpus(2).vmbusChannels([]).build();
  assert.equal(m.offline(1).ok, true);
  const r = m.offline(0);
  assert.equal(r.errno, "EBUSY");
  assert.match(r.message, /last online CPU/);
  assert.equal(m.cpu(0).state, 207);
});

Deno.test("online runs PREPARE on the control CPU, STARTING and ONLINE on the new CPU, ascending; offline descends (reference §1.5, §1.6)", () => {
  const m = vm().hyperv("2019").kernel("5.5").cpus(4).traceBuffer(50_000).build();
  m.offline(2);
  const { events } = during(m, () => m.online(2));
  const enters = events.flatMap((e) =>
    e.type === "cpuhp_enter" && e.cpu === 2 && e.fun !== "cpuhp_kick_ap_work" ? [e] : []
  );
  const idx = enters.map((e) => e.idx);
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
  for (const e of enters) {
    if (e.idx <= 85) assert.notEqual(e.on, 2, `${e.fun} must run on the control CPU`);
    else assert.equal(e.on, 2, `${e.fun} must run on CPU2`);
  }
  assert.deepEqual(enters.map((e) => e.fun).slice(0, 3), [
    "smpboot_create_threads",
    "perf_event_init_cpu",
    "workqueue_prepare_cpu",
  ]);
  // STARTING and DYING callbacks run while the CPU is outside cpu_online_mask: the tracepoints
  // are conditional on it, so the stimer's 124 shows no cpuhp event either way
  // (include/linux/tracepoint.h; logs/k5.10-hv-direct-trace.log).
  assert.ok(!enters.some((e) => e.idx === 124));
  assert.equal(m.boundDevice(2), "Hyper-V clockevent");
  const down = during(m, () => m.offline(2)).events.flatMap((e) =>
    e.type === "cpuhp_enter" && e.cpu === 2 && e.fun !== "cpuhp_kick_ap_work" ? [e.idx] : []
  );
  assert.deepEqual(down, [...down].sort((a, b) => b - a));
  assert.ok(down.includes(171) && !down.includes(124));
});

Deno.test("fault injection (cpuN/hotplug/fail) and rollback, v5.5 (kernel/cpu.c:147-157, 466-517, 572-610)", async (t) => {
  await t.step(
    "a failing ONLINE startup leaves the CPU fully offline; every passed state is torn down except the failed one",
    () => {
      const m = vm().kernel("5.5").cpus(2).traceBuffer(50_000).build();
      m.offline(1);
      assert.equal(m.write(`${CPU}/cpu1/hotplug/fail`, "170").ok, true);
      const { result, events } = during(m, () => m.online(1));
      assert.equal(result.errno, "EAGAIN");
      assert.match(result.message, /fault injected through cpu1\/hotplug\/fail at state 170/);
      assert.equal(m.cpu(1).state, 0);
      assert.equal(m.read(`${CPU}/cpu1/hotplug/fail`), "-1\n");
      const teardowns = events.flatMap((e) =>
        e.type === "cpuhp_enter" &&
          [
            "lockup_detector_offline_cpu",
            "workqueue_offline_cpu",
            "perf_event_exit_cpu",
            "takedown_cpu",
            "timers_dead_cpu",
          ].includes(e.fun)
          ? [e.fun]
          : []
      );
      assert.deepEqual(teardowns, [
        "lockup_detector_offline_cpu",
        "perf_event_exit_cpu",
        "takedown_cpu",
        "timers_dead_cpu",
        "perf_event_exit_cpu",
      ]);
      assert.equal(m.boundDevice(1), null);
    },
  );
  await t.step("a failing PREPARE startup never starts the CPU", () => {
    const m = vm().kernel("5.5").cpus(2).traceBuffer(50_000).build();
    m.offline(1);
    m.write(`${CPU}/cpu1/hotplug/fail`, "62");
    const { result, events } = during(m, () => m.online(1));
    assert.equal(result.errno, "EAGAIN");
    assert.ok(!events.some((e) => e.type === "cpuhp_enter" && e.fun === "bringup_cpu"));
    assert.ok(!events.some((e) => e.type === "cpuhp_enter" && e.fun === "timers_dead_cpu"));
    assert.ok(events.some((e) => e.type === "cpuhp_enter" && e.fun === "rcutree_dead_cpu"));
  });
  await t.step(
    "a failing ONLINE teardown rolls the offline back: the CPU stays online with its device",
    () => {
      const m = vm().kernel("5.5").cpus(2).traceBuffer(50_000).build();
      m.write(`${CPU}/cpu1/hotplug/fail`, "171");
      const { result, events } = during(m, () => m.offline(1));
      assert.equal(result.errno, "EAGAIN");
      assert.equal(m.cpu(1).state, 207);
      assert.equal(m.boundDevice(1), "Hyper-V clockevent");
      assert.equal(m.read(`${CPU}/cpu1/online`), "1\n");
      const rerun = events.flatMap((e) =>
        e.type === "cpuhp_enter" && e.idx > 171 && e.fun !== "cpuhp_kick_ap_work" ? [e.fun] : []
      );
      // The last startups rerun: printk:online (late_initcall, after VMbus's subsys_initcall)
      // and sched:active.
      assert.deepEqual(rerun.slice(-2), ["console_cpu_notify", "sched_cpu_activate"]);
    },
  );
  await t.step(
    "an injection on a state without a callback in that direction is consumed silently (5.x visits every state)",
    () => {
      const m = vm().kernel("5.5").cpus(2).build();
      m.write(`${CPU}/cpu1/hotplug/fail`, "35");
      assert.equal(m.offline(1).ok, true);
      assert.equal(m.read(`${CPU}/cpu1/hotplug/fail`), "-1\n");
    },
  );
  await t.step(
    "6.1 skips empty steps, so the same injection stays armed (cpuhp_next_state)",
    () => {
      const m = vm().kernel("6.1").cpus(2).build();
      m.offline(1);
      m.write(`${CPU}/cpu1/hotplug/fail`, "42");
      assert.equal(m.write(`${CPU}/cpu1/hotplug/fail`, "-1").ok, true);
      assert.equal(m.read(`${CPU}/cpu1/hotplug/fail`), "-1\n");
    },
  );
});

Deno.test("hotplug/fail validation per release (kernel/cpu.c write_cpuhp_fail / fail_store)", () => {
  const m55 = vm().kernel("5.5").cpus(2).build();
  const fail = (m: typeof m55, v: string) => m.write(`${CPU}/cpu1/hotplug/fail`, v).errno;
  assert.equal(fail(m55, "-1"), "EINVAL");
  assert.equal(fail(m55, "100"), "EINVAL", "STARTING/DYING callbacks cannot fail");
  assert.equal(fail(m55, "42"), "EINVAL", "slab:prepare has no callbacks under SLUB");
  assert.equal(fail(m55, "208"), "EINVAL");
  assert.equal(fail(m55, "x"), "EINVAL");
  assert.equal(fail(m55, "99999999999"), "ERANGE");
  assert.equal(fail(m55, "62"), null, "5.5 lets DEAD states be armed");
  assert.equal(m55.read(`${CPU}/cpu1/hotplug/fail`), "62\n");
  const m61 = vm().kernel("6.1").cpus(2).build();
  assert.equal(fail(m61, "-1"), null);
  assert.equal(fail(m61, "69"), "EINVAL", "6.1: DEAD callbacks cannot fail while the CPU is up");
  assert.equal(fail(m61, "197"), null, "workqueue:online");
});

Deno.test("hotplug/target: only 0 and CPUHP_ONLINE without CONFIG_CPU_HOTPLUG_STATE_CONTROL (kernel/cpu.c:1922-1962)", async (t) => {
  await t.step("default config", () => {
    const m = vm().kernel("5.5").cpus(2).build();
    assert.equal(m.write(`${CPU}/cpu1/hotplug/target`, "140").errno, "EINVAL");
    assert.equal(m.write(`${CPU}/cpu1/hotplug/target`, "0").ok, true);
    assert.equal(m.cpu(1).state, 0);
    assert.equal(
      m.read(`${CPU}/cpu1/online`),
      "1\n",
      "the device core's flag goes stale: target bypasses it",
    );
    assert.equal(m.write(`${CPU}/cpu1/hotplug/target`, "207").ok, true);
    assert.equal(m.cpu(1).state, 207);
  });
  await t.step(
    "with state control: stepping to a named state; cant_stop, unnamed and STARTING targets refused",
    () => {
      const m = vm().kernel("5.5").cpus(2).hotplugStateControl().build();
      assert.equal(m.write(`${CPU}/cpu1/hotplug/target`, "140").ok, true);
      assert.equal(m.cpu(1).state, 140);
      assert.equal(m.boundDevice(1), "Hyper-V clockevent");
      for (const refused of ["85", "138", "150", "100", "137"]) {
        assert.equal(m.write(`${CPU}/cpu1/hotplug/target`, refused).errno, "EINVAL", refused);
      }
      assert.equal(m.write(`${CPU}/cpu1/hotplug/target`, "62").ok, true);
      assert.equal(m.cpu(1).state, 62);
      assert.equal(m.cpu(1).online, false);
      assert.equal(m.write(`${CPU}/cpu1/hotplug/target`, "207").ok, true);
      assert.equal(m.boundDevice(1), "Hyper-V clockevent");
    },
  );
});

Deno.test("dynamic ONLINE states take the first free slot in boot registration order (kernel/cpu.c:1544-1568; hv_init.c, page-writeback.c, vmstat.c, compaction.c, vmbus_drv.c, vmscan.c, percpu_counter.c, processor_driver.c, mce/core.c, printk.c)", () => {
  const states = vm().hyperv("2012R2").kernel("5.5").build().read(`${CPU}/hotplug/states`);
  const dyn = states.split("\n").filter((l) => /^1(7[3-9]|8\d): /.test(l));
  assert.deepEqual(dyn, [
    "173: x86/hyperv_init:online",
    "174: mm/writeback:online",
    "175: mm/vmstat:online",
    "176: mm/compaction:online",
    "177: hyperv/vmbus:online",
    // kswapd_init(), module_init (v5.5-rc5 mm/vmscan.c:4111-4113): mm/ links before lib/.
    "178: mm/vmscan:online",
    "179: lib/percpu_cnt:online",
    "180: acpi/cpu-drv:online",
    "181: x86/mce:online",
    "182: printk:online",
  ]);
});

Deno.test("Debian's 6.1.192 lists its dynamic states at the numbers the real kernel printed (logs/public/pub-k6.1-hv-legacy-vmbus-offon.log)", () => {
  const m = vm().hyperv("qemu").kernel("6.1").vmbus().modules("manual").build();
  m.run("modprobe hv_vmbus");
  const dyn = m.read(`${CPU}/hotplug/states`).split("\n").filter((l) =>
    /^2(0[1-9]|1[0-2]): /.test(l)
  );
  assert.deepEqual(dyn, [
    "201: x86/hyperv_init:online",
    "202: mm/writeback:online",
    "203: mm/vmstat:online",
    "204: padata:online",
    "205: mm/compaction:online",
    "206: io-wq/online",
    "207: lib/percpu_cnt:online",
    "208: acpi/cpu-drv:online",
    "209: leds/trigger:starting",
    "210: x86/mce:online",
    "211: printk:online",
    "212: hyperv/vmbus:online",
  ]);
});

Deno.test("hv_synic_cleanup refuses with -EBUSY while VMbus is connected and a channel is bound to the CPU (drivers/hv/hv.c, S6)", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").cpus(4).vmbusChannels([0, 2]).traceBuffer(50_000)
    .build();
  const { result, events } = during(m, () => m.offline(2));
  assert.equal(result.errno, "EBUSY");
  assert.match(result.message, /VMbus channel is bound to CPU2/);
  assert.equal(m.boundDevice(2), "Hyper-V clockevent");
  assert.equal(m.cpu(2).state, 207);
  assert.ok(!events.some((e) => e.type === "clockevents_unbind_device"));
  assert.equal(m.offline(3).ok, true);
});

Deno.test("a callback that waits forever is traced entering (cpuhp_enter fires before the callback runs)", () => {
  const m = vm().hyperv("2019").kernel("5.4").cpus(2).build();
  m.offline(1);
  const tail = m.trace.slice(-2);
  assert.deepEqual(tail.map((e) => e.type), ["cpuhp_enter", "hang"]);
  assert.equal(tail[0].type === "cpuhp_enter" && tail[0].fun, "smpboot_park_threads");
});

Deno.test("a refused operation says why as data: what stopped it, at which state and callback", async (t) => {
  await t.step("a VMbus channel's CPU: hv_synic_cleanup() returns -EBUSY itself", () => {
    const m = vm().hyperv("2019").kernel("5.5").cpus(4).vmbusChannels([0, 2]).build();
    const r = m.offline(2);
    assert.equal(r.errno, "EBUSY");
    assert.equal(r.reason?.code, "callback");
    assert.equal(r.reason?.callback, "hv_synic_cleanup");
    const vmbus = m.read(`${CPU}/hotplug/states`).split("\n").find((l) =>
      l.endsWith(": hyperv/vmbus:online")
    )!;
    assert.equal(r.reason?.state, Number(vmbus.slice(0, 3)));
    assert.match(r.reason!.text, /a VMbus channel is bound to CPU2/);
    assert.ok(r.message.endsWith(r.reason!.text));
  });
  await t.step("an injected fault names its state and callback", () => {
    const m = vm().hyperv("2019").kernel("5.5").cpus(2).build();
    const hv = m.read(`${CPU}/hotplug/states`).split("\n").find((l) =>
      l.endsWith("hyperv/vmbus:online")
    )!;
    const state = Number(hv.slice(0, 3));
    m.write(`${CPU}/cpu1/hotplug/fail`, String(state));
    const r = m.offline(1);
    assert.deepEqual(
      { code: r.reason?.code, state: r.reason?.state, callback: r.reason?.callback },
      { code: "injected", state, callback: "hv_synic_cleanup" },
    );
  });
  await t.step("the last online CPU, a non-hotpluggable CPU0, and success", () => {
    const m = vm().arch("arm64").kernel("5.5").cpus(1).build();
    assert.equal(m.offline(0).reason?.code, "last-cpu");
    const x86 = vm().cpus(2).build();
    assert.equal(x86.offline(0).reason?.code, "not-hotpluggable");
    assert.equal(x86.offline(1).reason, null);
  });
  await t.step("a hang", () => {
    const r = vm().hyperv("2019").kernel("5.4").cpus(2).build().offline(1);
    assert.equal(r.reason?.code, "hang");
    assert.equal(r.reason?.callback, "smpboot_park_threads");
    assert.equal(r.reason?.text, r.hang?.reason);
  });
});
