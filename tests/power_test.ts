/**
 * kernel/power/ as the real logs show it (logs/k5.10-hv-direct-hibernate*.log,
 * k6.12-hv-direct-hibernate*.log): the /sys/power files, the three hibernation paths of the rig's
 * script (no swap device, pm_test=core, a real image) per release, and the restore on the next
 * boot of the same disk.
 */
import assert from "node:assert/strict";
import { type Machine, vm } from "../mod.ts";

/** The rig's VM (logs/*-hibernate.host.txt): QEMU pc, 4 vCPUs, 1 GiB, a virtio disk, no swap. */
function rigVm(kernel: string, cmdline = "console=ttyS0 quiet panic=-1"): Machine {
  return vm({
    hyperv: "qemu",
    kernel,
    cpus: 4,
    modules: "manual",
    virtioDisk: true,
    swap: false,
    memory: 1024,
    cmdline,
  }).build();
}

/** The dmesg lines after `mark` lines, without timestamps. */
function since(m: Machine, mark: number): string[] {
  return m.dmesg().trimEnd().split("\n").slice(mark).map((l) => l.slice(15));
}

const lines = (m: Machine) => m.dmesg().trimEnd().split("\n").length;

/** The virtio stack as the rig loads it (its extra_modules), whatever the release builds in. */
function loadDisk(m: Machine): void {
  for (const mod of ["virtio_ring", "virtio", "virtio_pci", "virtio_blk"]) {
    assert.equal(m.run({ kind: "modprobe", module: mod }).ok, true, mod);
  }
}

Deno.test("/sys/power files read as the real kernels print them", () => {
  const k510 = rigVm("5.10");
  const k612 = rigVm("6.12");
  for (const m of [k510, k612]) {
    assert.equal(m.read("/sys/power/state"), "freeze mem disk\n");
    assert.equal(m.read("/sys/power/pm_test"), "[none] core processors platform devices freezer\n");
    assert.equal(m.read("/sys/power/resume"), "0:0\n");
  }
  // 5.10 keeps the last mode's space (hibernate.c:1095); 6.12 turns it into the newline.
  assert.equal(k510.read("/sys/power/disk"), "[platform] shutdown reboot suspend test_resume \n");
  assert.equal(k612.read("/sys/power/disk"), "[platform] shutdown reboot suspend test_resume\n");
  // Two fifths of totalram_pages() (snapshot.c:105): the builds reserve different amounts.
  assert.equal(k510.read("/sys/power/image_size"), "400785408\n");
  assert.equal(k612.read("/sys/power/image_size"), "401395712\n");
  // The memory is the machine's: twice the memory, more than twice the image size (the build's
  // reservation does not grow, the memmap does).
  const big = vm({ hyperv: "qemu", kernel: "5.10", memory: 2048 }).build();
  assert.equal(
    Number(big.read("/sys/power/image_size")),
    Math.floor(((524288 - 8192 - 13426) * 2) / 5) * 4096,
  );
  // A real run's own totalram_pages() (lib/fidelity/boot_memory.ts): k6.8-hv-direct-hibernate-
  // verbose.log's boot reserved a page more than the other 6.8 runs.
  const run = vm({ hyperv: "qemu", kernel: "6.8", kconfig: "rig-build", totalram: 249939 });
  assert.equal(run.build().read("/sys/power/image_size"), "409497600\n");
  assert.throws(() => vm({ hyperv: "qemu", totalram: 1.5 }).build(), /totalram: 1\.5 is not valid/);
  // A Hyper-V guest has no S3: no "mem" (hosts.ts sleepStates).
  assert.equal(vm().kernel("6.1").build().read("/sys/power/state"), "freeze disk\n");
  // pm_test needs CONFIG_PM_DEBUG, which hvtick's own build lacks.
  assert.equal(vm().kernel("5.5").build().stat("/sys/power/pm_test"), null);
});

