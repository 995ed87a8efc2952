/**
 * The harness pairs a hibernation's two boots by their disk (lib/fidelity/run.ts): the log that
 * wrote the image is replayed first, and the boot that resumes it continues from its image.
 */
import assert from "node:assert/strict";
import { type LogFile, runFidelity } from "../lib/fidelity/run.ts";
import { readTranscript } from "../lib/fidelity/transcript.ts";
import { runTiming } from "../lib/fidelity/timing.ts";

const host = (disk: string) =>
  "kernel_package: linux-image-5.10.0-46-amd64 5.10.262-1\n" +
  "command: qemu -machine pc -cpu max\\,+hypervisor\\,hv-relaxed\\,hv-vpindex\\,hv-time\\," +
  "hv-synic\\,hv-stimer\\,hv-frequencies\\,hv-vendor-id=Microsoft\\ Hv\\,hv-stimer-direct " +
  "-smp 4 -m 1024 -append console=ttyS0\\ quiet " +
  `-drive file=${disk}\\,format=raw\\,if=virtio\n`;

const modules = ["virtio_ring", "virtio", "virtio_pci", "virtio_blk"]
  .map((m) => `insmod /lib/modules/${m}.ko rc=0`).join("\n");

const writer: LogFile = {
  log: "a/first.log",
  host: host("$RIG_CACHE/swap/one.img"),
  text: "RIG-BEGIN name=first profile=hv-direct uptime_cs=300\n\n" +
    "===== C. swap on /dev/vda =====\n" + modules + "\n254:0\nmkswap rc=0\nswapon rc=0\n" +
    "RIG-HIBERNATE-WRITE uptime_cs=400\n+ echo disk > /sys/power/state\n",
};

const resumer: LogFile = {
  log: "b/second.log",
  host: host("$RIG_CACHE/swap/one.img"),
  text: "RIG-BEGIN name=second profile=hv-direct uptime_cs=300\n\n" +
    "===== /sys/power =====\n/sys/power/resume: 0:0\n" + modules + "\nvda dev: 254:0\n" +
    "RIG-RESUME-TRIGGER uptime_cs=500\n+ echo 254:0 > /sys/power/resume\n" +
    "RIG-HIBERNATE-RETURNED rc=0 uptime_cs=900\n\n" +
    "===== C. dmesg tail after restore =====\n" +
    "[    4.100000] CPU3 is up\n" +
    "[    4.200000] ACPI: Waking up from system sleep state S4\n" +
    "[    4.300000] OOM killer enabled.\n" +
    "[    4.400000] PM: hibernation: hibernation exit\n",
};

Deno.test("a resume log continues from the image its disk's writer left, in any input order", () => {
  for (const files of [[writer, resumer], [resumer, writer]]) {
    const { ok, results, report } = runFidelity(files, { mismatches: 5 });
    assert.equal(ok, true, report);
    assert.deepEqual(results.map((r) => r.file), files.map((f) => f.log));
    const second = results.find((r) => r.file === "b/second.log")!;
    // /sys/power/resume, the device twice, the write's rc, and the tail after the restore.
    assert.ok(second.readings >= 8, report);
  }
});

Deno.test("a resume log without its writer is listed with the reason, not compared", () => {
  const { ok, results, report } = runFidelity([resumer], { mismatches: 5 });
  assert.equal(ok, false);
  assert.deepEqual(results, []);
  assert.match(
    report,
    /b\/second\.log: not compared: it resumes the hibernation image on its disk \(\$RIG_CACHE\/swap\/one\.img\), written by a boot whose log is not among the inputs; give that log too/,
  );
  // Another disk is another VM: no pairing.
  const other = { ...writer, host: host("$RIG_CACHE/swap/two.img") };
  assert.match(runFidelity([other, resumer], { mismatches: 0 }).report, /not compared/);
});

Deno.test("console lines printed before the `+ echo` that caused them are compared after it", () => {
  const t = readTranscript(
    "RIG-BEGIN name=x profile=plain uptime_cs=300\n" +
      "[    4.500000] PM: hibernation: hibernation entry\n\n" +
      "===== A. hibernate with no swap device =====\n+ echo disk > /sys/power/state\n" +
      "[    4.600000] PM: Cannot get swap writer\nsh: write error: No such device\n  rc=1\n",
    "x.log",
  );
  assert.deepEqual(t.steps.map((s) => s.kind), ["time", "write", "console"]);
  const c = t.steps[2];
  assert.deepEqual(c.kind === "console" && c.text.map((l) => l.slice(15)), [
    "PM: hibernation: hibernation entry",
    "PM: Cannot get swap writer",
  ]);
});

Deno.test("a console line in the middle of a snapshot is lifted out, the snapshot read whole", () => {
  const t = readTranscript(
    "RIG-BEGIN name=x profile=plain uptime_cs=300\n\n" +
      "===== SNAPSHOT before insmod (uptime_cs=414) =====\n--- cpu masks\ncpu/online: 0-3\n" +
      "--- clockevents (per clockeventN/current_device + broadcast)\n" +
      "[    4.283563] input: ImExPS/2 Generic Explorer Mouse as /devices/platform/i8042/serio1/input/input3\n" +
      "clockevent0: lapic\nbroadcast: hpet\n",
    "x.log",
  );
  assert.deepEqual(t.steps.map((s) => s.kind), ["time", "time", "read", "console"]);
  const r = t.steps[2];
  assert.deepEqual(r.kind === "read" && r.text.slice(-2), [
    "clockevent0: lapic",
    "broadcast: hpet",
  ]);
  const c = t.steps[3];
  assert.deepEqual(c.kind === "console" && [c.line, c.text.length], [7, 1]);
});

Deno.test("without its boot's kernel log, a run's pace is its resume's CPU bring-up", () => {
  const t = readTranscript(
    "RIG-BEGIN name=x profile=hv-direct uptime_cs=300\n\n===== B. dmesg tail =====\n" +
      "[   22.515094] Enabling non-boot CPUs ...\n[   22.925659] CPU1 is up\n" +
      "[   23.015520] CPU2 is up\n[   23.040429] CPU3 is up\n",
    "x.log",
  );
  const { boot, callback } = runTiming(t, { kernel: "5.10", cpus: 4 });
  assert.equal(boot, 3_000_000_000);
  assert.ok(callback > 0);
  const none = readTranscript("RIG-BEGIN name=x profile=hv-direct uptime_cs=300\n", "x.log");
  assert.equal(runTiming(none, { kernel: "5.10", cpus: 4 }).callback, 0);
});
