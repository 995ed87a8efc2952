/** What users read: sysfs, procfs and dmesg text, exactly. */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";

const CE = "/sys/devices/system/clockevents";

const STIMER_BLOCK = (cpu: number, next: number) => [
  "Tick Device: mode:     1",
  `Per CPU device: ${cpu}`,
  "Clock Event Device: Hyper-V clockevent",
  " max_delta_ns:   429496739101",
  " min_delta_ns:   1000",
  " mult:           21474836",
  " shift:          31",
  " mode:           3",
  ` next_event:     ${next} nsecs`,
  " set_next_event: hv_ce_set_next_event",
  " shutdown: hv_ce_shutdown",
  " oneshot:  hv_ce_set_oneshot",
  " event_handler:  hrtimer_interrupt",
  " retries:        0",
  "",
];

Deno.test("/proc/timer_list v0.8 tick-device part (kernel/time/timer_list.c, 55:192-283)", () => {
  const m = vm().hyperv("2012R2").kernel("5.5").cpus(2).build();
  m.advance("6ms");
  const expected = [
    "Timer List Version: v0.8",
    "HRTIMER_MAX_CLOCK_BASES: 8",
    "now at 6000000 nsecs",
    "",
    "Tick Device: mode:     1",
    "Broadcast device",
    "Clock Event Device: pit",
    " max_delta_ns:   27461861",
    " min_delta_ns:   12572",
    " mult:           5124678",
    " shift:          32",
    " mode:           1",
    " next_event:     9223372036854775807 nsecs",
    " set_next_event: pit_next_event",
    " shutdown: pit_shutdown",
    " periodic: pit_set_periodic",
    " oneshot:  pit_set_oneshot",
    " event_handler:  tick_handle_oneshot_broadcast",
    " retries:        0",
    "",
    "tick_broadcast_mask: 0",
    "tick_broadcast_oneshot_mask: 0",
    "",
    ...STIMER_BLOCK(0, 8_000_000),
    ...STIMER_BLOCK(1, 8_000_000),
  ].join("\n") + "\n";
  assert.equal(m.read("/proc/timer_list"), expected);
});

Deno.test("/proc/timer_list v0.9 in 6.1: padded labels, a blank line before retries, Wakeup Device (61:kernel/time/timer_list.c:178-263)", () => {
  const m = vm().hyperv("2019").kernel("6.1").cpus(1).build();
  m.advance("4ms");
  const text = m.read("/proc/timer_list");
  assert.ok(text.startsWith("Timer List Version: v0.9\n"));
  assert.ok(text.includes([
    " set_next_event: hv_ce_set_next_event",
    " shutdown:       hv_ce_shutdown",
    " oneshot:        hv_ce_set_oneshot",
    " event_handler:  hrtimer_interrupt",
    "",
    " retries:        0",
    "Wakeup Device: <NULL>",
    "",
  ].join("\n")));
});

Deno.test("clockeventN/current_device: the name, or empty when the CPU has no tick device (clockevents.c:662-777)", () => {
  const m = vm().cpus(2).build();
  assert.equal(m.read(`${CE}/clockevent1/current_device`), "Hyper-V clockevent\n");
  m.offline(1);
  assert.equal(m.read(`${CE}/clockevent1/current_device`), "");
  assert.equal(m.read(`${CE}/broadcast/current_device`), "pit\n");
  assert.equal(vm().hyperv("none").build().read(`${CE}/broadcast/current_device`), "hpet\n");
});

