/**
 * The sysfs and procfs files hvtick models, as one table: each path pattern with its mode, read
 * and write handlers (sources per entry). Reads return the kernel's exact text; writes return 0 or
 * a negative errno and change nothing on error.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { deviceOnline, hotpluggable, type Outcome, walk } from "../hotplug/device.ts";
import { isAtomic } from "../engine/line.ts";
import { timerList } from "./timer_list.ts";
import { clockeventsTryUnbind, clockeventsUnbindDevice } from "../time/clockevents.ts";
import { availableClocksources, clocksourceName } from "../platform/hyperv/platform.ts";
import { listOrder } from "../time/list.ts";

/** What a write did. */
export interface WriteOutcome {
  /** 0 or a negative errno. */
  readonly ret: number;
  /** The hotplug walk it caused, if any. */
  readonly outcome?: Outcome;
}

/** One sysfs/procfs file. */
export interface SysfsFile {
  /** Path pattern; `N` groups are CPU numbers. */
  readonly pattern: RegExp;
  /** Example path, for listings and help. */
  readonly example: string;
  /** `ls -l` mode. */
  readonly mode: "0444" | "0644" | "0200" | "0400";
  /** Kernel source of the file. */
  readonly source: string;
  /** Writing it runs CPU hotplug (so it blocks while a hotplug operation is stuck). */
  readonly hotplug?: boolean;
  /** Whether the file exists for this CPU (default: yes). */
  exists?(k: Kernel, cpu: number): boolean;
  /** Reads it. */
  read?(k: Kernel, cpu: number): string;
  /** Writes it. */
  write?(k: Kernel, cpu: number, value: string): WriteOutcome;
}

/** `kstrtoint(buf, 10, &v)`: -EINVAL on junk, -ERANGE beyond int. */
function kstrtoint(value: string): number | { ret: number } {
  const m = /^([+-]?\d+)\n?$/.exec(value);
  if (!m) return { ret: -22 };
  const v = Number(m[1]);
  if (v > 2147483647 || v < -2147483648) return { ret: -34 };
  return v;
}

/** `kstrtobool()` (lib/kstrtox.c): y/Y/1 → true, n/N/0 → false, on/off; else -EINVAL. */
function kstrtobool(value: string): boolean | null {
  const v = value.replace(/\n$/, "");
  if (/^[yY1]/.test(v)) return true;
  if (/^[nN0]/.test(v)) return false;
  if (/^[oO][nN]/.test(v)) return true;
  if (/^[oO][fF]/.test(v)) return false;
  return null;
}

function cpulist(cpus: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; i++) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j;
  }
  return parts.join(",") + "\n";
}

const CPU = "/sys/devices/system/cpu";
const CE = "/sys/devices/system/clockevents";

/** Every modelled file. */
export const SYSFS: readonly SysfsFile[] = [
  {
    pattern: /^\/sys\/devices\/system\/cpu\/(online|offline|possible|present)$/,
    example: `${CPU}/online`,
    mode: "0444",
    source: "drivers/base/cpu.c (cpulist format)",
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/online$/,
    example: `${CPU}/cpu1/online`,
    mode: "0644",
    source: "drivers/base/core.c online_show/online_store; drivers/base/cpu.c",
    hotplug: true,
    exists: (k, cpu) => hotpluggable(k, cpu),
    read: (k, cpu) => `${k.s.cpus[cpu].devOffline ? 0 : 1}\n`,
    write: (k, cpu, value) => {
      const on = kstrtobool(value);
      if (on === null) return { ret: -22 };
      const outcome = deviceOnline(k, cpu, on);
      return { ret: outcome.ret, outcome };
    },
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/hotplug\/state$/,
    example: `${CPU}/cpu1/hotplug/state`,
    mode: "0444",
    source: "kernel/cpu.c show_cpuhp_state",
    read: (k, cpu) => `${k.s.cpus[cpu].state}\n`,
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/hotplug\/target$/,
    example: `${CPU}/cpu1/hotplug/target`,
    mode: "0644",
    source: "kernel/cpu.c show_cpuhp_target/write_cpuhp_target",
    hotplug: true,
    read: (k, cpu) => `${k.s.cpus[cpu].target}\n`,
    write: (k, cpu, value) => writeTarget(k, cpu, value),
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/hotplug\/fail$/,
    example: `${CPU}/cpu1/hotplug/fail`,
    mode: "0644",
    source: "kernel/cpu.c show_cpuhp_fail/write_cpuhp_fail",
    read: (k, cpu) => `${k.s.cpus[cpu].fail}\n`,
    write: (k, cpu, value) => writeFail(k, cpu, value),
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/hotplug\/states$/,
    example: `${CPU}/hotplug/states`,
    mode: "0444",
    source: 'kernel/cpu.c show_cpuhp_states ("%3d: %s\\n" for named steps)',
    read: (k) =>
      k.steps.filter((s) => s.name !== null).map((s) =>
        `${String(s.state).padStart(3)}: ${s.name}\n`
      )
        .join(""),
  },
  {
    pattern: /^\/sys\/devices\/system\/clockevents\/clockevent(\d+)\/current_device$/,
    example: `${CE}/clockevent1/current_device`,
    mode: "0444",
    source: "kernel/time/clockevents.c sysfs_show_current_tick_dev",
    read: (k, cpu) => {
      const id = k.s.cpus[cpu].tickDev;
      return id === null ? "" : `${k.s.devices[id].name}\n`;
    },
  },
  {
    pattern: /^\/sys\/devices\/system\/clockevents\/clockevent(\d+)\/unbind_device$/,
    example: `${CE}/clockevent1/unbind_device`,
    mode: "0200",
    source: "kernel/time/clockevents.c unbind_device_store",
    write: (k, cpu, value) => ({ ret: writeUnbind(k, cpu, value) }),
  },
  {
    pattern: /^\/sys\/devices\/system\/clockevents\/broadcast\/current_device$/,
    example: `${CE}/broadcast/current_device`,
    mode: "0444",
    source: "kernel/time/tick-broadcast.c tick_broadcast_dev sysfs (clockevents.c)",
    read: (k) => {
      const id = k.s.broadcast.dev;
      return id === null ? "" : `${k.s.devices[id].name}\n`;
    },
  },
  {
    pattern: /^\/sys\/devices\/system\/clocksource\/clocksource0\/current_clocksource$/,
    example: "/sys/devices/system/clocksource/clocksource0/current_clocksource",
    mode: "0444",
    source: "kernel/time/clocksource.c current_clocksource_show",
    read: (k) => `${clocksourceName(k)}\n`,
  },
  {
    pattern: /^\/sys\/devices\/system\/clocksource\/clocksource0\/available_clocksource$/,
    example: "/sys/devices/system/clocksource/clocksource0/available_clocksource",
    mode: "0444",
    source: "kernel/time/clocksource.c available_clocksource_show",
    read: (k) => availableClocksources(k),
  },
  {
    pattern: /^\/proc\/timer_list$/,
    example: "/proc/timer_list",
    mode: "0400",
    source: "kernel/time/timer_list.c",
    read: (k) => timerList(k),
  },
];

