/**
 * The stories of issue 13 (requirement 3), each on a line that has the bug and one that has the
 * fix: as a scenario through the `Machine`, and as exploration's shortest counterexample.
 * A. 2f8dea1692ee: a CPU taken part way down to hrtimers:prepare and back keeps hres_active.
 */
import assert from "node:assert/strict";
import { explore, vm, type VmOptions } from "../mod.ts";

const CPU1 = "/sys/devices/system/cpu/cpu1";

/** hrtimers:prepare per line (/sys/devices/system/cpu/hotplug/states). */
const HRTIMERS_PREPARE: Record<string, number> = { "6.8": 41, "6.6": 43, "5.4": 39, "5.5": 37 };

// 5.4 on Hyper-V hangs in any offline (docs/model.md §Hangs): its round trip runs where the rig
// booted 5.4.301, QEMU with Hyper-V enlightenments and no VMbus (the LAPIC timer).
const hostOf = (kernel: string) => kernel === "5.4" ? "qemu" : "2019";

function partialRoundTrip(kernel: string) {
  const m = vm().hyperv(hostOf(kernel)).kernel(kernel).cpus(2).hotplugStateControl().build();
  m.advance("4ms");
  const online = m.read("/sys/devices/system/cpu/hotplug/states").match(/(\d+): online\n/)![1];
  assert.equal(m.write(`${CPU1}/hotplug/target`, HRTIMERS_PREPARE[kernel]).ok, true);
  // target_store() leaves the device core's offline flag alone (6.8 drivers/base/core.c:2689):
  // `online` still reads 1 and `echo 1 > online` is a no-op (the real 5.4.301 boot:
  // k5.4-hv-direct-target.log, cpu2 state=39 online=1).
  assert.equal(m.read(`${CPU1}/online`), "1\n");
  assert.equal(m.read(`${CPU1}/hotplug/state`), `${HRTIMERS_PREPARE[kernel]}\n`);
  assert.equal(m.online(1).ok, true);
  assert.equal(m.read(`${CPU1}/hotplug/state`), `${HRTIMERS_PREPARE[kernel]}\n`);
  assert.equal(m.write(`${CPU1}/hotplug/target`, online).ok, true);
  m.advance("20ms");
  return m;
}

function cpu1TickDevice(timerList: string): string {
  return timerList.split("\n\n").find((b) => b.includes("Per CPU device: 1"))!;
}

Deno.test("2f8dea1692ee: 6.8 (and 5.5) keep hres_active through a round trip to hrtimers:prepare", () => {
  for (const kernel of ["6.8", "5.5"]) {
    const m = partialRoundTrip(kernel);
    assert.equal(m.cpu(1).highres, true, kernel);
    assert.equal(m.cpu(1).mode, "periodic", kernel);
    const block = cpu1TickDevice(m.read("/proc/timer_list"));
    assert.match(block, /^Tick Device: mode: {5}0$/m, kernel);
    assert.match(block, /event_handler: {2}tick_handle_periodic$/m, kernel);
  }
});

Deno.test("2f8dea1692ee: 5.4.301 and 6.6.150 (hrtimers_cpu_starting) switch back to oneshot", () => {
  for (const kernel of ["5.4", "6.6"]) {
    const m = partialRoundTrip(kernel);
    assert.equal(m.cpu(1).highres, true, kernel);
    assert.equal(m.cpu(1).mode, "oneshot", kernel);
    const block = cpu1TickDevice(m.read("/proc/timer_list"));
    assert.match(block, /^Tick Device: mode: {5}1$/m, kernel);
    assert.match(block, /event_handler: {2}hrtimer_interrupt$/m, kernel);
    assert.deepEqual(m.problems(), [], kernel);
  }
});

Deno.test("2f8dea1692ee: a full offline and online re-runs hrtimers_prepare_cpu() on 6.8", () => {
  const m = vm().hyperv("2019").kernel("6.8").cpus(2).build();
  m.advance("4ms");
  assert.equal(m.offline(1).ok, true);
  assert.equal(m.online(1).ok, true);
  m.advance("20ms");
  assert.equal(m.cpu(1).mode, "oneshot");
  assert.deepEqual(m.problems(), []);
  assert.doesNotMatch(m.dmesg(), /enqueue_hrtimer/);
});

