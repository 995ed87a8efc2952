/**
 * The guest's readers (rig/guest/lib.sh, ops.sh), as a table: for each, how the model's machine
 * renders it (the same shell logic, run over the model's files) and how its text becomes
 * readings. Both the log's text and the model's go through the same `parse`, so they are
 * compared on equal terms.
 *
 * @module
 */

import type { Machine } from "../api/machine.ts";
import { type Reading, reading } from "./reading.ts";
import { parseSnapshot, tickLines } from "./snapshot.ts";
import { relevantLines, splitUntimed, timedLines } from "./dmesg.ts";

/** The model side of a replay: the machine and the marks the guest keeps between readings. */
export interface Guest {
  /** The model. */
  readonly machine: Machine;
  /** Index into the model's dmesg where the next `dmesg_since` starts. */
  dmesgMark: number;
}

/** One reader: renders the model's text and parses either side's text into readings. */
export interface Reader {
  /** The model's text for this reading (`expected` sizes windows such as `dmesg | tail`). */
  render(g: Guest, arg: string, expected: readonly string[]): string[];
  /** The readings in a text; `at` is the line number of its first line. */
  parse(text: readonly string[], at: number, arg: string): Reading[];
}

const CPU = "/sys/devices/system/cpu";
const CE = "/sys/devices/system/clockevents";
const CS = "/sys/devices/system/clocksource/clocksource0";

/** `cat FILE 2>&1` as busybox prints it (one line per line of the file, no trailing newline). */
function cat(m: Machine, path: string): string[] {
  if (m.stat(path) !== "file") return [`cat: can't open '${path}': No such file or directory`];
  return m.read(path).replace(/\n$/, "").split("\n");
}
const cat1 = (m: Machine, path: string) => cat(m, path).join("\n");

/** The clockeventN directories in glob (lexical) order. */
function clockeventDirs(m: Machine): string[] {
  return m.readDir(CE).filter((e) => e.isDirectory && /^clockevent\d+$/.test(e.name)).map((e) =>
    e.name
  ).sort();
}

function cpuDirs(m: Machine): string[] {
  return m.readDir(CPU).filter((e) => /^cpu\d+$/.test(e.name)).map((e) => e.name).sort();
}

/** lib.sh `tick_device WANT` over the model's /proc/timer_list (its awk script, line for line). */
function tickDevice(m: Machine, want: string): string[] {
  const out: string[] = [];
  let blk: string[] = [];
  let id = "";
  let inBlk = false;
  const flush = () => {
    if (blk.length && (want === "all" || id === want)) out.push(...blk);
    blk = [];
    id = "";
  };
  for (const l of m.read("/proc/timer_list").replace(/\n$/, "").split("\n")) {
    if (l.startsWith("Tick Device:")) {
      flush();
      blk = [l];
      inBlk = true;
    } else if (/^(tick_broadcast|now at|cpu: |Timer List)/.test(l)) {
      flush();
      inBlk = false;
      if ((want === "all" || want === "bc") && l.startsWith("tick_broadcast")) out.push(l);
    } else if (inBlk) {
      blk.push(l);
      if (l.startsWith("Per CPU device:")) id = String(Number(l.split(": ")[1]));
      if (l.startsWith("Broadcast device")) id = "bc";
    }
  }
  flush();
  return out;
}