Deno.test("unbind_device: first device of that name from the list head, on that CPU (clockevents.c unbind_device_store, S26)", () => {
  const m = vm().hyperv("2019").kernel("5.5").cpus(2).build();
  assert.equal(
    m.write(`${CE}/clockevent0/unbind_device`, "Hyper-V clockevent\n").errno,
    "EBUSY",
    "CPU1's stimer is the first match",
  );
  const r = m.write(`${CE}/clockevent1/unbind_device`, "Hyper-V clockevent\n");
  assert.equal(r.ok, true);
  assert.equal(m.boundDevice(1), "lapic", "the DETACHED LAPIC spare replaces it");
  assert.equal(m.write(`${CE}/clockevent1/unbind_device`, "nosuch").errno, "ENODEV");
  assert.equal(m.write(`${CE}/clockevent1/unbind_device`, "x".repeat(32)).errno, "EINVAL");
  const one = vm().hyperv("2019").kernel("5.5").cpus(1).build();
  assert.equal(one.write(`${CE}/clockevent0/unbind_device`, "Hyper-V clockevent").ok, true);
  assert.equal(one.read(`${CE}/clockevent0/current_device`), "lapic\n");
});

Deno.test("clocksource files: current and available (kernel/time/clocksource.c)", () => {
  const m = vm().hyperv("2019").kernel("5.5").build();
  const cs = "/sys/devices/system/clocksource/clocksource0";
  assert.equal(m.read(`${cs}/current_clocksource`), "hyperv_clocksource_tsc_page\n");
  assert.equal(
    m.read(`${cs}/available_clocksource`),
    "hyperv_clocksource_tsc_page acpi_pm refined-jiffies jiffies \n",
  );
  m.advance("4ms");
  assert.equal(
    m.read(`${cs}/available_clocksource`),
    "hyperv_clocksource_tsc_page acpi_pm \n",
    "non-HRES hidden in oneshot mode",
  );
  const tsc55 = vm().hyperv("2022").kernel("5.5").build();
  assert.equal(
    tsc55.read(`${cs}/current_clocksource`),
    "hyperv_clocksource_tsc_page\n",
    "400 beats the TSC's 300",
  );
  const tsc61 = vm().hyperv("2022").kernel("6.1").build();
  assert.equal(
    tsc61.read(`${cs}/current_clocksource`),
    "tsc\n",
    "6.1 rates Hyper-V 250 with invariant TSC",
  );
});

Deno.test('dmesg prints "[%5lu.%06lu] " then the text (kernel/printk/printk.c print_time)', () => {
  const m = vm().hyperv("2019").kernel("5.5").cpus(4).build();
  m.advance("1.5s");
  m.offline(2);
  const lines = m.dmesg().split("\n");
  assert.deepEqual(lines.slice(0, 5), [
    "[    0.000000] Hypervisor detected: Microsoft Hyper-V",
    "[    0.000000] Hyper-V Host Build:17763-10.0-0-0.737",
    "[    0.000000] Hyper-V: LAPIC Timer Frequency: 0xc3500",
    "[    0.000000] clocksource: hyperv_clocksource_tsc_page: mask: 0xffffffffffffffff max_cycles: 0x24e6a1710, max_idle_ns: 440795202120 ns",
    "[    0.000000] tsc: Marking TSC unstable due to running on Hyper-V",
  ]);
  const v61 = vm().hyperv("2022").kernel("6.1").build().dmesg();
  assert.match(
    v61,
    /Hyper-V: Host Build 10\.0\.20348\.1138-1-0\n/,
    "6.1 reorders the build fields",
  );
  assert.doesNotMatch(v61, /Marking TSC unstable/, "invariant TSC: the TSC is reliable");
  assert.ok(lines.includes("[    0.000000] .... node  #0, CPUs:      #1 #2 #3"));
  assert.ok(lines.includes("[    1.500000] smpboot: CPU 2 is now offline"));
});

Deno.test("bad reads and writes throw for misuse or return the kernel's errno, changing nothing", () => {
  const m = vm().cpus(2).build();
  const before = m.fingerprint();
  assert.throws(() => m.read("/sys/devices/system/cpu/cpu9/online"), /No such file/);
  assert.throws(() => m.read("/proc/nope"), RangeError);
  assert.throws(() => m.read(`${CE}/clockevent1/unbind_device`), /write-only/);
  assert.throws(() => m.write("/proc/timer_list", "1"), /read-only/);
  assert.throws(() => m.online(2), RangeError);
  assert.throws(() => m.online(1.5), TypeError);
  assert.throws(() => m.advance("10 ms"), SyntaxError);
  const w = m.write("/sys/devices/system/cpu/cpu1/online", "maybe");
  assert.deepEqual([w.ok, w.errno, w.message], [false, "EINVAL", "write error: Invalid argument"]);
  assert.equal(m.fingerprint(), before);
});

