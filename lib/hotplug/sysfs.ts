/**
 * The CPU hotplug files, as their owners define them: the device core's `cpuN/online`
 * (drivers/base/core.c, drivers/base/cpu.c), the cpulists (drivers/base/cpu.c) and the
 * `hotplug/` attributes and `hotplug/states` (kernel/cpu.c, which registers them beside its step
 * table). The file table (lib/files/table.ts) points at these show and store functions.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { CpuState } from "../engine/state.ts";
import { isAtomic } from "../engine/line.ts";
import { type RefusalId, refuse } from "../util/refusals.ts";
import { kstrtobool, kstrtoint } from "../util/kstrtox.ts";
import { deviceOnline, type Outcome, walk } from "./device.ts";

/** What a store did: 0 or a negative errno, and the hotplug walk it caused, if any. */
export interface WriteOutcome {
  /** 0 or a negative errno. */
  readonly ret: number;
  /** The hotplug walk it caused, if any. */
  readonly outcome?: Outcome;
  /** The kernel ran (and changed the machine) even though it failed (a hibernation that could not write). */
  readonly ran?: boolean;
  /** Why the kernel refused, when it refused before running anything (lib/util/refusals.ts). */
  readonly refusal?: RefusalId;
  /** Why a write that ran failed, when no hotplug walk says it (a hibernation's own reason). */
  readonly why?: string;
}

/** `online_show()`: the device core's cached `offline` flag. */
export function onlineShow(k: Kernel, cpu: number): string {
  return `${k.s.cpus[cpu].devOffline ? 0 : 1}\n`;
}

/** `online_store()`: `kstrtobool`, then `device_online()` / `device_offline()`. */
export function onlineStore(k: Kernel, cpu: number, value: string): WriteOutcome {
  const on = kstrtobool(value);
  if (on === null) return refuse("kstrtobool");
  const outcome = deviceOnline(k, cpu, on);
  return { ret: outcome.ret, outcome };
}

/**
 * The cpulist files of drivers/base/cpu.c (6.6: `cpu_attrs[]` at :227-231, `print_cpus_offline()`
 * at :246), by name: the `online` flag of the CPUs in the mask each prints, or null for every CPU.
 * Offline is possible and not online (`cpumask_andnot()`). hvtick's CPUs are all possible and
 * present, none disabled, so x86's `total_cpus` (arch/x86/kernel/smpboot.c:1313, 6.6) equals
 * `nr_cpu_ids` and the tail of `print_cpus_offline()` (CPUs at or above `nr_cpu_ids`) never
 * prints.
 */
const CPULISTS: Readonly<Record<string, boolean | null>> = {
  online: true,
  offline: false,
  possible: null,
  present: null,
};

/** The cpulist file names (`/sys/devices/system/cpu/NAME`). */
export const CPULIST_NAMES: readonly string[] = Object.keys(CPULISTS);

/**
 * `cpu/online`, `offline`, `possible`, `present`: the `%*pbl` list (`0-3,5`); an empty
 * `offline` prints just a newline (print_cpus_offline).
 */
export function cpulistShow(k: Kernel, name: string): string {
  return `${cpumaskList(k.s.cpus, CPULISTS[name])}\n`;
}

/**
 * What `%*pbl` prints for the mask of CPUs whose `online` flag is `online` (every CPU for null):
 * `bitmap_list_string()` (lib/vsprintf.c:1238, 6.6), the set bits as ranges, a single bit alone
 * (`5`), a run as `first-last`, comma-separated, nothing for an empty mask. One pass over the CPUs
 * with no call per CPU: a 2048-vCPU `cat` is a REPL command with a 1 ms target, timed in fresh
 * processes, where an unoptimised callback per CPU costs more than the old filter and map.
 *
 * @example
 * ```ts
 * import { cpumaskList } from "./sysfs.ts";
 * import assert from "node:assert/strict";
 * const cpus = [1, 1, 1, 1, 0, 1, 0, 1, 1, 0].map((on) => ({ online: on === 1 }));
 * assert.equal(cpumaskList(cpus, true), "0-3,5,7-8");
 * assert.equal(cpumaskList(cpus, false), "4,6,9");
 * assert.equal(cpumaskList(cpus, null), "0-9");
 * assert.equal(cpumaskList([], null), "");
 * ```
 */