// The cpulist files share one row; their reader needs the matched name.
const CPULIST: Record<string, (k: Kernel) => number[]> = {
  online: (k) => k.s.cpus.filter((c) => c.online).map((c) => c.id),
  offline: (k) => k.s.cpus.filter((c) => !c.online).map((c) => c.id),
  possible: (k) => k.s.cpus.map((c) => c.id),
  present: (k) => k.s.cpus.map((c) => c.id),
};

// Each row's concrete paths: `head + cpu + tail` for per-CPU rows (the example split once at its
// CPU number), the example itself otherwise, and the four names of the cpulist row.
type Paths =
  | { readonly file: SysfsFile; readonly fixed: readonly string[] }
  | { readonly file: SysfsFile; readonly head: string; readonly tail: string };
const PATHS: readonly Paths[] = SYSFS.map((file) => {
  if (file === SYSFS[0]) {
    return { file, fixed: ["online", "offline", "possible", "present"].map((n) => `${CPU}/${n}`) };
  }
  const m = /(cpu|clockevent)1\//.exec(file.example);
  if (!file.pattern.source.includes("(\\d+)") || !m) return { file, fixed: [file.example] };
  return {
    file,
    head: file.example.slice(0, m.index + m[1].length),
    tail: file.example.slice(m.index + m[0].length - 1),
  };
});

function present(k: Kernel, file: SysfsFile, cpu: number): boolean {
  return cpu < k.s.config.cpus && (!file.exists || file.exists(k, cpu));
}

/**
 * Every concrete file of this machine, sorted: each table row's paths for every CPU the row
 * exists for.
 */
export function listFiles(k: Kernel): string[] {
  const out: string[] = [];
  for (const row of PATHS) {
    if ("fixed" in row) out.push(...row.fixed);
    else {
      for (let cpu = 0; cpu < k.s.config.cpus; cpu++) {
        if (present(k, row.file, cpu)) out.push(row.head + cpu + row.tail);
      }
    }
  }
  return out.sort();
}

/**
 * The entries of one directory as name → is-a-directory, or an empty map when `dir` is not a
 * directory. Walks only the rows under `dir`, so `ls /sys/devices/system/cpu` on 2048 vCPUs
 * costs its 2048 entries, not the tens of thousands of files below them. `firstOnly` stops at
 * the first entry (enough to tell a directory exists).
 */
