/**
 * The values a reading may differ in from run to run on the same kernel, and so are not compared:
 * each rule names the readings it covers, says what replaces the value, and why. These are the
 * only exclusions; docs/model.md §Fidelity lists them too. Kernel-log lines have their own masks
 * (lib/fidelity/dmesg.ts).
 *
 * @module
 */

/** What the harness knows of a log's machine when it applies the rules. */
export interface ExclusionContext {
  /** The host offers the Hyper-V frequency MSRs (the LAPIC timer's rate is read, not measured). */
  readonly lapicFrequencyKnown: boolean;
  /**
   * CPUs (`CPU2`) whose LAPIC stood in as tick device only inside a failed hotplug write since the
   * previous snapshot (the model's tick device was not the LAPIC before or after the write).
   */
  readonly lapicStoodIn?: ReadonlySet<string>;
  /**
   * CPUs (`CPU0`) whose tick device was still the LAPIC when the log's userspace started (5.4 with
   * VMbus: until `hv_vmbus` is loaded).
   */
  readonly lapicInUserspace?: ReadonlySet<string>;
  /** A hibernation image was restored since the previous snapshot (the counts are another boot's). */
  readonly restored?: boolean;
  /** The model's online CPUs' tick devices are not all in the same mode (periodic, oneshot). */
  readonly tickModesDiffer?: boolean;
  /**
   * CPUs (`cpu2`) that the model has idling with their tick stopped (online below `sched:active`:
   * lib/time/tick_nohz_idle.ts).
   */
  readonly tickStopped?: ReadonlySet<string>;
}

/** One rule. */
export interface Exclusion {
  /** Short id, shown in reports. */
  readonly id: string;
  /** The reading keys it covers. */
  readonly keys: RegExp;
  /** When it applies to a reading `key` (always, if absent). */
  readonly when?: (c: ExclusionContext, key: string) => boolean;
  /** The part of the value that is run-dependent (the whole value, if absent). */
  readonly value?: RegExp;
  /** Why the value differs from run to run. */
  readonly reason: string;
  /**
   * Applied where the readings are made rather than by {@linkcode compared} (the ftrace masks,
   * lib/fidelity/trace.ts): listed here so that every exclusion is in one list.
   */
  readonly appliedBy?: string;
}

