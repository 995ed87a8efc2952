/**
 * Every way the modelled kernel refuses a write or an operation, as data: the errno it returns,
 * why in the kernel's terms, and the kernel source of the check. A refusal site returns
 * {@linkcode refuse}`(id)`, so its errno and its reason cannot drift apart, and the shell prints
 * the reason as its `why:` line (tests/refusals_test.ts finds every errno a store returns and
 * fails for one without an entry here).
 *
 * @module
 */

import { E, type ErrnoName } from "./errno.ts";

/** One kind of refusal. */
export interface Refusal {
  /** The errno the kernel returns. */
  readonly errno: ErrnoName;
  /** Why, in the kernel's terms (one sentence, no trailing period). */
  readonly why: string;
  /** The kernel source of the check: file:line and release. */
  readonly source: string;
}

/**
 * The refusals, by id.
 *
 * @example
 * ```ts
 * import { REFUSALS } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(REFUSALS["fail-atomic"].errno, "EINVAL");
 * ```
 */
export const REFUSALS = {
  "kstrtobool": {
    errno: "EINVAL",
    why: "kstrtobool() reads only 1, y, Y, on (true) or 0, n, N, off (false)",
    // The model's kstrtobool (lib/util/kstrtox.ts) is 5.4's; later releases add t/T/f/F.
    source: "lib/kstrtox.c:339-374 (5.4.301)",
  },
  "kstrtoint-syntax": {
    errno: "EINVAL",
    why: "kstrtoint(buf, 10) reads only a decimal integer (a sign, digits, one newline)",
    source: "lib/kstrtox.c:259-270 (6.6.150)",
  },
  "kstrtoint-range": {
    errno: "ERANGE",
    why: "kstrtoint() found a number that does not fit in an int",
    source: "lib/kstrtox.c:267-268 (6.6.150)",
  },
  "hotplug-disabled": {
    errno: "EBUSY",
    why: "cpu_hotplug_disabled is set: a suspend or hibernation is in progress",
    source: "kernel/cpu.c:1520-1521, 1751-1753 (6.6.150)",
  },
  "last-cpu": {
    errno: "EBUSY",
    why: "_cpu_down() refuses when num_online_cpus() == 1: it is the last online CPU",
    source: "kernel/cpu.c:1438-1439 (6.6.150)",
  },
  "not-hotpluggable": {
    errno: "EPERM",
    why:
      "device_offline() refuses a CPU whose device has offline_disabled: on x86 CPU0 is not hotpluggable unless the kernel is booted with cpu0_hotplug",
    source: "drivers/base/core.c:4240-4241 (6.6.150)",
  },
  "target-range": {
    errno: "EINVAL",
    why: "target_store() accepts only a state from CPUHP_OFFLINE (0) to CPUHP_ONLINE",
    source: "kernel/cpu.c:2785-2787 (6.6.150, CONFIG_CPU_HOTPLUG_STATE_CONTROL)",
  },
  "target-intermediate": {
    errno: "EINVAL",
    why:
      "without CONFIG_CPU_HOTPLUG_STATE_CONTROL, target_store() accepts only CPUHP_OFFLINE (0) or CPUHP_ONLINE",
    source: "kernel/cpu.c:2789-2790 (6.6.150)",
  },
  "target-cant-stop": {
    errno: "EINVAL",
    why: "target_store(): that state has no name or is cant_stop, so no CPU can rest there",
    source: "kernel/cpu.c:2797-2801 (6.6.150)",
  },
  "target-dying": {
    errno: "EINVAL",
    why:
      "hvtick refuses a target from CPUHP_AP_IDLE_DEAD to CPUHP_AP_ONLINE: a dying CPU always dies, so the walk cannot stop there (cpuhp_report_idle_dead() would BUG)",
    source: "kernel/cpu.c:1394-1398 (6.6.150: cpuhp_report_idle_dead() BUG_ONs)",
  },
  "fail-range": {
    errno: "EINVAL",
    why:
      "fail_store() accepts only a state from CPUHP_OFFLINE (0) to CPUHP_ONLINE (or -1 from 6.1)",
    source: "kernel/cpu.c:2835-2841 (6.6.150)",
  },
  "fail-atomic": {
    errno: "EINVAL",
    why:
      "fail_store(): STARTING/DYING callbacks cannot fail (cpuhp_is_atomic_state()); they run with interrupts off on the CPU itself",
    source: "kernel/cpu.c:2843-2847 (6.6.150)",
  },
  "fail-dead": {
    errno: "EINVAL",
    why:
      "fail_store(): DEAD callbacks cannot fail, nor CPUHP_BRINGUP_CPU during hotunplug, while the CPU is above CPUHP_BRINGUP_CPU",
    source: "kernel/cpu.c:2849-2856 (6.6.150; from 6.1)",
  },
  "fail-no-callback": {
    errno: "EINVAL",
    why: "fail_store(): that state has neither a startup nor a teardown callback to fail",
    source: "kernel/cpu.c:2858-2866 (6.6.150)",
  },
  "unbind-name-length": {
    errno: "EINVAL",
    why: "sysfs_get_uname() refuses an empty name or one of CS_NAME_LEN (32) bytes or more",
    source: "kernel/time/clocksource.c:1351-1352 (6.6.150)",
  },
  "unbind-no-device": {
    errno: "ENODEV",
    why: "unbind_device_store(): no device on clockevent_devices has that name",
    source: "kernel/time/clockevents.c:698-707 (6.6.150)",
  },
  "unbind-not-tick-device": {
    errno: "EBUSY",
    why:
      "__clockevents_try_unbind(): the device is in use but is not this CPU's tick device, so this CPU cannot unbind it",
    source: "kernel/time/clockevents.c:386-394 (6.6.150)",
  },
  "unbind-no-replacement": {
    errno: "EBUSY",
    why:
      "clockevents_replace(): no detached device that can serve this CPU is left to take over its tick",
    source: "kernel/time/clockevents.c:358-380 (6.6.150)",
  },
  "tracer-unknown": {
    errno: "EINVAL",
    why: "tracing_set_tracer(): this kernel has no tracer of that name (see available_tracers)",
    source: "kernel/trace/trace.c:6429-6430 (6.6.150)",
  },
  "tracing-on-syntax": {
    errno: "EINVAL",
    why: "rb_simple_write(): kstrtoul_from_user() found no number",
    source: "kernel/trace/trace.c:9189-9191 (6.6.150)",
  },
  "ftrace-no-match": {
    errno: "EINVAL",
    why:
      "ftrace_process_regex(): the word matches no traceable function (see available_filter_functions)",
    source: "kernel/trace/ftrace.c:5161-5171 (6.6.150)",
  },
  "events-enable-value": {
    errno: "EINVAL",
    why: "system_enable_write() accepts only 0 or 1",
    source: "kernel/trace/trace_events.c:1656-1665 (6.6.150)",
  },
  "power-state-unknown": {
    errno: "EINVAL",
    why: "state_store(): that is none of the states /sys/power/state lists",
    source: "kernel/power/main.c:688-712 (6.6.150)",
  },
  "disk-mode-unknown": {
    errno: "EINVAL",
    why: "disk_store(): that is none of the modes /sys/power/disk lists",
    source: "kernel/power/hibernate.c:1099-1143 (5.10)",
  },
  "disk-no-platform": {
    errno: "EINVAL",
    why:
      "disk_store(): platform needs platform hibernation ops (hibernation_ops), which this VM's firmware does not give",
    source: "kernel/power/hibernate.c:1099-1143 (5.10)",
  },
  "pm-test-unknown": {
    errno: "EINVAL",
    why: "pm_test_store(): that is none of the levels /sys/power/pm_test lists",
    source: "kernel/power/main.c:260-285 (5.10)",
  },
  "resume-no-device": {
    errno: "EINVAL",
    why: "resume_store(): that is no block device (/dev/NAME), MAJ:MIN or hex dev_t",
    source: "kernel/power/hibernate.c:1157-1183 (5.10)",
  },
  "resume-zero": {
    errno: "EINVAL",
    why:
      "resume_store(): name_to_dev_t() returns 0 for 0:0, which it takes as no device (up to 6.1)",
    source: "kernel/power/hibernate.c:1157-1183 (5.10)",
  },
  "image-size-syntax": {
    errno: "EINVAL",
    why: 'image_size_store(): sscanf(buf, "%lu") found no number',
    source: "kernel/power/hibernate.c:1216-1228 (5.10)",
  },
  "hibernate-cpu0-offline": {
    errno: "ENODEV",
    why:
      "bsp_pm_callback() refuses PM_HIBERNATION_PREPARE while CPU0 is offline (it prints CPU0 is offline.)",
    source: "arch/x86/power/cpu.c:333-337 (5.10)",
  },
  "hibernate-no-swap": {
    errno: "ENODEV",
    why:
      "swsusp_write(): find_first_swap() found no swap device to write the image to (swapon one first)",
    source: "kernel/power/swap.c:911-950 (5.10)",
  },
  "swapon-no-device": {
    errno: "ENOENT",
    why: "swapon(2): the path names no block device on this VM",
    source: "mm/swapfile.c:3029-3033 (6.6.150: file_open_name())",
  },
  "swapon-busy": {
    errno: "EBUSY",
    why: "swapon(2): the device is already a swap device (IS_SWAPFILE())",
    source: "mm/swapfile.c:3050-3051 (6.6.150)",
  },
  "vmbus-no-hyperv": {
    errno: "ENODEV",
    why: "hv_acpi_init(): hv_is_hyperv_initialized() is false: this is not a Hyper-V guest",
    source: "drivers/hv/vmbus_drv.c:2662-2663 (6.6.150)",
  },
  "vmbus-no-device": {
    errno: "ENODEV",
    why: "hv_acpi_init(): no VMBus ACPI device (hv_dev) was probed",
    source: "drivers/hv/vmbus_drv.c:2675-2677 (6.6.150)",
  },
  "vmbus-probe-timeout": {
    errno: "ETIMEDOUT",
    why: "hv_acpi_init(): no VMBus ACPI device was probed within 5 s (wait_for_completion_timeout)",
    source: "drivers/hv/vmbus_drv.c:2675-2677 (5.10.y)",
  },
} as const satisfies Record<string, Refusal>;

/** The id of a refusal in {@linkcode REFUSALS}. */
export type RefusalId = keyof typeof REFUSALS;

/**
 * What a refusing kernel path returns: the negative errno of the refusal and its id.
 *
 * @example
 * ```ts
 * import { refuse } from "./refusals.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(refuse("fail-atomic"), { ret: -22, refusal: "fail-atomic" });
 * ```
 */
export function refuse(id: RefusalId): { readonly ret: number; readonly refusal: RefusalId } {
  return { ret: -E[REFUSALS[id].errno], refusal: id };
}