// The base's `online` flag: 6.8.1 prints WARN_ON_ONCE(!base->cpu_base->online) after the round
// trip (tests/real/built/k6.8-hv-direct-target-onback.log), the fixed lines do not.
const ENQUEUE_WARNING = [
  "------------[ cut here ]------------",
  "Modules linked in:",
  "RIP: 0010:enqueue_hrtimer",
  "---[ end trace 0000000000000000 ]---",
];

Deno.test("2f8dea1692ee: 6.8's hrtimer base stays offline after the round trip: enqueue_hrtimer WARNs once", () => {
  const m = partialRoundTrip("6.8");
  const lines = m.dmesg().split("\n").map((l) => l.replace(/^\[[ \d.]+\] /, ""));
  const at = lines.indexOf(ENQUEUE_WARNING[0]);
  assert.deepEqual(lines.slice(at, at + 4), ENQUEUE_WARNING);
  const warns = m.problems().filter((p) => p.kind === "warn");
  assert.equal(warns.length, 1);
  assert.equal(warns[0].cpu, 1);
  assert.match(
    warns[0].message,
    /^WARN_ON_ONCE\(!base->cpu_base->online\) in enqueue_hrtimer\(\) \(kernel\/time\/hrtimer\.c:1088\)/,
  );
  // WARN_ON_ONCE: a second round trip prints nothing more.
  assert.equal(m.write(`${CPU1}/hotplug/target`, HRTIMERS_PREPARE["6.8"]).ok, true);
  assert.equal(m.write(`${CPU1}/hotplug/target`, 233).ok, true);
  assert.equal(m.problems().filter((p) => p.kind === "warn").length, 1);
  assert.equal(m.dmesg().split("enqueue_hrtimer").length, 2);
});

Deno.test("2f8dea1692ee: with hrtimers_cpu_starting() (5.4.301, 6.6.150, 6.12) the base comes back online", () => {
  for (const kernel of ["5.4", "6.6", "6.12"]) {
    const m = kernel === "6.12"
      ? vm().hyperv("2019").kernel("6.12").cpus(2).hotplugStateControl().build()
      : partialRoundTrip(kernel);
    if (kernel === "6.12") {
      const states = m.read("/sys/devices/system/cpu/hotplug/states");
      const prepare = states.match(/(\d+): hrtimers:prepare\n/)![1];
      const online = states.match(/(\d+): online\n/)![1];
      assert.equal(m.write(`${CPU1}/hotplug/target`, prepare).ok, true);
      assert.equal(m.write(`${CPU1}/hotplug/target`, online).ok, true);
    }
    assert.doesNotMatch(m.dmesg(), /enqueue_hrtimer/, kernel);
    assert.equal(m.snapshot().cpus[1].hrtimersOffline, undefined, kernel);
  }
});

Deno.test("2f8dea1692ee: explore finds the round trip on 6.8 only, and only with state control", () => {
  const base: VmOptions = { cpus: 2, hotplugStateControl: true };
  const options = { depth: 3, ops: ["target", "advance"] as const };
  const find = (o: VmOptions) =>
    explore({ hyperv: hostOf(o.kernel!), ...o }, {
      ...options,
      ops: [...options.ops],
      invariants: ["hres-needs-oneshot-tick"],
    })
      .violations.find((v) => v.invariant === "hres-needs-oneshot-tick");
  const v = find({ ...base, kernel: "6.8" })!;
  assert.equal(v.during, "target");
  assert.deepEqual(v.operations, [
    "advance 4ms",
    `echo 41 > ${CPU1}/hotplug/target`,
    `echo 233 > ${CPU1}/hotplug/target`,
  ]);
  for (const kernel of ["6.6", "6.12", "6.18", "5.4", "5.10", "5.15", "6.1"]) {
    assert.equal(find({ ...base, kernel }), undefined, kernel);
  }
  // Without CONFIG_CPU_HOTPLUG_STATE_CONTROL the write takes only 0 and CPUHP_ONLINE.
  assert.equal(find({ ...base, kernel: "6.8", hotplugStateControl: false }), undefined);
});

