/**
 * The seed story (commit 4df4cb9e99, hyperv-stimer.md §1, §3, §4, §6, §7): for x86_64 and arm64,
 * kernels 5.2, 5.4, 5.5 and 6.1, Direct Mode and legacy hosts, which device each CPU is bound to
 * at every hotplug step of an offline and an online.
 */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";
import { deviceSequence, during } from "./helpers.ts";

const STIMER = "Hyper-V clockevent";

interface Expect {
  arch: "x86_64" | "arm64";
  kernel: string;
  host: string;
  /** Device sequence on CPU2 during offline (null: released), or "hang" with the hung step. */
  offline: (string | null)[] | { hang: string };
  /** Device sequence on CPU2 during online, from null. */
  online?: (string | null)[];
  lapicUsed: boolean;
  unbind: boolean;
  /** Direct Mode switched off on a Direct Mode host (a legacy arm64 world). */
  legacy?: boolean;
  states: string[];
  absent?: string[];
}

const CASES: Expect[] = [
  {
    arch: "x86_64",
    kernel: "5.2",
    host: "2012R2",
    offline: [STIMER, "lapic", null],
    online: [null, "lapic", STIMER],
    lapicUsed: true,
    unbind: true,
    states: ["170: x86/hyperv_init:online", "171: mm/writeback:online", "174: hyperv/vmbus:online"],
  },
  {
    arch: "x86_64",
    kernel: "5.2",
    host: "2019",
    offline: [STIMER, "lapic", null],
    online: [null, "lapic", STIMER],
    lapicUsed: true,
    unbind: true,
    states: ["174: hyperv/vmbus:online"],
    absent: ["stimer:starting"],
  },
  {
    arch: "x86_64",
    kernel: "5.4",
    host: "2012R2",
    offline: { hang: "smpboot/threads:online" },
    lapicUsed: false,
    unbind: false,
    states: ["175: x86/hyperv_init:online", "179: hyperv/vmbus:online"],
  },
  {
    arch: "x86_64",
    kernel: "5.4",
    host: "2019",
    offline: { hang: "smpboot/threads:online" },
    lapicUsed: false,
    unbind: false,
    states: ["179: hyperv/vmbus:online"],
    absent: ["stimer:starting"],
  },
  {
    arch: "x86_64",
    kernel: "5.5",
    host: "2012R2",
    offline: [STIMER, "lapic", null],
    online: [null, "lapic", STIMER],
    lapicUsed: true,
    unbind: true,
    states: ["173: x86/hyperv_init:online", "177: hyperv/vmbus:online"],
    absent: ["stimer:starting"],
  },
  {
    arch: "x86_64",
    kernel: "5.5",
    host: "2019",
    offline: [STIMER, null],
    online: [null, STIMER],
    lapicUsed: false,
    unbind: false,
    states: [
      "124: clockevents/hyperv/stimer:starting",
      "173: x86/hyperv_init:online",
      "176: mm/compaction:online",
      "177: hyperv/vmbus:online",
    ],
  },
  {
    arch: "x86_64",
    kernel: "6.1",
    host: "2012R2",
    offline: [STIMER, "lapic", null],
    online: [null, "lapic", STIMER],
    lapicUsed: true,
    unbind: true,
    // Debian's config (the default for 6.1): hv_vmbus is a module udev loads after boot, so its
    // state comes after every built-in one (logs/public/pub-k6.1-hv-legacy-vmbus-offon.log).
    states: ["201: x86/hyperv_init:online", "212: hyperv/vmbus:online"],
    absent: ["stimer:starting"],
  },
  {
    arch: "x86_64",
    kernel: "6.1",
    host: "2019",
    offline: [STIMER, null],
    online: [null, STIMER],
    lapicUsed: false,
    unbind: false,
    states: [
      "137: clockevents/hyperv/stimer:starting",
      "201: x86/hyperv_init:online",
      "206: io-wq/online",
      "212: hyperv/vmbus:online",
    ],
  },
  {
    arch: "arm64",
    kernel: "5.2",
    host: "2019",
    offline: { hang: "smpboot/threads:online" },
    lapicUsed: false,
    unbind: true,
    states: [
      "111: clockevents/arm/arch_timer:starting",
      "128: clockevents/dummy_timer:starting",
      "173: hyperv/vmbus:online",
    ],
  },
  {
    arch: "arm64",
    kernel: "5.4",
    host: "2019",
    offline: { hang: "smpboot/threads:online" },
    lapicUsed: false,
    unbind: false,
    // 5.4.301's numbers (docs/research/kernels/5.4.json).
    states: [
      "113: clockevents/arm/arch_timer:starting",
      "130: clockevents/dummy_timer:starting",
      "178: hyperv/vmbus:online",
    ],
  },
  {
    arch: "arm64",
    kernel: "5.5",
    host: "2019",
    offline: [STIMER, null],
    online: [null, "arch_sys_timer", STIMER],
    lapicUsed: false,
    unbind: false,
    states: [
      "112: clockevents/arm/arch_timer:starting",
      "124: clockevents/hyperv/stimer:starting",
      "129: clockevents/dummy_timer:starting",
      "176: hyperv/vmbus:online",
    ],
  },
  {
    arch: "arm64",
    kernel: "6.1",
    host: "2019",
    offline: ["arch_sys_timer", null],
    online: [null, "arch_sys_timer"],
    lapicUsed: false,
    unbind: false,
    // 6.1.192's enum (the arm64 registrants are v6.1-rc7's: docs/research/fixed-states.json).
    states: [
      "123: clockevents/arm/arch_timer:starting",
      "142: clockevents/dummy_timer:starting",
      "203: arm64/hyperv_init:online",
      "206: hyperv/vmbus:online",
    ],
    absent: ["stimer:starting"],
  },
  ...["5.2", "5.4", "5.5"].map((kernel): Expect => ({
    arch: "arm64",
    kernel,
    host: "2019",
    legacy: true,
    offline: { hang: "smpboot/threads:online" },
    lapicUsed: false,
    unbind: kernel !== "5.4",
    states: [],
    absent: ["stimer:starting"],
  })),
  {
    arch: "arm64",
    kernel: "6.1",
    host: "2019",
    legacy: true,
    offline: ["arch_sys_timer", null],
    online: [null, "arch_sys_timer"],
    lapicUsed: false,
    unbind: false,
    states: ["206: hyperv/vmbus:online"],
  },
];

