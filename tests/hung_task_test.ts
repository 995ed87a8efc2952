// After a hang, khungtaskd's reports (kernel/hung_task.c): the blocked tasks, at their checks,
// with the kernel's lines; only with the detector built, only for hangs that block a task.

import assert from "node:assert/strict";
import { vm } from "../mod.ts";

const INFO = /INFO: task|[Tt]ainted|hung_task_timeout_secs|Future hung task/;
const reports = (dmesg: string) => dmesg.split("\n").filter((l) => INFO.test(l));

Deno.test("5.4's kthread_park() hang: cpuhp/2 and the shell are reported at the second check", () => {
  const m = vm().kernel("5.4").cpus(4).build();
  m.advance("3s");
  assert.ok(m.offline(2).hang);
  // The first check after the hang (120 s) records the tasks; the next (240 s) reports them.
  m.advance("236999999999ns");
  assert.deepEqual(reports(m.dmesg()), []);
  m.advance("1ns");
  assert.deepEqual(reports(m.dmesg()), [
    "[  240.000000] INFO: task cpuhp/2:21 blocked for more than 120 seconds.",
    "[  240.000000]       Not tainted 5.4.301 #1",
    '[  240.000000] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    "[  240.000000] INFO: task bash:1000 blocked for more than 120 seconds.",
    "[  240.000000]       Not tainted 5.4.301 #1",
    '[  240.000000] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
  ]);
  // pr_err: on the console under quiet too.
  assert.match(m.console(), /INFO: task cpuhp\/2:21 blocked for more than 120 seconds\./);
  // Ten warnings in all (sysctl_hung_task_warnings), two a check: five checks, then silence.
  m.advance("1h");
  const infos = reports(m.dmesg()).filter((l) => l.includes("INFO: task"));
  assert.equal(infos.length, 10);
  assert.equal(
    infos.at(-1)!,
    "[  720.000000] INFO: task bash:1000 blocked for more than 600 seconds.",
  );
});

Deno.test("the same hang in slices or at once prints the same log", () => {
  const a = vm().kernel("5.4").cpus(4).build();
  const b = vm().kernel("5.4").cpus(4).build();
  for (const m of [a, b]) m.offline(2);
  a.advance("400s");
  for (let i = 0; i < 40; i++) b.advance("10s");
  assert.equal(a.dmesg(), b.dmesg());
  assert.equal(a.fingerprint(), b.fingerprint());
});

Deno.test("no report without the detector, during a hibernation, or for a hang that blocks none", () => {
  // The rig's 5.4.301 build: # CONFIG_DETECT_HUNG_TASK is not set (docs/research/configs).
  const rig = vm().kernel("5.4").kconfig("rig-build").cpus(4).build();
  assert.ok(rig.offline(2).hang);
  rig.advance("300s");
  assert.deepEqual(reports(rig.dmesg()), []);
  // A hang while hibernating: hung_detector_suspended from PM_HIBERNATION_PREPARE.
  const hib = vm().kernel("5.4").cpus(3).build();
  assert.ok(hib.hibernate().hang);
  hib.advance("300s");
  assert.deepEqual(reports(hib.dmesg()), []);
  // A reset ends the hang and its reports.
  const m = vm().kernel("5.4").cpus(4).build();
  assert.ok(m.offline(2).hang);
  m.reset();
  m.advance("300s");
  assert.deepEqual(reports(m.dmesg()), []);
});

Deno.test("a list walk that loops with interrupts off: RCU stall reports, and the writer blocked", () => {
  const build = (kconfig: string) =>
    vm().hyperv("qemu").vmbus().kernel("6.12").kconfig(kconfig).features({
      stimerDirectMode: false,
    }).synicFirst(2).build();
  for (const [kconfig, flavour] of [["debian", "rcu_preempt"], ["minimal", "rcu_sched"]]) {
    const m = build(kconfig);
    for (const line of ["race passes", "offline 2", "online 2"]) assert.ok(m.run(line).ok, line);
    const hang = m.offline(2).hang!;
    assert.equal(hang.callback, "clockevents_replace");
    m.advance("300s");
    const stall = `rcu: INFO: ${flavour} detected stalls on CPUs/tasks:`;
    const stalls = m.dmesg().split("\n").filter((l) => l.endsWith(stall));
    // 21 s after the hang, then every 3 * 21 s + 3 jiffies (HZ=250: 12 ms).
    assert.deepEqual(stalls.map((l) => l.slice(0, 14)), [
      "[   21.000000]",
      "[   84.012000]",
      "[  147.024000]",
      "[  210.036000]",
      "[  273.048000]",
    ]);
    // The offline's writer waits for the spinning hotplug thread: a hung task where the detector
    // is built (hvtick's own build), none on Debian's preset (not known to set it).
    const blocked = reports(m.dmesg()).filter((l) => l.includes("INFO: task"));
    assert.deepEqual(
      blocked,
      kconfig === "minimal"
        ? ["[  240.000000] INFO: task bash:1000 blocked for more than 120 seconds."]
        : [],
    );
  }
});

Deno.test("after a WARN the report says Tainted: with W, TAINT_FLAGS_COUNT characters wide", () => {
  const m = vm().kernel("5.4").cpus(4).build();
  m.offline(2);
  // A WARN printed before the check (as __warn() prints it) taints the kernel.
  const s = m.snapshot();
  m.restore({
    ...s,
    log: { ...s.log, dmesg: [...s.log.dmesg, { time: 0, text: "WARNING: CPU: 1 PID: 0 at x" }] },
  });
  m.advance("240s");
  assert.ok(
    reports(m.dmesg()).includes("[  240.000000]       Tainted: G        W         5.4.301 #1"),
    reports(m.dmesg()).join("\n"),
  );
});
