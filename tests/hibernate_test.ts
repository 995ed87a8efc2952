/** Hibernation: freeze_secondary_cpus(0) / enable_nonboot_cpus() (kernel/cpu.c:1210-1306) on Hyper-V. */
import assert from "node:assert/strict";
import { HangError, PoweredOffError, vm } from "../mod.ts";

Deno.test("5.4 reproduces the hibernation hang (hyperv-stimer §7.1, Dexuan Cui S4); 5.5 does not", async (t) => {
  for (const host of ["2019", "2012R2"]) {
    await t.step(`5.4 on ${host}`, () => {
      const m = vm().hyperv(host).kernel("5.4").cpus(4).build();
      m.advance("1s");
      const r = m.hibernate();
      assert.equal(r.ok, false);
      assert.equal(r.hang?.cpu, 1);
      assert.equal(r.hang?.stateName, "smpboot/threads:online");
      assert.match(r.hang!.reason, /hv_ce_shutdown/);
      assert.ok(m.dmesg().trimEnd().endsWith("Disabling non-boot CPUs ..."));
      assert.throws(() => m.online(1), HangError);
      assert.throws(() => m.write("/sys/devices/system/cpu/cpu2/online", "0"), HangError);
      assert.equal(
        m.write("/sys/devices/system/cpu/cpu2/hotplug/fail", "141").ok,
        true,
        "fail takes no hotplug lock",
      );
      const ticks = m.cpu(2).ticks;
      m.advance("1s");
      assert.equal(m.cpu(2).ticks - ticks, 250, "the other CPUs keep ticking");
      assert.equal(m.cpu(1).ticking, false);
      m.reset();
      assert.equal(m.hung, false);
      assert.equal(m.now, 0);
    });
    await t.step(`5.5 on ${host}`, () => {
      const m = vm().hyperv(host).kernel("5.5").cpus(4).build();
      const r = m.hibernate();
      assert.equal(r.ok, true, r.message);
      assert.deepEqual(r.frozen, [1, 2, 3]);
      assert.equal(m.power, "hibernated");
    });
  }
});

Deno.test("hibernate/resume messages and CPUs: offline CPUs stay offline; the image's log is what survives", () => {
  // kernel/power/hibernate.c hibernate() → hibernation_snapshot() → create_image() with the ACPI
  // platform ops (drivers/acpi/sleep.c): the image is the state after "Need to copy", so its log
  // resumes with platform_leave()'s NVS line, not with "Image created".
  const m = vm().kernel("5.5").cpus(4).build();
  m.offline(3);
  const before = m.dmesg();
  assert.equal(m.hibernate().ok, true);
  assert.throws(() => m.online(1), PoweredOffError);
  assert.throws(() => m.hibernate(), PoweredOffError);
  const r = m.resume();
  assert.deepEqual(r.frozen, [1, 2]);
  assert.deepEqual(m.cpus().map((c) => c.online), [true, true, true, false]);
  const log = m.dmesg();
  assert.ok(log.startsWith(before));
  const tail = log.slice(before.length).split("\n").map((l) => l.slice(15));
  assert.deepEqual(tail, [
    "PM: hibernation entry",
    "Filesystems sync: 0.000 seconds",
    "Freezing user space processes ... (elapsed 0.000 seconds) done.",
    "OOM killer disabled.",
    "Freezing remaining freezable tasks ... (elapsed 0.000 seconds) done.",
    "printk: Suspending console(s) (use no_console_suspend to debug)",
    "ACPI: Preparing to enter system sleep state S4",
    "PM: Saving platform NVS memory",
    "Disabling non-boot CPUs ...",
    "smpboot: CPU 1 is now offline",
    "smpboot: CPU 2 is now offline",
    "PM: Creating hibernation image:",
    "PM: Need to copy 0 pages",
    "PM: Restoring platform NVS memory",
    "Enabling non-boot CPUs ...",
    "x86: Booting SMP configuration:",
    "smpboot: Booting Node 0 Processor 1 APIC 0x1",
    "CPU1 is up",
    "smpboot: Booting Node 0 Processor 2 APIC 0x2",
    "CPU2 is up",
    "ACPI: Waking up from system sleep state S4",
    "OOM killer enabled.",
    "Restarting tasks ... done.",
    "PM: hibernation exit",
    "",
  ]);
  assert.throws(() => m.resume(), RangeError);
});

Deno.test("6.1 prints hibernate.c messages with the PM: hibernation: prefix", () => {
  const m = vm().kernel("6.1").cpus(2).build();
  m.hibernate();
  m.resume();
  assert.match(m.dmesg(), /PM: hibernation: hibernation entry/);
  assert.match(m.dmesg(), /PM: hibernation: Creating image:/);
});

Deno.test("5.2 has no VMbus hibernation support: a CPU with a channel refuses, and hibernation fails (kernel/cpu.c freeze_secondary_cpus)", () => {
  const m = vm().hyperv("2012R2").kernel("5.2").cpus(3).vmbusChannels([0, 2]).build();
  const r = m.hibernate();
  assert.equal(r.errno, "EBUSY");
  // create_image(): the failed freeze goes to Enable_cpus, then platform_finish() (hibernate.c).
  const tail = m.dmesg().trimEnd().split("\n").map((l) => l.slice(15)).slice(-12);
  assert.deepEqual(tail, [
    "Disabling non-boot CPUs ...",
    "smpboot: CPU 1 is now offline",
    "Error taking CPU2 down: -16",
    "Non-boot CPUs are not disabled",
    "Enabling non-boot CPUs ...",
    "x86: Booting SMP configuration:",
    "smpboot: Booting Node 0 Processor 1 APIC 0x1",
    "CPU1 is up",
    "ACPI: Waking up from system sleep state S4",
    "OOM killer enabled.",
    "Restarting tasks ... done.",
    "PM: hibernation exit",
  ]);
  assert.equal(m.power, "on");
  assert.deepEqual(m.cpus().map((c) => c.online), [true, true, true]);
});

Deno.test("x86: hibernation needs CPU0 online (arch/x86/power/cpu.c:321-339)", () => {
  const m = vm().cpus(2).cpu0Hotplug().vmbusChannels([1]).build();
  m.offline(0);
  const r = m.hibernate();
  assert.equal(r.errno, "ENODEV");
});