for (const c of CASES) {
  const mode = c.legacy
    ? "Direct Mode host with Direct Mode off"
    : c.host === "2019"
    ? "Direct Mode host"
    : "legacy (message-mode) host";
  Deno.test(`seed story: ${c.arch} ${c.kernel} on a ${mode} (hyperv-stimer.md §1)`, async (t) => {
    const m = vm().hyperv(c.host).arch(c.arch).kernel(c.kernel).cpus(4).traceBuffer(100_000)
      .features({ stimerDirectMode: !c.legacy && c.host !== "2012R2" }).build();
    m.advance("20ms");
    const initial = m.boundDevice(2);

    await t.step("hotplug/states lists the timer states at their numbers", () => {
      const states = m.read("/sys/devices/system/cpu/hotplug/states");
      for (const line of c.states) {
        assert.ok(states.includes(line), `missing "${line}" in\n${states}`);
      }
      for (const text of c.absent ?? []) assert.ok(!states.includes(text), `unexpected "${text}"`);
    });

    const off = during(m, () => m.offline(2));
    await t.step("offline: the bound device at every hotplug step", () => {
      if (Array.isArray(c.offline)) {
        assert.equal(off.result.ok, true, off.result.message);
        assert.deepEqual(deviceSequence(off.result.changes, initial), c.offline);
        assert.equal(m.read("/sys/devices/system/clockevents/clockevent2/current_device"), "");
      } else {
        assert.equal(off.result.ok, false);
        assert.equal(off.result.hang?.stateName, c.offline.hang);
        assert.equal(off.result.hang?.callback, "smpboot_park_threads");
        assert.ok(m.hung);
        assert.ok(m.problems().some((p) => p.kind === "hang"));
      }
    });

    await t.step("offline: LAPIC use and clockevents_unbind_device", () => {
      const lapic = off.events.some((e) =>
        e.cpu === 2 && e.type === "tick_setup_device" && e.device.startsWith("lapic")
      );
      assert.equal(lapic, c.lapicUsed);
      assert.equal(off.events.some((e) => e.type === "clockevents_unbind_device"), c.unbind);
    });

    if (Array.isArray(c.offline) && c.online) {
      const on = during(m, () => m.online(2));
      await t.step("online: the bound device at every hotplug step", () => {
        assert.equal(on.result.ok, true, on.result.message);
        const seq = deviceSequence(on.result.changes, null);
        assert.deepEqual(seq, c.online);
        assert.equal(m.boundDevice(2), c.online!.at(-1));
      });
    }
  });
}

