/**
 * The sysfs and procfs files hvtick models, as one table: each path pattern with its mode and the
 * show and store functions of the code that owns it (kernel/cpu.c's and the device core's in
 * lib/hotplug/sysfs.ts, clockevents.c's in lib/time/sysfs.ts, the clocksources', `/proc/timer_list`'s
 * view). Reads return the kernel's exact text; writes return 0 or a negative errno and change
 * nothing on error. The table only routes: what a write does is its owner's business.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { hotpluggable } from "../hotplug/device.ts";
import {
  cpuhpFailShow,
  cpuhpStateShow,
  cpuhpStatesShow,
  cpuhpTargetShow,
  CPULIST_NAMES,
  cpulistShow,
  onlineShow,
  onlineStore,
  writeCpuhpFail,
  writeCpuhpTarget,
} from "../hotplug/sysfs.ts";
import { broadcastDeviceShow, currentDeviceShow, unbindDeviceStore } from "../time/sysfs.ts";
import { availableClocksources, clocksourceName } from "../platform/hyperv/platform.ts";
import { timerList } from "./timer_list.ts";
import {
  hasKallsyms,
  kernelVersion,
  osrelease,
  printkLevels,
  procKallsyms,
  procModules,
} from "./proc.ts";
import { procInterrupts } from "./interrupts.ts";
import { ListFault } from "../time/list_corruption.ts";
import { listFaultHang } from "../hotplug/oops.ts";
import { TRACEFS_FILES } from "./tracefs_files.ts";
import { POWER_FILES } from "./power_files.ts";

export type { WriteOutcome } from "../hotplug/sysfs.ts";

export type { SysfsFile } from "./file.ts";
import type { SysfsFile } from "./file.ts";

const CPU = "/sys/devices/system/cpu";
const CE = "/sys/devices/system/clockevents";

/** Every modelled file. */
export const SYSFS: readonly SysfsFile[] = [
  ...CPULIST_NAMES.map((name): SysfsFile => ({
    pattern: new RegExp(`^/sys/devices/system/cpu/${name}$`),
    example: `${CPU}/${name}`,
    mode: "0444",
    source: "drivers/base/cpu.c (cpulist format)",
    read: (k) => cpulistShow(k, name),
  })),
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/online$/,
    example: `${CPU}/cpu1/online`,
    mode: "0644",
    source: "drivers/base/core.c online_show/online_store; drivers/base/cpu.c",
    hotplug: true,
    exists: hotpluggable,
    read: onlineShow,
    write: onlineStore,
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/hotplug\/state$/,
    example: `${CPU}/cpu1/hotplug/state`,
    mode: "0444",
    source: "kernel/cpu.c show_cpuhp_state",
    read: cpuhpStateShow,
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/hotplug\/target$/,
    example: `${CPU}/cpu1/hotplug/target`,
    mode: "0644",
    source: "kernel/cpu.c show_cpuhp_target/write_cpuhp_target",
    hotplug: true,
    read: cpuhpTargetShow,
    write: writeCpuhpTarget,
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/hotplug\/fail$/,
    example: `${CPU}/cpu1/hotplug/fail`,
    mode: "0644",
    source: "kernel/cpu.c show_cpuhp_fail/write_cpuhp_fail",
    read: cpuhpFailShow,
    write: writeCpuhpFail,
  },
  {
    pattern: /^\/sys\/devices\/system\/cpu\/hotplug\/states$/,
    example: `${CPU}/hotplug/states`,
    mode: "0444",
    source: 'kernel/cpu.c show_cpuhp_states ("%3d: %s\\n" for named steps)',
    read: cpuhpStatesShow,
  },
  {
    pattern: /^\/sys\/devices\/system\/clockevents\/clockevent(\d+)\/current_device$/,
    example: `${CE}/clockevent1/current_device`,
    mode: "0444",
    source: "kernel/time/clockevents.c sysfs_show_current_tick_dev",
    read: currentDeviceShow,
  },
  {
    pattern: /^\/sys\/devices\/system\/clockevents\/clockevent(\d+)\/unbind_device$/,
    example: `${CE}/clockevent1/unbind_device`,
    mode: "0200",
    source: "kernel/time/clockevents.c unbind_device_store",
    write: (k, cpu, value) => {
      try {
        return unbindDeviceStore(k, cpu, value);
      } catch (e) {
        if (!(e instanceof ListFault)) throw e;
        // The walk of a corrupted clockevent list never returns (lib/hotplug/oops.ts).
        const state = k.s.cpus[cpu].state;
        const hang = listFaultHang(k, cpu, state, e);
        k.s.hang = hang;
        k.s.problems.push({ kind: "hang", cpu, state, message: hang.reason, time: hang.time });
        return { ret: 0, outcome: { ret: 0, from: state, to: state, hang, changes: [] } };
      }
    },
  },
  {
    pattern: /^\/sys\/devices\/system\/clockevents\/broadcast\/current_device$/,
    example: `${CE}/broadcast/current_device`,
    mode: "0444",
    source: "kernel/time/tick-broadcast.c tick_broadcast_dev sysfs (clockevents.c)",
    read: broadcastDeviceShow,
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
    read: availableClocksources,
  },
  {
    pattern: /^\/proc\/sys\/kernel\/osrelease$/,
    example: "/proc/sys/kernel/osrelease",
    mode: "0444",
    source: "kernel/utsname_sysctl.c (uname -r)",
    read: osrelease,
  },
  {
    pattern: /^\/proc\/sys\/kernel\/version$/,
    example: "/proc/sys/kernel/version",
    mode: "0444",
    source: "kernel/utsname_sysctl.c (uname -v)",
    read: kernelVersion,
  },
  {
    pattern: /^\/proc\/sys\/kernel\/printk$/,
    example: "/proc/sys/kernel/printk",
    mode: "0644",
    source: "kernel/printk/sysctl.c (console_loglevel …)",
    read: printkLevels,
  },
  {
    pattern: /^\/proc\/kallsyms$/,
    example: "/proc/kallsyms",
    mode: "0444",
    source: "kernel/kallsyms.c (the build's Hyper-V timer symbols only)",
    exists: (k) => hasKallsyms(k),
    read: procKallsyms,
  },
  {
    pattern: /^\/proc\/interrupts$/,
    example: "/proc/interrupts",
    mode: "0444",
    source: "kernel/irq/proc.c show_interrupts, arch/x86/kernel/irq.c arch_show_interrupts",
    // The x86 rows only: arm64's (GIC interrupts, IPIs) are not modelled.
    exists: (k) => k.s.config.arch === "x86_64",
    read: procInterrupts,
  },
  {
    pattern: /^\/proc\/modules$/,
    example: "/proc/modules",
    mode: "0444",
    source: "kernel/module/procfs.c m_show",
    read: procModules,
  },
  ...TRACEFS_FILES,
  ...POWER_FILES,
  {
    pattern: /^\/proc\/timer_list$/,
    example: "/proc/timer_list",
    mode: "0400",
    source: "kernel/time/timer_list.c",
    read: timerList,
  },
];

