/**
 * A kdump capture kernel's boot on Hyper-V (fff7b5e6ee63, "x86/hyperv: Initialize clockevents
 * after LAPIC is initialized", v5.11, 5.10.10). The crashing kernel's `machine_crash_shutdown()`
 * is `hv_machine_crash_shutdown()` → `native_machine_crash_shutdown()` → `lapic_shutdown()`
 * (v5.5-rc5 arch/x86/kernel/cpu/mshyperv.c:140-144, arch/x86/kernel/crash.c:181,
 * arch/x86/kernel/apic/apic.c:1281-1295): the capture kernel starts with CPU0's LAPIC disabled,
 * and it stays so until `setup_local_APIC()` enables it (apic.c:1585-1699). The 5.5 line
 * registers CPU0's Direct Mode stimer before that: `apic_intr_mode_init()` →
 * `default_setup_apic_routing()` → `x86_platform.apic_post_init()` = `hyperv_init()` →
 * `hv_stimer_alloc()` → `cpuhp_setup_state()` runs `hv_stimer_init(0)`, which registers and
 * programs the device at once (probe_64.c:35-36, mshyperv.c:321, arch/x86/hyperv/hv_init.c:327,
 * drivers/clocksource/hyperv_timer.c:202), then `apic_bsp_setup()` → `setup_local_APIC()`
 * (apic.c:1467). "When the timer fires in the hypervisor, if the LAPIC is in the disabled state,
 * new versions of Hyper-V ignore the event and don't inject the timer interrupt into the VM, and
 * hence the VM hangs when it boots … more noticeable for kdump/kexec, because the LAPIC is disabled
 * by the first kernel" (the commit's message). The stimer has no periodic mode (ONESHOT only,
 * hyperv_timer.c:124): the periodic tick programs its next event from its interrupt, so the lost
 * first expiry stops CPU0's tick, and jiffies with it.
 *
 * @module
 */

import { type Kernel, ktime } from "../../engine/kernel.ts";
import type { Hang } from "../../engine/state.ts";
import { hasStimer } from "./stimer.ts";

/**
 * The state whose startup, `hv_stimer_init()`, registers a CPU's Direct Mode stimer.
 *
 * @example
 * ```ts
 * import { STIMER_STARTING } from "./kdump.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const states = vm({ kernel: "5.5", cpus: 2 }).build().read("/sys/devices/system/cpu/hotplug/states");
 * assert.match(states, new RegExp(`\\d+: ${STIMER_STARTING}\n`));
 * ```
 */
export const STIMER_STARTING = "clockevents/hyperv/stimer:starting";

/**
 * What the capture kernel's hang says first, which tells it from other hangs.
 *
 * @example
 * ```ts
 * import { KDUMP_LOST_TICK } from "./kdump.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ kernel: "5.5", cpus: 2 }).build();
 * m.run("kdump");
 * assert.ok(m.problems()[0].message.startsWith(KDUMP_LOST_TICK));
 * ```
 */
export const KDUMP_LOST_TICK = "the kdump capture kernel lost its first tick";

/**
 * The line registers the x86 Direct Mode stimer from `hyperv_init()` (the registrant
 * `…@hyperv_init`, 5.5 up to 5.10.9) rather than from `hv_stimer_setup_percpu_clockev()` (5.10.10
 * and later), so before `setup_local_APIC()`.
 *
 * @example
 * ```ts
 * import { stimerBeforeLapic } from "./kdump.ts";
 * import { createKernel } from "../../machine/kernel.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const on = (kernel: string) => createKernel(vm({ kernel, cpus: 2 }).build().snapshot());
 * assert.equal(stimerBeforeLapic(on("5.5")), true);
 * assert.equal(stimerBeforeLapic(on("5.10")), false);
 * ```
 */
export function stimerBeforeLapic(k: Kernel): boolean {
  return k.s.config.arch === "x86_64" && hasStimer(k) && k.direct &&
    k.line.registrantOrder.includes(`${STIMER_STARTING}@hyperv_init`);
}

/**
 * The capture kernel `k` (booted) after a crash: its hang where the stimer came before the
 * LAPIC (hvtick takes the side the commit reports: the first expiry falls while the LAPIC is
 * still disabled), else null.
 *
 * @example
 * ```ts
 * import { captureKernelHang } from "./kdump.ts";
 * import { createKernel } from "../../machine/kernel.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const on = (kernel: string) => createKernel(vm({ kernel, cpus: 2 }).build().snapshot());
 * assert.match(captureKernelHang(on("5.5"))!.reason, /LAPIC/);
 * assert.equal(captureKernelHang(on("5.10")), null);
 * ```
 */
export function captureKernelHang(k: Kernel): Hang | null {
  if (!stimerBeforeLapic(k)) return null;
  const state = k.steps.findIndex((s) => s.name === STIMER_STARTING);
  return {
    cpu: 0,
    state,
    stateName: STIMER_STARTING,
    callback: "hv_stimer_init",
    reason: `${KDUMP_LOST_TICK}: hyperv_init() (x86_platform.apic_post_init) registered and ` +
      `programmed CPU0's Direct Mode stimer before apic_bsp_setup() → setup_local_APIC() ` +
      `enabled the LAPIC, which the crashing kernel's lapic_shutdown() left disabled; Hyper-V ` +
      `ignores a stimer expiry while the LAPIC is disabled, and the one-shot stimer's periodic ` +
      `tick is reprogrammed only from its interrupt, so CPU0's tick and jiffies stop and the ` +
      `boot hangs (fff7b5e6ee63)`,
    symptom: "",
    time: ktime(k),
  };
}