Deno.test("4df4cb9e99: with Direct Mode the LAPIC timer is never the tick device, at boot or in hotplug (S1)", () => {
  const m = vm().hyperv("2019").kernel("5.5").cpus(4).traceBuffer(100_000).build();
  for (let i = 0; i < 3; i++) {
    for (const cpu of [1, 2, 3]) {
      m.offline(cpu);
      m.advance("3ms");
      m.online(cpu);
    }
  }
  assert.ok(!m.trace.some((e) => e.type === "tick_setup_device" && e.device === "lapic"));
  assert.ok(!m.trace.some((e) => e.type === "clockevents_unbind_device"));
});

Deno.test("legacy boot: CPUs tick on their LAPIC until VMbus's subsys_initcall, then all switch at once (hyperv-stimer §3.2)", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").cpus(3).traceBuffer(100_000).build();
  const binds = m.trace.flatMap((e) => e.type === "tick_setup_device" ? [e] : []);
  const stimerBinds = binds.filter((e) => e.device === STIMER);
  assert.deepEqual(stimerBinds.map((e) => e.cpu), [0, 1, 2]);
  const firstStimer = binds.indexOf(stimerBinds[0]);
  assert.ok(binds.slice(0, firstStimer).filter((e) => e.device === "lapic").length === 3);
});

Deno.test("arm64 before 5.5: the no-fallback windows (4df4cb9e99 commit message; hyperv-stimer §6, §7.3)", async (t) => {
  await t.step(
    "boot: secondary CPUs run ONLINE steps with no working timer until VMbus registers the stimer",
    () => {
      const m = vm().arch("arm64").kernel("5.4").cpus(2).build();
      const windows = m.problems().filter((p) => p.kind === "no-tick-window");
      assert.deepEqual(windows.map((p) => p.cpu), [1]);
    },
  );
  await t.step("offline: after hv_synic_cleanup the CPU has no timer and the offline hangs", () => {
    const m = vm().arch("arm64").kernel("5.4").cpus(2).build();
    const r = m.offline(1);
    assert.equal(r.hang?.stateName, "smpboot/threads:online");
    assert.match(r.hang!.reason, /shut down by hv_ce_shutdown/);
    assert.ok(m.problems().some((p) => p.kind === "no-tick-window" && p.cpu === 1));
  });
  await t.step("5.2: the unbind finds only arch_sys_timer, which this host never fires", () => {
    const m = vm().arch("arm64").kernel("5.2").cpus(2).build();
    const r = m.offline(1);
    assert.equal(r.changes[0].device, "arch_sys_timer");
    assert.ok(r.hang);
    assert.match(r.hang!.reason, /does not interrupt on this host/);
  });
  await t.step("5.5: no window; the stimer is registered in the STARTING section", () => {
    const m = vm().arch("arm64").kernel("5.5").cpus(2).build();
    assert.equal(m.offline(1).ok, true);
    assert.equal(m.online(1).ok, true);
    assert.deepEqual(m.problems(), []);
  });
});