Deno.test("/sys/power writes: the kernel's checks, errors that change nothing", () => {
  const m = rigVm("5.10");
  const before = m.fingerprint();
  assert.equal(m.write("/sys/power/pm_test", "cores").errno, "EINVAL");
  assert.equal(m.write("/sys/power/disk", "suspend-to-disk").errno, "EINVAL");
  assert.equal(m.write("/sys/power/state", "hibernate").errno, "EINVAL");
  assert.equal(m.write("/sys/power/image_size", "-1").errno, "EINVAL");
  assert.equal(m.write("/sys/power/resume", "vda").errno, "EINVAL");
  // name_to_dev_t() gives 0 for "0:0", which resume_store() refuses up to 6.1.
  assert.equal(m.write("/sys/power/resume", "0:0").errno, "EINVAL");
  assert.throws(() => m.write("/sys/power/state", "mem"), /suspends the VM .*not model/);
  assert.equal(m.fingerprint(), before);
  assert.equal(m.write("/sys/power/pm_test", "core").ok, true);
  assert.equal(m.read("/sys/power/pm_test"), "none [core] processors platform devices freezer\n");
  assert.equal(m.write("/sys/power/disk", "shutdown\n").ok, true);
  assert.equal(m.read("/sys/power/disk"), "platform [shutdown] reboot suspend test_resume \n");
  assert.equal(m.write("/sys/power/image_size", "  12345xyz").ok, true);
  assert.equal(m.read("/sys/power/image_size"), "12345\n");
  assert.equal(m.write("/sys/power/resume", "8:2").ok, true, "no image there: returns n");
  assert.equal(m.read("/sys/power/resume"), "8:2\n");
  // 6.12's resume_store() takes MAJ:MIN after lookup_bdev() fails, 0:0 included.
  assert.equal(rigVm("6.12").write("/sys/power/resume", "0:0").ok, true);
  // Back to the defaults: the state is the boot state again.
  m.write("/sys/power/pm_test", "none");
  m.write("/sys/power/disk", "platform");
  m.write("/sys/power/image_size", "400785408");
  assert.deepEqual(m.snapshot().pm, { resume: "8:2" });
  assert.throws(() => m.write("/sys/power/disk", "reboot") && m.hibernate(), /not modelled/);
});

Deno.test("no swap device: the image is made, the write fails with ENODEV, all CPUs come back", () => {
  for (const [kernel, order] of [["5.10", [1, 2, 3]], ["6.12", [3, 2, 1]]] as const) {
    const m = rigVm(kernel);
    const mark = lines(m);
    const r = m.write("/sys/power/state", "disk\n");
    assert.equal(r.errno, "ENODEV");
    assert.equal(r.message, "write error: No such device");
    assert.equal(m.power, "on");
    assert.deepEqual(m.cpus().map((c) => c.online), [true, true, true, true]);
    const log = since(m, mark);
    const acpi = kernel === "5.10" ? "ACPI: " : "ACPI: PM: ";
    const nvs = kernel === "5.10" ? "PM: " : "ACPI: PM: ";
    const i = log.indexOf("Disabling non-boot CPUs ...");
    assert.deepEqual(log.slice(i - 2, i), [
      `${acpi}Preparing to enter system sleep state S4`,
      `${nvs}Saving platform NVS memory`,
    ]);
    assert.deepEqual(
      log.slice(i + 1, i + 4),
      order.map((c) => `smpboot: CPU ${c} is now offline`),
      `${kernel}: freeze_secondary_cpus() order`,
    );
    assert.deepEqual(log.slice(i + 4, i + 8), [
      "PM: hibernation: Creating image:",
      "PM: hibernation: Need to copy 0 pages",
      `PM: hibernation: Image created (0 pages copied${kernel === "6.12" ? ", 0 zero pages" : ""})`,
      `${nvs}Restoring platform NVS memory`,
    ]);
    assert.deepEqual(log.slice(-6), [
      `${acpi}Waking up from system sleep state S4`,
      "PM: Cannot find swap device, try swapon -a",
      "PM: Cannot get swap writer",
      "OOM killer enabled.",
      "Restarting tasks ... done.",
      "PM: hibernation: hibernation exit",
    ]);
    // Under `quiet` the console shows only the two errors (pr_err, below console_loglevel 4).
    assert.deepEqual(m.console().trimEnd().split("\n").map((l) => l.slice(15)), [
      "PM: Cannot find swap device, try swapon -a",
      "PM: Cannot get swap writer",
    ]);
  }
});

Deno.test("pm_test=core: CPUs down, syscore suspended, a 5 s wait the guest's clock does not see", () => {
  for (const [kernel, order] of [["5.10", [1, 2, 3]], ["6.12", [3, 2, 1]]] as const) {
    const m = rigVm(kernel);
    m.advance("1s");
    m.write("/sys/power/pm_test", "core");
    const [now, mono] = [m.now, m.monotonic];
    const mark = lines(m);
    const r = m.write("/sys/power/state", "disk");
    assert.equal(r.ok, true, r.message);
    assert.equal(m.now - now, 5_000_000_000, "mdelay(5000)");
    assert.equal(m.monotonic, mono, "timekeeping suspended: sleep time, not CLOCK_MONOTONIC");
    const acpi = kernel === "5.10" ? "ACPI: " : "ACPI: PM: ";
    const log = since(m, mark);
    const i = log.indexOf("Disabling non-boot CPUs ...");
    assert.deepEqual(log.slice(i + 1, i + 6), [
      ...order.map((c) => `smpboot: CPU ${c} is now offline`),
      "PM: hibernation: debug: Waiting for 5 seconds.",
      "Enabling non-boot CPUs ...",
    ]);
    // No image (create_image() goes to Power_up), so no platform_leave() either.
    assert.ok(!log.some((l) => /Creating image:|Restoring platform NVS memory/.test(l)));
    assert.deepEqual(log.slice(-4), [
      `${acpi}Waking up from system sleep state S4`,
      "OOM killer enabled.",
      "Restarting tasks ... done.",
      "PM: hibernation: hibernation exit",
    ]);
    assert.deepEqual(m.cpus().map((c) => c.online), [true, true, true, true]);
    assert.equal(m.boundDevice(2), "Hyper-V clockevent");
  }
});