/** lib.sh `snap`'s body. */
function snap(m: Machine): string[] {
  const out = ["--- cpu masks"];
  for (const f of ["online", "offline", "present", "possible"]) {
    out.push(`cpu/${f}: ${cat1(m, `${CPU}/${f}`)}`);
  }
  out.push("--- clockevents (per clockeventN/current_device + broadcast)");
  for (const d of clockeventDirs(m)) out.push(`${d}: ${cat1(m, `${CE}/${d}/current_device`)}`);
  out.push(`broadcast: ${cat1(m, `${CE}/broadcast/current_device`)}`);
  out.push("--- clocksource");
  out.push(`current_clocksource: ${cat1(m, `${CS}/current_clocksource`)}`);
  out.push(`available_clocksource: ${cat1(m, `${CS}/available_clocksource`)}`);
  out.push("--- per-cpu hotplug state/target/fail");
  for (const c of cpuDirs(m)) {
    if (m.stat(`${CPU}/${c}/hotplug`) !== "directory") continue;
    const online = m.stat(`${CPU}/${c}/online`) === "file" ? cat1(m, `${CPU}/${c}/online`) : "n/a";
    const f = (x: string) => cat1(m, `${CPU}/${c}/hotplug/${x}`);
    out.push(
      `${c}: online=${online} hotplug/state=${f("state")} hotplug/target=${
        f("target")
      } hotplug/fail=${f("fail")}`,
    );
  }
  out.push("--- /proc/interrupts (timer rows)");
  const irq = cat(m, "/proc/interrupts");
  out.push(
    irq[0],
    ...irq.slice(1).filter((l) => /^ *(LOC|HVS|HYP|HRE|CAL| {2}0):/.test(l) || /timer/.test(l)),
  );
  out.push("--- /proc/timer_list tick devices (all CPUs)", ...tickDevice(m, "all"));
  return out;
}

/** The symbols hotplug.sh greps out of /proc/kallsyms (rig/guest/hotplug.sh). */
const KALLSYMS_GREP =
  /^(hv_stimer_alloc|hv_stimer_init|hv_stimer_cleanup|hv_stimer_legacy_init|hv_stimer_legacy_cleanup|hv_stimer0_isr|hv_init_clocksource|hyperv_init|hv_stimer_setup_percpu_clockev|sysvec_hyperv_stimer0)$/;