/** Every exclusion rule. */
export const EXCLUSIONS: readonly Exclusion[] = [
  {
    id: "next_event",
    keys: /^tick \S+ next_event:$/,
    value: /-?\d+(?= nsecs$)/,
    reason: "the expiry of the next timer: depends on the moment the file is read",
  },
  {
    id: "retries",
    keys: /^tick \S+ retries:$/,
    value: /\d+$/,
    reason: "clockevents_program_min_delta() retries: depends on interrupt timing",
  },
  {
    id: "lapic-calibration",
    keys: /^tick \S+ (?:mult|max_delta_ns|min_delta_ns):$/,
    when: (c) => !c.lapicFrequencyKnown,
    value: /\d+$/,
    reason:
      "without the Hyper-V frequency MSRs the LAPIC timer is calibrated against the PIT/HPET " +
      "at boot (arch/x86/kernel/apic/apic.c calibrate_APIC_clock), so its rate is measured",
  },
  {
    id: "lapic-stand-in",
    keys: /^interrupts LOC CPU\d+ moved$/,
    when: (c, key) => c.lapicStoodIn?.has(key.split(" ")[2]) ?? false,
    reason: "a failed hotplug write rolled back through hv_synic_cleanup() and hv_synic_init() " +
      "(legacy stimer): the LAPIC is the CPU's tick device for the few milliseconds between " +
      "them, and whether its tick falls in that window varies (three runs of " +
      "pub-k5.10-hv-legacy-vmbus-failhvinit's operations on 5.10.262: LOC on CPU2 moved in one)",
  },
  {
    id: "idle-tick-stop",
    keys: /^tick cpu\d+ mode:$/,
    when: (c, key) => c.tickStopped?.has(key.split(" ")[1]) ?? false,
    value: /\b[34]$/,
    reason: "a CPU idling with its tick stopped programs its device for its next timer-wheel " +
      "event (ONESHOT, 3) or, with none, stops it (ONESHOT_STOPPED, 4); in 5.4.301 that may be a " +
      "bucket left marked pending when the CPU's timers were migrated at its death " +
      "(kernel/time/timer.c:1989-2014), so either mode follows from the run: nine runs of " +
      "k5.4-hv-direct-failprep's operations left CPU2 in mode 3 (53-120 s ahead) five times, in " +
      "mode 4 four times; hvtick models no timer-wheel timers and prints 4",
  },
  {
    id: "trace-need-resched",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "the need-resched flag column: whether a wakeup is pending at that instant",
  },
  {
    id: "trace-worker",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "which pool worker (kworker/0:0-7, kworker/0:1-17, …) picks up work_on_cpu()'s item",
  },
  {
    id: "trace-loader",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "the process that loads a module (the rig's `insmod`, a child of its /init): its " +
      "PID follows from how many processes the guest ran before it (insmod-130 in both 5.4.301 " +
      "VMbus trace logs), its CPU from where the scheduler placed it ([003] and [002]); hvtick " +
      "loads modules with `modprobe`, as a stand-in child of the shell",
  },
  {
    id: "trace-unbound-cpu",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "the CPU column of PID 1 (kernel_init, then the rig's /init): the scheduler places it",
  },
  {
    id: "trace-hardirq",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "in a hard interrupt, the task and preemption depth columns are those of whatever " +
      "the CPU was running when the interrupt came",
  },
  {
    id: "trace-comm-cache",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "`<...>` where the trace's saved_cmdlines cache holds no name for the PID (5.10's " +
      "stopper threads): whether a sched_switch recorded it depends on earlier switches",
  },
  {
    id: "trace-nohz-idle",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "an idle CPU stopping and restarting its LAPIC tick between two hotplug steps " +
      "(NO_HZ idle), which depends on how long it idles there",
  },
  {
    id: "trace-oneshot-stopped",
    keys: /^trace /,
    appliedBy: "lib/fidelity/trace.ts",
    reason: "the dying CPU's LAPIC going ONESHOT_STOPPED when its tick is cancelled: only if no " +
      "other hrtimer is queued on that CPU at that moment",
  },
  {
    id: "boot-irq0-across-restore",
    // IRQ 0 is delivered to CPU0 only: the other CPUs' columns stay 0 in every boot.
    keys: /^interrupts 0 CPU0 moved$/,
    when: (c) => c.restored === true,
    reason: "IRQ 0 (the IO-APIC timer) counts only while a kernel boots, until CPU0's own timer " +
      "takes over, and how many it counts varies from boot to boot (5.10 logs: 43 to 68). " +
      "Across a restore the previous snapshot's count is the resume boot's and the next one the " +
      "image's boot's: which is larger is a matter of two runs' timing",
  },
  {
    id: "lapic-ticks-across-restore",
    keys: /^interrupts LOC CPU\d+ moved$/,
    when: (c, key) => c.restored === true && (c.lapicInUserspace?.has(key.split(" ")[2]) ?? false),
    reason: "across a restore LOC's previous count is the resume boot's and the next one the " +
      "image's boot's; where the LAPIC was still the CPU's tick device in userspace (5.4 " +
      "registers the stimer only from hyperv/vmbus:online: 5.4.301 drivers/hv/hv.c:205 in " +
      "hv_synic_init), each is seconds of NO_HZ-idle ticks, which stop while the CPU idles and " +
      "so follow each run's activity: the image's count is the larger on CPU3 only in " +
      "k5.4-hv-direct-vmbus-hibernate(-verbose)-resume.log, on CPU1 only in " +
      "k5.4-hv-legacy-vmbus-hibernate-resume.log",
  },
  {
    id: "reader-cpu-tick-mode",
    keys: /^available_clocksource$/,
    when: (c) => c.tickModesDiffer === true,
    value: /(?:refined-jiffies )?(?:jiffies )?$/,
    reason: "available_clocksource_show() hides the clocksources not valid for high resolution " +
      "(jiffies, refined-jiffies) when the tick of the CPU that reads the file is in oneshot " +
      "mode (tick_oneshot_mode_active() reads this CPU's tick device, 6.8.1 kernel/time/clocksource.c:1443-1453, tick-oneshot.c:106-116); with CPUs " +
      "in both modes (a 6.8.1 CPU back from hrtimers:prepare stays periodic) the list follows " +
      "the CPU the scheduler ran `cat` on (k6.8-hv-direct-target-onback.log: CPU2, the one " +
      "that printed the enqueue_hrtimer warning)",
  },
  {
    id: "function-call-ipis",
    keys: /^interrupts CAL CPU\d+ (?:moved|nonzero)$/,
    reason: "function-call IPIs come from the guest's own processes (TLB shootdowns, the rig's " +
      "shell), not from timekeeping; hvtick does not model them",
  },
];

/**
 * A reading's value as compared: the run-dependent part of an excluded value replaced by
 * `<id>`; null when the whole reading is excluded.
 *
 * @example
 * ```ts
 * import { compared } from "./exclusions.ts";
 * import assert from "node:assert/strict";
 * const c = { lapicFrequencyKnown: true };
 * assert.equal(compared("tick cpu2 next_event:", " next_event:     4780000000 nsecs", c), " next_event:     <next_event> nsecs");
 * assert.equal(compared("clockevent2", "lapic", c), "lapic");
 * assert.equal(compared("interrupts CAL CPU0 moved", "yes", c), null);
 * ```
 */
export function compared(key: string, value: string, c: ExclusionContext): string | null {
  for (const e of EXCLUSIONS) {
    if (e.appliedBy || !e.keys.test(key) || (e.when && !e.when(c, key))) continue;
    if (!e.value) return null;
    value = value.replace(e.value, `<${e.id}>`);
  }
  return value;
}
