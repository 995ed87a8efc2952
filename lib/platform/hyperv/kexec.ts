/**
 * `hv_machine_shutdown()` (arch/x86/kernel/cpu/mshyperv.c), the Hyper-V `machine_shutdown` hook
 * that `kernel_kexec()` calls: whether `hv_cpu_die()` runs on every CPU before the new kernel
 * starts, and so whether each CPU's VP assist page is disabled (the line's `kexecHvCpuDie`).
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";
import { hvCpuDie } from "./stimer.ts";

/** The x86 Hyper-V state whose startup, `hv_cpu_init()`, enables the CPU's VP assist page. */
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
