/**
 * `hv_machine_shutdown()` (arch/x86/kernel/cpu/mshyperv.c), the Hyper-V `machine_shutdown` hook
 * that `kernel_kexec()` calls: whether `hv_cpu_die()` runs on every CPU before the new kernel
 * starts, and so whether each CPU's VP assist page is disabled (the line's `kexecHvCpuDie`).
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";
import { hvCpuDie } from "./stimer.ts";

/**
 * The x86 Hyper-V state whose startup, `hv_cpu_init()`, enables the CPU's VP assist page.
 *
 * @example
 * ```ts
 * import { HYPERV_INIT_STATE } from "./kexec.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const states = vm({ kernel: "6.8", cpus: 2 }).build().read("/sys/devices/system/cpu/hotplug/states");
 * assert.match(states, new RegExp(`\\d+: ${HYPERV_INIT_STATE}\n`));
 * ```
 */
export const HYPERV_INIT_STATE = "x86/hyperv_init:online";

/**
 * `hv_machine_shutdown()` with `kexec_in_progress`: `cpuhp_remove_state()` runs the teardown
 * `hv_cpu_die()` on every CPU that has the state (`dynamic-state`: 6.1.166 mshyperv.c:131-132;
 * `fixed-state`: 6.6.150 mshyperv.c:201-202), or nothing runs (`skipped`: 6.8.1
 * mshyperv.c:202-203 tests `hyperv_init_cpuhp > 0`, which the fixed state leaves 0; `none`:
 * 5.4.301 mshyperv.c:132-137 has no such call). Returns the CPUs whose VP assist page is still
 * enabled: every CPU at or above the state whose `hv_cpu_init()` ran and `hv_cpu_die()` did not.
 *
 * @example
 * ```ts
 * import { hvMachineShutdown } from "./kexec.ts";
 * import { createKernel } from "../../machine/kernel.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const on = (kernel: string) => createKernel(vm({ kernel, cpus: 2 }).build().snapshot());
 * assert.deepEqual(hvMachineShutdown(on("6.8")), [0, 1]);
 * assert.deepEqual(hvMachineShutdown(on("6.6")), []);
 * ```
 */
export function hvMachineShutdown(k: Kernel): number[] {
  const state = k.steps.findIndex((s) => s.name === HYPERV_INIT_STATE);
  if (state < 0) return [];
  const having = k.s.cpus.filter((c) => c.state >= state).map((c) => c.id);
  const removes = k.line.kexecHvCpuDie === "dynamic-state" ||
    k.line.kexecHvCpuDie === "fixed-state";
  if (!removes) return having;
  for (const cpu of having) hvCpuDie(k, cpu);
  return [];
}

/**
 * The callback a kexec'd kernel crashes in when the old kernel left VP assist pages enabled.
 *
 * @example
 * ```ts
 * import { VP_ASSIST_CRASH } from "./kexec.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ kernel: "6.8", cpus: 2 }).build();
 * m.run("kexec");
 * assert.match(m.problems()[0].message, /VP assist page/);
 * assert.equal(VP_ASSIST_CRASH, "hv_cpu_init");
 * ```
 */
export const VP_ASSIST_CRASH = "hv_cpu_init";

/**
 * Why the kexec'd kernel crashes, in the words of b9af6418279c's commit message, for the CPUs
 * `left` with their VP assist page enabled.
 *
 * @example
 * ```ts
 * import { vpAssistCrashReason } from "./kexec.ts";
 * import { createKernel } from "../../machine/kernel.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.8", cpus: 2 }).build().snapshot());
 * assert.match(vpAssistCrashReason(k, [0, 1]), /hyperv_init_cpuhp > 0/);
 * ```
 */
export function vpAssistCrashReason(k: Kernel, left: readonly number[]): string {
  const why = k.line.kexecHvCpuDie === "skipped"
    ? "hv_machine_shutdown() calls cpuhp_remove_state() only if hyperv_init_cpuhp > 0, which " +
      "the fixed CPUHP_AP_HYPERV_ONLINE state leaves 0, so hv_cpu_die() never ran"
    : "hv_machine_shutdown() does not remove the hotplug state (dfe94d4086e4 is 5.12), so " +
      "hv_cpu_die() never ran";
  const cpus = left.length > 1 ? `CPUs ${left.join(",")}` : `CPU${left[0]}`;
  return `${why} and the VP assist page stayed enabled on ${cpus}: when the kexec kernel tries to setup the VP assist page again, the ` +
    `hypervisor corrupts the memory region of the old VP assist page causing a panic in case ` +
    `the kexec kernel is using that memory elsewhere (b9af6418279c)`;
}