export function directoryEntries(
  k: Kernel,
  dir: string,
  firstOnly = false,
): Map<string, boolean> {
  const prefix = dir.replace(/\/+$/, "") + "/";
  const out = new Map<string, boolean>();
  if (dir === "") return out;
  const add = (path: string) => {
    if (!path.startsWith(prefix)) return;
    const end = path.indexOf("/", prefix.length);
    out.set(end < 0 ? path.slice(prefix.length) : path.slice(prefix.length, end), end >= 0);
  };
  for (const row of PATHS) {
    if (firstOnly && out.size > 0) break;
    if ("fixed" in row) row.fixed.forEach(add);
    else if (prefix.startsWith(row.head)) {
      // Inside one CPU's directory: the number is the digits after the head, written plainly.
      const digits = /^\d+/.exec(prefix.slice(row.head.length))?.[0];
      const cpu = Number(digits);
      if (digits === String(cpu) && present(k, row.file, cpu)) add(row.head + cpu + row.tail);
    } else if (row.head.startsWith(prefix)) {
      const rest = row.head.slice(prefix.length);
      for (let cpu = 0; cpu < k.s.config.cpus; cpu++) {
        if (!present(k, row.file, cpu)) continue;
        // Above the per-CPU directories one entry stands for all of them.
        if (rest.includes("/")) {
          add(row.head + cpu + row.tail);
          break;
        }
        out.set(rest + cpu, true);
        if (firstOnly) break;
      }
    }
  }
  return out;
}

/** Finds the file for a path: the table row and the CPU (or cpulist name) it names. */
export function lookup(
  k: Kernel,
  path: string,
): { file: SysfsFile; cpu: number; read?: () => string } | null {
  for (const file of SYSFS) {
    const m = file.pattern.exec(path);
    if (!m) continue;
    if (file === SYSFS[0]) {
      return {
        file,
        cpu: -1,
        read: () => (m[1] === "offline" && CPULIST.offline(k).length === 0
          ? "\n"
          : cpulist(CPULIST[m[1]](k))),
      };
    }
    const cpu = m[1] === undefined || !/^\d+$/.test(m[1]) ? -1 : Number(m[1]);
    // sysfs names carry plain decimal numbers: cpu7 exists, cpu07 does not.
    if (cpu >= 0 && String(cpu) !== m[1]) return null;
    if (cpu >= k.s.config.cpus) return null;
    if (cpu >= 0 && file.exists && !file.exists(k, cpu)) return null;
    return { file, cpu };
  }
  return null;
}

/** `write_cpuhp_target()` (kernel/cpu.c:1922-1962), with the 6.1 equal-state no-op. */
function writeTarget(k: Kernel, cpu: number, value: string): WriteOutcome {
  const target = kstrtoint(value);
  if (typeof target !== "number") return target;
  const c = k.line.cpuhp;
  if (k.s.config.hotplugStateControl) {
    if (target < 0 || target > c.ONLINE) return { ret: -22 };
  } else if (target !== 0 && target !== c.ONLINE) return { ret: -22 };
  const step = k.steps[target];
  if (step.name === null || step.cantStop) return { ret: -22 };
  // Stopping between idle:dead and ap:online is not supported by the machinery: the dying CPU
  // always dies and cpuhp_report_idle_dead() BUG_ONs (reference §1.4). hvtick refuses it.
  if (target >= c.AP_IDLE_DEAD && target <= c.AP_ONLINE) return { ret: -22 };
  const st = k.s.cpus[cpu];
  if (k.line.rules.targetEqualNoop && st.state === target) return { ret: 0 };
  if (k.s.hotplugDisabled > 0) return { ret: -16 };
  const outcome = walk(k, cpu, target);
  return { ret: outcome.ret, outcome };
}

/** `write_cpuhp_fail()` (kernel/cpu.c:1972-2030; 6.1 accepts -1 and refuses armed DEAD states). */
function writeFail(k: Kernel, cpu: number, value: string): WriteOutcome {
  const fail = kstrtoint(value);
  if (typeof fail !== "number") return fail;
  const c = k.line.cpuhp;
  const st = k.s.cpus[cpu];
  if (k.line.rules.failAcceptsMinusOne && fail === -1) {
    st.fail = -1;
    return { ret: 0 };
  }
  if (fail < 0 || fail > c.ONLINE) return { ret: -22 };
  if (isAtomic(k.line, fail)) return { ret: -22 };
  const step = k.steps[fail];
  if (!step.startup && !step.teardown) return { ret: -22 };
  if (
    k.line.rules.failRejectsDeadAboveBringup && fail <= c.BRINGUP_CPU && st.state > c.BRINGUP_CPU &&
    step.teardown
  ) {
    return { ret: -22 };
  }
  st.fail = fail;
  return { ret: 0 };
}

/** `unbind_device_store()` (clockevents.c): first device of that name, from the list head. */
function writeUnbind(k: Kernel, cpu: number, value: string): number {
  if (value.length === 0 || value.length >= 32) return -22;
  const name = value.endsWith("\n") ? value.slice(0, -1) : value;
  for (const id of listOrder(k.s)) {
    const d = k.s.devices[id];
    if (d.name !== name) continue;
    const ret = clockeventsTryUnbind(k, d, cpu);
    return ret === -11 ? clockeventsUnbindDevice(k, d, cpu) : ret;
  }
  return -19;
}
