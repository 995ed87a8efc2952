// Every kernel refusal has its reason: each entry of the refusal table is reached by a scenario and
// comes back with its errno and its `why`, and no kernel path returns an errno of its own that the
// table does not know (a source scan: a new `return -E.EINVAL` in a store fails here).

import assert from "node:assert/strict";
import { type Machine, type RefusalId, REFUSALS, vm } from "../mod.ts";
import { boot } from "../lib/machine/boot.ts";
import { diskStore } from "../lib/hotplug/power_sysfs.ts";
import { errnoName } from "../lib/util/errno.ts";
import { Session } from "../repl/session.ts";

const C = "/sys/devices/system/cpu";
const T = "/sys/kernel/tracing";
const U = (cpu: number) => `/sys/devices/system/clockevents/clockevent${cpu}/unbind_device`;

/** What a scenario's last step returned: its errno and its why. */
type Seen = { errno: string | null; why: string | null };

function write(m: Machine, path: string, value: string): Seen {
  const r = m.write(path, value);
  return { errno: r.errno, why: r.why };
}

function hotplug(m: Machine, op: "online" | "offline", cpu: number): Seen {
  const r = m[op](cpu);
  return { errno: r.errno, why: r.reason?.text ?? null };
}

function run(m: Machine, line: string): Seen {
  const r = m.run(line) as { errno: string | null; why: string | null };
  return { errno: r.errno, why: r.why };
}

const v66 = () => vm().kernel("6.6").cpus(2);
const control = () => v66().hotplugStateControl().build();

/** A scenario for every refusal: it ends with the refused step. */
const SCENARIOS: Record<RefusalId, () => Seen> = {
  "kstrtobool": () => write(v66().build(), `${C}/cpu1/online`, "maybe"),
  "kstrtoint-syntax": () => write(v66().build(), `${C}/cpu1/hotplug/target`, "abc"),
  "kstrtoint-range": () => write(v66().build(), `${C}/cpu1/hotplug/target`, "99999999999"),
  "hotplug-disabled": () => {
    const m = v66().build();
    const s = m.snapshot();
    m.restore({ ...s, hotplugDisabled: 1 });
    return write(m, `${C}/cpu1/hotplug/target`, "0");
  },
  "last-cpu": () => {
    const m = vm().hyperv("none").kernel("5.4").cpus(2).cpu0Hotplug().build();
    assert.ok(m.offline(0).ok);
    return hotplug(m, "offline", 1);
  },
  "not-hotpluggable": () => hotplug(v66().build(), "offline", 0),
  "target-range": () => write(control(), `${C}/cpu1/hotplug/target`, "500"),
  "target-intermediate": () => write(v66().build(), `${C}/cpu1/hotplug/target`, "100"),
  "target-cant-stop": () => write(control(), `${C}/cpu1/hotplug/target`, "3"),
  "target-dying": () => write(control(), `${C}/cpu1/hotplug/target`, "96"),
  "fail-range": () => write(v66().build(), `${C}/cpu1/hotplug/fail`, "500"),
  "fail-atomic": () => write(v66().build(), `${C}/cpu1/hotplug/fail`, "96"),
  "fail-dead": () => write(v66().build(), `${C}/cpu1/hotplug/fail`, "17"),
  "fail-no-callback": () => write(v66().build(), `${C}/cpu1/hotplug/fail`, "3"),
  "unbind-name-length": () => write(v66().build(), U(1), "x".repeat(40)),
  "unbind-no-device": () => write(v66().build(), U(1), "nosuch"),
  "unbind-not-tick-device": () => write(vm().hyperv("none").cpus(2).build(), U(1), "hpet"),
  "unbind-no-replacement": () => {
    // The spare LAPIC goes first: then no detached device is left to replace the stimer.
    const m = v66().build();
    assert.ok(m.write(U(1), "lapic").ok);
    return write(m, U(1), "Hyper-V clockevent");
  },
  "tracer-unknown": () => write(v66().build(), `${T}/current_tracer`, "nosuch"),
  "tracing-on-syntax": () => write(v66().build(), `${T}/tracing_on`, "x"),
  "ftrace-no-match": () => write(v66().build(), `${T}/set_ftrace_filter`, "nosuch_fn"),
  "events-enable-value": () => write(v66().build(), `${T}/events/cpuhp/enable`, "2"),
  "power-state-unknown": () => write(v66().build(), "/sys/power/state", "bogus"),
  "disk-mode-unknown": () => write(v66().build(), "/sys/power/disk", "bogus"),
  "disk-no-platform": () => {
    // Every host of the catalogue declares S4: the store itself, on a platform without it.
    const config = v66().config();
    const k = boot({ ...config, platform: { ...config.platform, sleepStates: [] } });
    const out = diskStore(k, -1, "platform\n");
    return { errno: errnoName(out.ret), why: out.refusal ? REFUSALS[out.refusal].why : null };
  },
  "pm-test-unknown": () => write(vm().kernel("5.10").cpus(2).build(), "/sys/power/pm_test", "x"),
  "resume-no-device": () => write(v66().build(), "/sys/power/resume", "/dev/nosuch"),
  "resume-zero": () => write(vm().kernel("5.10").cpus(2).build(), "/sys/power/resume", "0:0"),
  "image-size-syntax": () => write(v66().build(), "/sys/power/image_size", "x"),
  "hibernate-cpu0-offline": () => {
    const m = vm().hyperv("none").kernel("5.4").cpus(2).cpu0Hotplug().build();
    assert.ok(m.offline(0).ok);
    const r = m.hibernate();
    return { errno: r.errno, why: r.why };
  },
  "hibernate-no-swap": () => {
    const m = vm({ hyperv: "qemu", kernel: "6.6", cpus: 2, modules: "manual", swap: false })
      .build();
    return write(m, "/sys/power/state", "disk");
  },
  "swapon-no-device": () => run(v66().build(), "swapon /dev/nosuch"),
  "swapon-busy": () => {
    const m = vm().hyperv("none").kernel("6.6").cpus(2).virtioDisk().build();
    assert.ok(m.run("swapon /dev/vda").ok);
    return run(m, "swapon /dev/vda");
  },
  "vmbus-no-hyperv": () =>
    run(vm().hyperv("none").kernel("5.10").cpus(2).modules("manual").build(), "modprobe hv_vmbus"),
  "vmbus-no-device": () =>
    run(
      vm().hyperv("qemu").kernel("6.1").cpus(2).modules("manual").vmbus(false).build(),
      "modprobe hv_vmbus",
    ),
  "vmbus-probe-timeout": () =>
    run(
      vm().hyperv("qemu").kernel("5.10").cpus(2).modules("manual").vmbus(false).build(),
      "modprobe hv_vmbus",
    ),
};