// B. b9af6418279c: kexec -e on a line whose hv_machine_shutdown() skips hv_cpu_die().

Deno.test("b9af6418279c: kexec on 6.8 leaves the VP assist pages enabled and the new kernel crashes", () => {
  const m = vm().hyperv("2019").kernel("6.8").cpus(2).build();
  const r = m.run({ kind: "kexec" });
  assert.equal(r.ok, false);
  assert.deepEqual(r.vpAssistLeft, [0, 1]);
  assert.match(
    r.message,
    /^kexec_core: Starting new kernel; the new kernel crashes \(the machine is hung\): /,
  );
  assert.match(r.message, /hyperv_init_cpuhp > 0/);
  assert.match(r.message, /the hypervisor corrupts the memory region of the old VP assist page/);
  assert.equal(m.hung, true);
  assert.match(m.console(), /kexec_core: Starting new kernel/);
  assert.throws(() => m.offline(1), /hung/);
});

Deno.test("b9af6418279c: kexec on 6.6.150, 6.12, 6.18 (fixed state) and 5.15, 6.1 (dynamic state) boots the new kernel", () => {
  for (const kernel of ["6.6", "6.12", "6.18", "5.10", "5.15", "6.1"]) {
    const m = vm().hyperv("2019").kernel(kernel).cpus(2).build();
    m.advance("8ms");
    assert.equal(m.offline(1).ok, true, kernel);
    const r = m.run({ kind: "kexec" });
    assert.equal(r.ok, true, kernel);
    assert.deepEqual(r.vpAssistLeft, [], kernel);
    assert.equal(m.hung, false, kernel);
    // The same configuration boots: every CPU online again, the clocks started over.
    assert.deepEqual(m.cpus().map((c) => c.online), [true, true], kernel);
    assert.ok(m.now < 8_000_000, kernel);
    assert.equal(m.offline(1).ok, true, kernel);
  }
});

Deno.test("kexec: 5.4.301 has no cpuhp_remove_state() in hv_machine_shutdown() (before dfe94d4086e4)", () => {
  const r = vm().hyperv("2019").kernel("5.4").cpus(2).build().run("kexec");
  assert.equal(r.ok, false);
  assert.match(r.message, /dfe94d4086e4/);
});

Deno.test("b9af6418279c: explore finds kexec on 6.8 (and 5.4) only", () => {
  const find = (kernel: string) =>
    explore({ hyperv: "2019", kernel, cpus: 2 }, {
      depth: 2,
      ops: ["online", "offline", "kexec"],
      invariants: ["kexec-vp-assist-released", "time-monotonic", "no-hang"],
    }).violations.filter((v) => !v.expected);
  const v = find("6.8");
  assert.deepEqual(v.map((x) => [x.invariant, x.during, x.operations]), [
    ["kexec-vp-assist-released", "kexec", ["kexec"]],
  ]);
  assert.match(v[0].message, /hyperv_init_cpuhp > 0/);
  for (const kernel of ["6.6", "6.12", "6.18", "5.10", "5.15", "6.1"]) {
    assert.deepEqual(find(kernel), [], kernel);
  }
});

// C. fff7b5e6ee63: the 5.5 line sets the Direct Mode stimer up in hyperv_init(), before the LAPIC.

Deno.test("fff7b5e6ee63: explore reports the stimer set up before the LAPIC at 5.5's boot, not 5.10's", () => {
  const find = (o: VmOptions, ops: ("online" | "kexec")[] = ["online"]) =>
    explore(o, { depth: 1, ops, invariants: ["stimer-after-lapic"] }).violations;
  const v = find({ hyperv: "2019", kernel: "5.5", cpus: 2 }, ["online", "kexec"]);
  assert.deepEqual(v.map((x) => [x.during, x.operations]), [["boot", []], ["kexec", ["kexec"]]]);
  assert.match(v[0].message, /before apic_bsp_setup\(\)/);
  // A legacy host (no Direct Mode: the stimer's interrupt is a VMbus message), 5.4 (stimer from
  // the VMbus driver) and 5.10.262 on (hv_stimer_setup_percpu_clockev()) keep the order.
  assert.deepEqual(find({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }), []);
  for (const kernel of ["5.2", "5.4", "5.10", "5.15", "6.1", "6.6", "6.8", "6.12", "6.18"]) {
    assert.deepEqual(find({ hyperv: "2019", kernel, cpus: 2 }), [], kernel);
  }
});