// Each row's concrete paths: `head + cpu + tail` for per-CPU rows (the example split once at its
// CPU number), the example itself otherwise.
type Paths =
  | { readonly file: SysfsFile; readonly fixed: readonly string[] }
  | { readonly file: SysfsFile; readonly head: string; readonly tail: string };
const PATHS: readonly Paths[] = SYSFS.map((file) => {
  const m = /(cpu|clockevent)1\//.exec(file.example);
  if (!file.pattern.source.includes("(\\d+)") || !m) return { file, fixed: [file.example] };
  return {
    file,
    head: file.example.slice(0, m.index + m[1].length),
    tail: file.example.slice(m.index + m[0].length - 1),
  };
});

/** Whether a file of no CPU exists on this machine. */
function fixedPresent(k: Kernel, file: SysfsFile): boolean {
  return !file.exists || file.exists(k, -1);
}

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
    if ("fixed" in row) {
      if (fixedPresent(k, row.file)) out.push(...row.fixed);
    } else {
      for (let cpu = 0; cpu < k.s.config.cpus; cpu++) {
        if (present(k, row.file, cpu)) out.push(row.head + cpu + row.tail);
      }
    }
  }
  return out.sort();
}

/** One entry of a modelled directory, as `readDir()` reports it. */
export interface DirEntry {
  /** The entry's name (no slashes). */
  readonly name: string;
  /** Whether it is a directory. */
  readonly isDirectory: boolean;
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
    if ("fixed" in row) {
      if (fixedPresent(k, row.file)) row.fixed.forEach(add);
    } else if (prefix.startsWith(row.head)) {
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

/** Finds the file for a path: the table row and the CPU it names (-1 for a file of no CPU). */
export function lookup(k: Kernel, path: string): { file: SysfsFile; cpu: number } | null {
  for (const file of SYSFS) {
    const m = file.pattern.exec(path);
    if (!m) continue;
    const cpu = m[1] === undefined ? -1 : Number(m[1]);
    // sysfs names carry plain decimal numbers: cpu7 exists, cpu07 does not.
    if (cpu >= 0 && String(cpu) !== m[1]) return null;
    if (cpu >= k.s.config.cpus) return null;
    if (file.exists && !file.exists(k, cpu)) return null;
    return { file, cpu };
  }
  return null;
}

/**
 * Example paths of every file `read()`/`write()` model.
 *
 * @example
 * ```ts
 * import { paths } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(paths().includes("/proc/timer_list"));
 * ```
 */
export function paths(): string[] {
  return SYSFS.map((f) => f.example);
}