export function cpumaskList(
  cpus: readonly Pick<CpuState, "online">[],
  online: boolean | null,
): string {
  let out = "";
  let rbot = -1;
  // One step past the last CPU closes a run that reaches it.
  for (let cpu = 0; cpu <= cpus.length; cpu++) {
    if (cpu < cpus.length && (online === null || cpus[cpu].online === online)) {
      if (rbot < 0) rbot = cpu;
      continue;
    }
    if (rbot < 0) continue;
    if (out !== "") out += ",";
    out += cpu - 1 === rbot ? `${rbot}` : `${rbot}-${cpu - 1}`;
    rbot = -1;
  }
  return out;
}

/**
 * CPU numbers in the kernel's cpulist format (`%*pbl`, lib/bitmap.c bitmap_print_to_pagebuf):
 * runs as ranges, comma-separated, ascending input.
 *
 * @example
 * ```ts
 * import { cpulistFormat } from "./sysfs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpulistFormat([0, 1, 2, 3, 5, 7, 8]), "0-3,5,7-8");
 * assert.equal(cpulistFormat([]), "");
 * ```
 */
export function cpulistFormat(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; i++) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j;
  }
  return parts.join(",");
}

/** `state_show()` (kernel/cpu.c). */
export function cpuhpStateShow(k: Kernel, cpu: number): string {
  return `${k.s.cpus[cpu].state}\n`;
}

/** `target_show()` (kernel/cpu.c). */
export function cpuhpTargetShow(k: Kernel, cpu: number): string {
  return `${k.s.cpus[cpu].target}\n`;
}

/** `fail_show()` (kernel/cpu.c). */
export function cpuhpFailShow(k: Kernel, cpu: number): string {
  return `${k.s.cpus[cpu].fail}\n`;
}

/** `states_show()` (kernel/cpu.c): `"%3d: %s\n"` for every named step. */
export function cpuhpStatesShow(k: Kernel): string {
  let out = "";
  for (const s of k.steps) {
    if (s.name !== null) out += `${String(s.state).padStart(3)}: ${s.name}\n`;
  }
  return out;
}

/** `write_cpuhp_target()` (kernel/cpu.c:1922-1962), with the 6.1 equal-state no-op. */
export function writeCpuhpTarget(k: Kernel, cpu: number, value: string): WriteOutcome {
  const target = kstrtoint(value);
  if (typeof target !== "number") return target;
  const c = k.line.cpuhp;
  if (k.s.config.hotplugStateControl) {
    if (target < 0 || target > c.ONLINE) return refuse("target-range");
  } else if (target !== 0 && target !== c.ONLINE) return refuse("target-intermediate");
  const step = k.steps[target];
  if (step.name === null || step.cantStop) return refuse("target-cant-stop");
  // Stopping between idle:dead and ap:online is not supported by the machinery: the dying CPU
  // always dies and cpuhp_report_idle_dead() BUG_ONs (reference §1.4). hvtick refuses it.
  if (target >= c.AP_IDLE_DEAD && target <= c.AP_ONLINE) return refuse("target-dying");
  const st = k.s.cpus[cpu];
  if (k.line.rules.targetEqualNoop && st.state === target) return { ret: 0 };
  if (k.s.hotplugDisabled > 0) return refuse("hotplug-disabled");
  const outcome = walk(k, cpu, target, undefined, k.line.cpuDownOnWorkqueue);
  return { ret: outcome.ret, outcome };
}

/** `write_cpuhp_fail()` (kernel/cpu.c:1972-2030; 6.1 accepts -1 and refuses armed DEAD states). */
export function writeCpuhpFail(k: Kernel, cpu: number, value: string): WriteOutcome {
  const fail = kstrtoint(value);
  if (typeof fail !== "number") return fail;
  const c = k.line.cpuhp;
  const st = k.s.cpus[cpu];
  if (k.line.rules.failAcceptsMinusOne && fail === -1) {
    st.fail = -1;
    return { ret: 0 };
  }
  if (fail < 0 || fail > c.ONLINE) return refuse("fail-range");
  if (isAtomic(k.line, fail)) return refuse("fail-atomic");
  const step = k.steps[fail];
  if (!step.startup && !step.teardown) return refuse("fail-no-callback");
  if (
    k.line.rules.failRejectsDeadAboveBringup && fail <= c.BRINGUP_CPU && st.state > c.BRINGUP_CPU &&
    step.teardown
  ) {
    return refuse("fail-dead");
  }
  st.fail = fail;
  return { ret: 0 };
}