Deno.test("fff7b5e6ee63: the 5.5 line's normal boot runs (no failure was reported)", () => {
  const m = vm().hyperv("2019").kernel("5.5").cpus(2).build();
  m.advance("20ms");
  assert.equal(m.hung, false);
  assert.equal(m.boundDevice(0), "Hyper-V clockevent");
  assert.deepEqual(m.problems(), []);
});

// The kdump capture kernel: the crashing kernel's lapic_shutdown() leaves the LAPIC disabled, and
// Hyper-V drops the expiry 5.5's hyperv_init() programmed before setup_local_APIC() (fff7b5e6ee63).

Deno.test("fff7b5e6ee63: 5.5's kdump capture kernel hangs (the stimer's first expiry is lost), 5.10.262's boots", () => {
  const m = vm().hyperv("2019").kernel("5.5").cpus(2).build();
  const r = m.run("kdump");
  assert.equal(r.ok, false);
  assert.equal(m.hung, true);
  assert.match(r.message, /lapic_shutdown\(\) left disabled/);
  assert.match(
    m.problems()[0].message,
    /^the kdump capture kernel lost its first tick: .*fff7b5e6ee63/,
  );
  // A legacy host (the stimer interrupts through a VMbus message), 5.4 (the stimer comes from the
  // VMbus driver), 5.10.262 and later (hv_stimer_setup_percpu_clockev()) boot the capture kernel.
  const fine: [string, string][] = [["5.5", "2012R2"], ["5.2", "2019"], ["5.4", "2019"]];
  for (const kernel of ["5.10", "5.15", "6.1", "6.6", "6.8", "6.12", "6.18"]) {
    fine.push([kernel, "2019"]);
  }
  for (const [kernel, hyperv] of fine) {
    const n = vm().hyperv(hyperv).kernel(kernel).cpus(2).build();
    const done = n.run("kdump");
    assert.equal(done.ok, true, `${kernel} ${hyperv}: ${done.message}`);
    n.advance("20ms");
    assert.equal(n.hung, false, kernel);
    assert.deepEqual(n.problems(), [], kernel);
  }
});

Deno.test("fff7b5e6ee63: explore finds the capture kernel's hang on 5.5 (kdump), nothing on 5.10.262", () => {
  const find = (o: VmOptions) =>
    explore(o, { depth: 2, ops: ["kdump", "online"], invariants: ["kdump-capture-kernel-ticks"] })
      .violations.find((v) => v.invariant === "kdump-capture-kernel-ticks");
  const v = find({ hyperv: "2019", kernel: "5.5", cpus: 2 })!;
  assert.equal(v.during, "kdump");
  assert.deepEqual(v.operations, ["kdump"]);
  assert.equal(find({ hyperv: "2019", kernel: "5.10", cpus: 2 }), undefined);
  assert.equal(find({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }), undefined);
});

Deno.test("kexec keeps the swap device's hibernation image (the disk outlives the kernel)", () => {
  const m = vm().hyperv("qemu").kernel("5.10").cpus(2).modules("manual").virtioDisk().swap(false)
    .build();
  for (const l of ["modprobe virtio_pci", "modprobe virtio_blk", "swapon /dev/vda"]) m.run(l);
  assert.equal(m.write("/sys/power/state", "disk").ok, true);
  m.run("poweron");
  const image = m.snapshot().image;
  assert.ok(image);
  assert.equal(m.run({ kind: "kexec" }).ok, true);
  assert.deepEqual(m.snapshot().image, image);
});