/** The config symbols ops.sh greps (rig/guest/ops.sh). */
const CONFIG_GREP =
  /^(# )?CONFIG_(HZ|HZ_[0-9]+|NO_HZ|NO_HZ_IDLE|NO_HZ_FULL|HZ_PERIODIC|HIGH_RES_TIMERS|HYPERV|HYPERV_TIMER|HYPERVISOR_GUEST|HOTPLUG_CPU|HOTPLUG_PARALLEL|CPU_HOTPLUG_STATE_CONTROL|GENERIC_CLOCKEVENTS_BROADCAST|X86_LOCAL_APIC|HPET_TIMER|HPET_EMULATE_RTC|PREEMPT|PREEMPT_DYNAMIC|PREEMPT_VOLUNTARY|NR_CPUS)[= ]/;

const keyed = (key: string) => (text: readonly string[], at: number): Reading[] => [
  reading(key, text.join("\n"), at),
];
const perArg = (
  text: readonly string[],
  at: number,
  arg: string,
): Reading[] => [reading(arg, text.join("\n"), at)];

/** Sequence readings: one per line, keyed by position, plus the count. */
function sequence(name: string, lines: readonly string[], at: number): Reading[] {
  return [
    reading(`${name} lines`, String(lines.length), at),
    ...lines.map((l, i) => reading(`${name}[${i}]`, l, at)),
  ];
}

/** `dmesg` as lines. */
const dmesgLines = (m: Machine) => m.dmesg().replace(/\n$/, "").split("\n").filter((l) => l !== "");

/** Every reader the rig's scripts use. */
export const READERS: Readonly<Record<string, Reader>> = {
  snap: {
    render: (g) => snap(g.machine),
    parse: (text, at) => parseSnapshot(text, at).readings,
  },
  states: {
    render: (g) => cat(g.machine, `${CPU}/hotplug/states`),
    parse: (text, at) => {
      const out = text.map((l, i) => {
        const m = /^\s*(-?\d+): (.*)$/.exec(l);
        return m ? reading(`state ${m[1]}`, m[2], at + i) : reading("states line", l, at + i);
      });
      return [
        reading("states numbers", text.map((l) => l.trim().split(":")[0]).join(" "), at),
        ...out,
      ];
    },
  },
  timer_list: {
    render: (g) => cat(g.machine, "/proc/timer_list"),
    parse: (text, at) => {
      const out: Reading[] = [];
      text.forEach((l, i) => {
        if (/^(Timer List Version|HRTIMER_MAX_CLOCK_BASES):/.test(l)) {
          out.push(reading(l.split(":")[0], l, at + i));
        }
      });
      // The tick-device part: from the broadcast device's block to the end (the per-CPU hrtimer
      // bases before it are not modelled; docs/model.md §Fidelity).
      const start = text.findIndex((l, i) =>
        l.startsWith("Tick Device:") && text[i + 1] === "Broadcast device"
      );
      if (start >= 0) {
        tickLines(
          text.slice(start).filter((l, i, all) =>
            !(l === "" && all[i - 1]?.startsWith("tick_broadcast_oneshot_mask"))
          ),
          at + start,
          out,
        );
      }
      return out;
    },
  },
  tick_device: {
    render: (g, arg) => tickDevice(g.machine, arg),
    parse: (text, at) => {
      const out: Reading[] = [];
      tickLines(text, at, out);
      return out;
    },
  },
  clockevents: {
    render: (g) => [
      ...clockeventDirs(g.machine).map((d) =>
        `${d}: ${cat1(g.machine, `${CE}/${d}/current_device`)}`
      ),
      `broadcast: ${cat1(g.machine, `${CE}/broadcast/current_device`)}`,
    ],
    parse: (text, at) =>
      parseSnapshot(
        ["--- clockevents (per clockeventN/current_device + broadcast)", ...text],
        at - 1,
      ).readings.slice(1),
  },
  file: { render: (g, arg) => cat(g.machine, arg), parse: perArg },
  // ops.sh: `cat /proc/sys/kernel/printk | tr -s ' \t' ' '`.
  printk: {
    render: (g) => [cat1(g.machine, "/proc/sys/kernel/printk").replace(/[ \t]+/g, " ")],
    parse: keyed("/proc/sys/kernel/printk"),
  },
  uname_r: {
    render: (g) => cat(g.machine, "/proc/sys/kernel/osrelease"),
    parse: keyed("uname -r"),
  },
  uname_a: {
    render: (
      g,
    ) => [
      `Linux (none) ${cat1(g.machine, "/proc/sys/kernel/osrelease")} ${
        cat1(g.machine, "/proc/sys/kernel/version")
      } x86_64 GNU/Linux`,
    ],
    parse: keyed("uname -a"),
  },
  nproc: {
    render: (g) => [String(g.machine.cpus().filter((c) => c.online).length)],
    parse: keyed("nproc"),
  },
  hypervisor_type: {
    render: (g) =>
      g.machine.stat("/sys/hypervisor/type") === "file"
        ? cat(g.machine, "/sys/hypervisor/type")
        : ["(no /sys/hypervisor/type)"],
    parse: keyed("/sys/hypervisor/type"),
  },
  sys_hypervisor: {
    render: (
      g,
    ) => [
      ...(g.machine.stat("/sys/hypervisor") === "directory"
        ? g.machine.readDir("/sys/hypervisor").map((e) => e.name)
        : []),
      ...cat(g.machine, "/sys/hypervisor/type"),
    ],
    parse: keyed("/sys/hypervisor"),
  },
  // `cat set_ftrace_filter` (trace.sh's boot-time block).
  ftrace_filter: {
    render: (g) => cat(g.machine, "/sys/kernel/tracing/set_ftrace_filter").filter((l) => l !== ""),
    parse: (text, at) => sequence("set_ftrace_filter", text, at),
  },
  // `cat trace | grep -v '^#'`: compared task by task (lib/fidelity/trace.ts, in replay).
  trace: {
    render: (g) =>
      cat(g.machine, "/sys/kernel/tracing/trace").filter((l) => l !== "" && !l.startsWith("#")),
    parse: () => [],
  },
  vmbus_devices: {
    // `ls /sys/bus/vmbus/devices`: the bus exists from vmbus_bus_init() on, so not when
    // hv_vmbus oopsed in its ACPI probe, which runs first; the rig's host offers no channels,
    // so the directory is empty when it exists.
    render: (g) =>
      g.machine.snapshot().vmbus.up
        ? []
        : ["ls: /sys/bus/vmbus/devices: No such file or directory"],
    parse: keyed("ls /sys/bus/vmbus/devices"),
  },
  module_line: {
    render: (
      g,
      arg,
    ) => [
      (g.machine.stat("/proc/modules") === "file"
        ? g.machine.read("/proc/modules").split("\n").find((l) => l.startsWith(`${arg} `))?.split(
          " ",
        ).slice(0, 3).join(" ")
        : "") ?? "",
    ],
    parse: (text, at, arg) => [reading(`/proc/modules ${arg}`, text.join(""), at)],
  },
  config: {
    // ops.sh greps these symbols out of the config file.
    render: (g) => g.machine.kconfig().filter((l) => CONFIG_GREP.test(l)),
    parse: (text, at) =>
      text.map((l, i) => reading(`config ${/CONFIG_\w+/.exec(l)?.[0] ?? l}`, l, at + i)),
  },
  kallsyms: {
    // hotplug.sh: grep -E ' (hv_stimer_alloc|…)$' /proc/kallsyms | awk '{print $2, $3}'.
    render: (g) =>
      g.machine.stat("/proc/kallsyms") !== "file" ? [] : cat(g.machine, "/proc/kallsyms")
        .map((l) => l.split(" "))
        .filter((f) => KALLSYMS_GREP.test(f[2] ?? ""))
        .map((f) => `${f[1]} ${f[2]}`),
    parse: (text, at) =>
      text.map((l, i) => reading(`kallsyms ${l.split(" ")[1]}`, l.split(" ")[0], at + i)),
  },
  state_number: {
    render: (g, arg) => {
      const line = cat(g.machine, `${CPU}/hotplug/states`).find((l) =>
        l.replace(/^\s*-?\d+: /, "") === arg
      );
      return [line ? line.trim().split(":")[0] : ""];
    },
    parse: (text, at, arg) => [reading(`state number of ${arg}`, text.join(""), at)],
  },
  dmesg_since: {
    render: (g) => dmesgLines(g.machine).slice(g.dmesgMark),
    parse: (text, at) => sequence("dmesg", timedLines(text), at),
  },
  dmesg_tail: {
    // `dmesg | tail -n N`: N counts every line, and hvtick writes only the lines of the subsystems
    // it models, so the window is sized by the compared lines the log's tail holds.
    render: (g, _arg, expected) => {
      const want = timedLines(expected).length;
      const mine = dmesgLines(g.machine).filter((l) => timedLines([l]).length === 1);
      return want === 0 ? [] : mine.slice(-want);
    },
    parse: (text, at) => sequence("dmesg tail", timedLines(text), at),
  },
  dmesg_grep: {
    render: (g) =>
      dmesgLines(g.machine).filter((l) =>
        /hyper|stimer|clockevent|lapic|tsc|vmbus|clocksource|tick|apic timer|hv_|synic/i.test(l)
      ),
    parse: (text, at) => sequence("dmesg grep", timedLines(text), at),
  },
  dmesg_full: {
    // The model's untimed lines count only where the real log has some: a short run may end
    // before the moment comes (k6.8-hv-direct-partial.log: no task armed an hrtimer on CPU2).
    render: (g, _arg, expected) => {
      const mine = dmesgLines(g.machine);
      if (splitUntimed(relevantLines(expected)).untimed.length > 0) return mine;
      return mine.filter((l) => splitUntimed(relevantLines([l])).untimed.length === 0);
    },
    // The untimed lines (lib/fidelity/dmesg.ts UNTIMED) as their own sequence, where there are any.
    parse: (text, at) => {
      const { timed, untimed } = splitUntimed(relevantLines(text));
      return [
        ...sequence("dmesg", timed, at),
        ...untimed.map((l, i) => reading(`dmesg untimed[${i}]`, l, at)),
      ];
    },
  },
  console_text: {
    // What the serial console printed last (the records below the console log level).
    render: (g, _arg, expected) => {
      const want = relevantLines(expected).length;
      const console = g.machine.console().replace(/\n$/, "").split("\n").filter((l) => l !== "");
      return want === 0 ? [] : console.filter((l) => relevantLines([l]).length === 1).slice(-want);
    },
    parse: (text, at) => sequence("console", relevantLines(text), at),
  },
};