for (const id of Object.keys(REFUSALS) as RefusalId[]) {
  Deno.test(`refusal ${id}: its errno and its why, in the kernel's terms`, () => {
    const seen = SCENARIOS[id]();
    const entry = REFUSALS[id];
    assert.equal(seen.errno, entry.errno);
    assert.ok(seen.why?.endsWith(entry.why), `${id}: ${seen.why}`);
    assert.match(entry.source, /^[a-z].*\.[ch]:\d+(-\d+)?.*\(.*\)$/, `${id}'s source`);
  });
}

Deno.test("the REPL prints a why: line under every refused write", async () => {
  const s = new Session();
  await s.execute("vm --kernel 6.6 --cpus 2");
  assert.ok((await s.execute(`echo lapic > ${U(1)}`)).ok);
  for (const [value, path] of [["96", "cpu1/hotplug/fail"], ["100", "cpu1/hotplug/target"]]) {
    const out = await s.execute(`echo ${value} > ${C}/${path}`);
    assert.equal(out.ok, false);
    assert.match(out.text, /^echo: write error: Invalid argument \(EINVAL\)\n {2}why: \S/);
  }
  const busy = await s.execute(`echo 'Hyper-V clockevent' > ${U(1)}`);
  assert.match(busy.text, /\(EBUSY\)\n {2}why: clockevents_replace\(\)/);
});

// The kernel paths that return an errno without refuse(), line by line: each is a kernel
// function's own return that a caller explains (or that never reaches a user). A new errno
// return anywhere else in lib/ fails here: give it an entry in lib/util/refusals.ts.
const INTERNAL: Readonly<Record<string, string>> = {
  // hv_synic_cleanup()'s two -EBUSY: the callback's explain() (lib/hotplug/symbols.ts).
  "lib/platform/hyperv/vmbus.ts":
    "if (vmbus.connected && k.line.vmbusConnectCpuBusy && cpu === 0) return -E.EBUSY;\n" +
    "if (!movesChannels(k)) return -E.EBUSY;",
  // clockevents_switch_state()/program_event() (internal); try_unbind()/replace(): mapped by
  // unbindDeviceStore to unbind-not-tick-device and unbind-no-replacement.
  "lib/time/clockevents.ts":
    "if (state === CE_STATE.PERIODIC && !(d.features & FEAT.PERIODIC)) return -E.ENOSYS;\n" +
    "if (state === CE_STATE.ONESHOT && !(d.features & FEAT.ONESHOT)) return -E.ENOSYS;\n" +
    "if (state === CE_STATE.ONESHOT_STOPPED && d.state !== CE_STATE.ONESHOT) return -E.EINVAL;\n" +
    "if (!force) return -E.ETIME;\n" +
    "return ret === -E.EAGAIN\n" +
    "return k.s.cpus[cpu].tickDev === d.id ? -E.EAGAIN : -E.EBUSY;\n" +
    "if (!best) return -E.EBUSY;",
  "lib/time/sysfs.ts": 'if (tried === -E.EBUSY) return refuse("unbind-not-tick-device");\n' +
    "if (tried !== -E.EAGAIN) return { ret: tried };\n" +
    'return ret === -E.EBUSY ? refuse("unbind-no-replacement") : { ret };',
  // A printk's code, not a return.
  "lib/hotplug/restore.ts": "printk(k, `PM: Image not found (code ${-E.EINVAL})`, KERN.DEBUG);",
  // Reads returns to explain them.
  "lib/hotplug/reasons.ts": "if (out.ret === -E.EBUSY && k.s.hotplugDisabled > 0) {\n" +
    "if (out.ret === -E.EBUSY && offline) {\n" +
    "if (out.ret === -E.EPERM) {",
  // An injected fault: hotplugReason's "injected".
  "lib/hotplug/invoke.ts":
    "op.failure = { state, callback: cb.name, ret: -E.EAGAIN, injected: true };\n" +
    "return cb ? -E.EAGAIN : 0;",
};

Deno.test("no kernel path returns an errno the refusal table does not explain", async () => {
  const found: Record<string, string[]> = {};
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (path.endsWith(".ts") && !path.startsWith("lib/util/errno.ts")) {
        for (const line of (await Deno.readTextFile(path)).split("\n")) {
          if (/-E\.E[A-Z]+|return .*\bE\.E[A-Z]+/.test(line)) {
            (found[path] ??= []).push(line.trim());
          }
        }
      }
    }
  };
  await walk("lib");
  const expected = Object.fromEntries(
    Object.entries(INTERNAL).map(([path, lines]) => [path, lines.split("\n")]),
  );
  assert.deepEqual(found, expected, "return refuse(id) with an entry in lib/util/refusals.ts");
});