Deno.test("directories: stat() and readDir() agree with files() for every directory on the way to a file", () => {
  const m = vm().hyperv("2016").kernel("5.5").cpus(12).build();
  m.offline(3);
  const files = m.files();
  // Every directory implied by files(), with its entries computed from the flat list.
  const expected = new Map<string, Map<string, boolean>>();
  for (const f of files) {
    const parts = f.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/") || "/";
      const entries = expected.get(dir) ?? new Map<string, boolean>();
      entries.set(parts[i], i < parts.length - 1);
      expected.set(dir, entries);
    }
  }
  for (const [dir, entries] of expected) {
    assert.equal(m.stat(dir), "directory", dir);
    assert.equal(m.stat(`${dir}/`.replace(/\/+$/, "/")), "directory", `${dir}/`);
    const names = [...entries.keys()].sort();
    assert.deepEqual(
      m.readDir(dir),
      names.map((name) => ({ name, isDirectory: entries.get(name) })),
      dir,
    );
  }
  for (const f of files) assert.equal(m.stat(f), "file", f);
});

Deno.test("directories: absent CPUs, padded numbers and unmodelled paths are not there", () => {
  const m = vm().cpus(4).build();
  for (
    const path of [
      "/sys/devices/system/cpu/cpu4",
      "/sys/devices/system/cpu/cpu01",
      "/sys/kernel/debug",
      "/sys/devices/system/cpu/cpufreq",
      "",
    ]
  ) {
    assert.equal(m.stat(path), null, path);
    assert.throws(() => m.readDir(path), /Not a directory: .*not modelled by hvtick/, path);
  }
  assert.equal(m.stat("/sys/devices/system/cpu/cpu01/online"), null);
  assert.throws(() => m.read("/sys/devices/system/cpu/cpu01/hotplug/state"), /No such file/);
  assert.throws(
    () => m.readDir("/proc/timer_list"),
    /Not a directory: \/proc\/timer_list \(it is a file/,
  );
  // x86 CPU0 has no online file, but its directory still holds hotplug/.
  assert.deepEqual(m.readDir("/sys/devices/system/cpu/cpu0").map((e) => e.name), ["hotplug"]);
  assert.throws(() => m.stat(42 as unknown as string), TypeError);
});

Deno.test("hotplug/states lists the fixed-number states every guest registers (docs/research/fixed-states.json, docs/research/registrants/)", () => {
  const states = (kernel: string, arch: string) =>
    vm({ hyperv: "2022", kernel, arch, cpus: 2 }).build().read(
      "/sys/devices/system/cpu/hotplug/states",
    );
  const x61 = states("6.1", "x86_64");
  for (
    const line of [
      "  9: x86/mce:dead",
      " 33: mm/page_alloc:pcp",
      " 36: iommu/iova:dead",
      " 62: trace/RB:prepare",
      "200: base/cacheinfo:online",
    ]
  ) {
    assert.ok(x61.includes(`${line}\n`), line);
  }
  const a55 = states("5.5", "arm64");
  for (
    const line of [
      " 17: arm64/fpsimd:dead",
      " 90: irqchip/arm/gicv3:starting",
      "106: arm64/debug_monitors:starting",
    ]
  ) {
    assert.ok(a55.includes(`${line}\n`), line);
  }
  // Config-sensitive registrants (drivers for hardware a Hyper-V guest lacks) are not there.
  assert.ok(!a55.includes("virtio/net:dead") && !x61.includes("virtio/net:dead"));
  assert.ok(!a55.includes("perf/qcom/l3cache:online"));
});