Deno.test("a written image powers the VM off; the next boot of the disk resumes it", () => {
  for (const kernel of ["5.10", "6.12"]) {
    const m = rigVm(kernel, "console=ttyS0 quiet loglevel=7 no_console_suspend");
    assert.equal(
      m.run({ kind: "swapon", device: "/dev/vda" }).errno,
      "ENOENT",
      "no /dev/vda before virtio_blk",
    );
    loadDisk(m);
    assert.equal(m.read("/sys/block/vda/dev"), "254:0\n");
    assert.equal(m.run("swapon /dev/vda").ok, true);
    m.offline(3);
    m.advance("2s");
    const hvs = m.cpus().map((c) => c.ticks);
    assert.equal(m.write("/sys/power/state", "disk").ok, true);
    assert.equal(m.power, "hibernated");
    const written = m.console().trimEnd().split("\n").map((l) => l.slice(15));
    assert.deepEqual(written.slice(-6), [
      "PM: S|",
      `${kernel === "5.10" ? "ACPI: " : "ACPI: PM: "}Preparing to enter system sleep state S4`,
      `${kernel === "5.10" ? "PM: " : "ACPI: PM: "}Saving platform NVS memory`,
      "Disabling non-boot CPUs ...",
      ...(kernel === "5.10" ? [1, 2] : [2, 1]).map((c) => `smpboot: CPU ${c} is now offline`),
    ]);
    assert.ok(
      written.includes(`PM: Using 2 thread(s) for ${kernel === "6.12" ? "lzo " : ""}compression`),
    );

    m.powerOn({
      hyperv: "qemu",
      kernel,
      cpus: 4,
      modules: "manual",
      virtioDisk: true,
      swap: false,
      cmdline: "console=ttyS0 quiet loglevel=7 no_console_suspend rig.name=resume",
    });
    assert.equal(m.power, "on");
    assert.deepEqual(m.cpus().map((c) => c.online), [true, true, true, true], "a fresh boot");
    m.advance("1s");
    // Before the disk's driver is in, the resume device does not open: no image, nothing changes.
    assert.equal(m.write("/sys/power/resume", "254:0").ok, true);
    assert.deepEqual(m.cpus().map((c) => c.online), [true, true, true, true]);
    loadDisk(m);
    const r = m.write("/sys/power/resume", "254:0");
    assert.equal(r.ok, true, "the image's echo disk returned 0");
    // The image's state: CPU3 was offline when it was made, its tick counts continue.
    assert.deepEqual(m.cpus().map((c) => c.online), [true, true, true, false]);
    m.cpus().forEach((c, i) => assert.ok(c.ticks >= hvs[i], `CPU${i} ticks continue`));
    // The console has both kernels' lines; the kernel log is the image's, continued.
    const restore = m.console().trimEnd().split("\n").map((l) => l.slice(15));
    const down = (kernel === "5.10" ? [1, 2, 3] : [3, 2, 1]).map((c) =>
      `smpboot: CPU ${c} is now offline`
    );
    const from = restore.lastIndexOf("PM: hibernation: resume from hibernation");
    assert.ok(from >= 0);
    const tail = restore.slice(from);
    assert.deepEqual(tail.slice(tail.indexOf("Disabling non-boot CPUs ..."), -1).slice(0, 6), [
      "Disabling non-boot CPUs ...",
      ...down,
      `${kernel === "5.10" ? "PM: " : "ACPI: PM: "}Restoring platform NVS memory`,
      "Enabling non-boot CPUs ...",
    ]);
    assert.equal(tail.at(-1), "PM: hibernation: hibernation exit");
    const log = m.dmesg();
    assert.ok(!log.includes("resume from hibernation"), "the restore kernel's log is gone");
    assert.ok(!log.includes("Image created"), "the image was made before that line");
    assert.match(log, /Need to copy 0 pages\n.*Restoring platform NVS memory\n/);
    // The image is read once: swsusp_check() resets the signature.
    const again = lines(m);
    assert.equal(m.write("/sys/power/resume", "254:0").ok, true);
    assert.deepEqual(since(m, again), ["PM: Image not found (code -22)"]);
  }
});
