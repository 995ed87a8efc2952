/**
 * Kernel lines as data: each release's hotplug enum and static step table, and the behaviour
 * switches that differ between releases. Sources: reference kernel-hotplug-clockevents.md §1,
 * hyperv-stimer.md §1, and docs/model.md §Kernel lines.
 *
 * @module
 */

import type { CpuhpNumbers, KernelLine } from "../engine/line.ts";
import { ENUM_5_2, ENUM_5_4, ENUM_5_5, ENUM_6_1 } from "./enums.ts";
import { CORE_5_2, CORE_5_4, CORE_5_5, CORE_6_1 } from "./core_steps.ts";

/** Expands `NAME=+n` entries into n unnamed slots before NAME (e.g. `CPUHP_AP_ONLINE_DYN_END = DYN + 30`). */
function expand(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of names) {
    const m = /^(\w+)=\+(\d+)$/.exec(entry);
    if (!m) {
      out.push(entry);
      continue;
    }
    const base = out[out.length - 1];
    for (let i = 1; i < Number(m[2]); i++) out.push(`${base}+${i}`);
    out.push(m[1]);
  }
  return out;
}

function numbers(names: readonly string[]): CpuhpNumbers {
  const at = (id: string) => {
    const i = names.indexOf(id);
    if (i < 0) throw new Error(`internal: ${id} missing from enum`);
    return i;
  };
  const hv = names.indexOf("CPUHP_AP_HYPERV_TIMER_STARTING");
  return {
    ONLINE: at("CPUHP_ONLINE"),
    BRINGUP_CPU: at("CPUHP_BRINGUP_CPU"),
    AP_IDLE_DEAD: at("CPUHP_AP_IDLE_DEAD"),
    AP_OFFLINE: at("CPUHP_AP_OFFLINE"),
    AP_ONLINE: at("CPUHP_AP_ONLINE"),
    TEARDOWN_CPU: at("CPUHP_TEARDOWN_CPU"),
    AP_ONLINE_IDLE: at("CPUHP_AP_ONLINE_IDLE"),
    AP_ONLINE_DYN: at("CPUHP_AP_ONLINE_DYN"),
    AP_ONLINE_DYN_END: at("CPUHP_AP_ONLINE_DYN_END"),
    HYPERV_TIMER_STARTING: hv < 0 ? null : hv,
    ARM_ARCH_TIMER_STARTING: at("CPUHP_AP_ARM_ARCH_TIMER_STARTING"),
    DUMMY_TIMER_STARTING: at("CPUHP_AP_DUMMY_TIMER_STARTING"),
  };
}

const RULES_5 = {
  skipNullCallbacks: false,
  failAcceptsMinusOne: false,
  failRejectsDeadAboveBringup: false,
  targetEqualNoop: false,
} as const;

function line(
  def: Omit<KernelLine, "enumNames" | "cpuhp"> & { readonly enumDef: readonly string[] },
): KernelLine {
  const enumNames = expand(def.enumDef);
  const { enumDef: _, ...rest } = def;
  return { ...rest, enumNames, cpuhp: numbers(enumNames) };
}

/** The 5.4 line; 5.5 is derived from it. */
const LINE_5_4 = {
  id: "5.4",
  release: "v5.4.6",
  enumDef: ENUM_5_4,
  core: CORE_5_4,
  rules: RULES_5,
  // fd1fea6834d0 (5.3): hv_stimer_cleanup only shuts the stimer down, no unbind (S4, S5).
  stimer: { direct: "vmbus", cleanup: "shutdown" },
  arm64Stimer: true,
  pit: "apic_needs_pit",
  vmbusConnectCpuBusy: false,
  vmbusHibernation: true,
  timerList: "v0.8",
  pmPrefix: "PM: ",
  arm64: { psciKill: "polled", shutdownNotice: true },
} as const;

/** Every kernel line, by id. */
export const KERNEL_LINES: Readonly<Record<string, KernelLine>> = {
  "5.2": line({
    id: "5.2",
    release: "v5.2.1",
    enumDef: ENUM_5_2,
    core: CORE_5_2,
    rules: RULES_5,
    // drivers/hv/hv.c: hv_synic_init registers the stimer in both modes; hv_synic_cleanup unbinds
    // then shuts it down (hyperv-stimer §1, §3.1).
    stimer: { direct: "vmbus", cleanup: "unbind-then-shutdown" },
    arm64Stimer: true,
    pit: "always",
    vmbusConnectCpuBusy: false,
    vmbusHibernation: false,
    timerList: "v0.8",
    pmPrefix: "PM: ",
    arm64: { psciKill: "plain", shutdownNotice: true },
  }),
  "5.4": line(LINE_5_4),
  // 5.5 is 5.4 with its own tables and 4df4cb9e99's stimer placement.
  "5.5": line({
    ...LINE_5_4,
    id: "5.5",
    release: "v5.5 (tables read from v5.5-rc5)",
    enumDef: ENUM_5_5,
    core: CORE_5_5,
    // 4df4cb9e99: Direct Mode in CPUHP_AP_HYPERV_TIMER_STARTING; legacy unbinds (S1).
    stimer: { direct: "starting", cleanup: "direct-shutdown-else-unbind" },
  }),
  "6.1": line({
    id: "6.1",
    release: "v6.1 (tables read from v6.1-rc7)",
    enumDef: ENUM_6_1,
    core: CORE_6_1,
    rules: {
      skipNullCallbacks: true,
      failAcceptsMinusOne: true,
      failRejectsDeadAboveBringup: true,
      targetEqualNoop: false,
    },
    stimer: { direct: "starting", cleanup: "direct-shutdown-else-unbind" },
    arm64Stimer: false,
    pit: "apic_needs_pit",
    // 61:drivers/hv/hv.c:380-415: CPU0 is refused outright while connected.
    vmbusConnectCpuBusy: true,
    vmbusHibernation: true,
    timerList: "v0.9",
    pmPrefix: "PM: hibernation: ",
    arm64: { psciKill: "polled", shutdownNotice: false },
  }),
};

/** Kernel line ids, oldest first.  *
 * @example
 * ```ts
 * import { KERNEL_IDS } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(KERNEL_IDS, ["5.2", "5.4", "5.5", "6.1"]);
 * ```
 */
export const KERNEL_IDS: readonly string[] = Object.keys(KERNEL_LINES);
