/**
 * The machine state: one value. Everything the simulator knows lives here; scheduling indexes and
 * tables are derived from it. A snapshot of it is plain, JSON-serialisable data; a running kernel
 * keeps its devices in a table of `Device`s (lib/engine/device_table.ts, device.ts), converted by
 * lib/time/device_form.ts.
 *
 * @module
 */

import type { MachineConfig } from "./config.ts";
import type { TraceEvent } from "./trace.ts";
import type { StopPoint } from "./observe.ts";

export type { StopPoint } from "./observe.ts";

/** `enum clock_event_state` (include/linux/clockchips.h, v5.5): what timer_list prints as ` mode:`.  *
 * @example
 * ```ts
 * import { CE_STATE } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(CE_STATE.ONESHOT, 3);
 * ```
 */
export const CE_STATE = {
  DETACHED: 0,
  SHUTDOWN: 1,
  PERIODIC: 2,
  ONESHOT: 3,
  ONESHOT_STOPPED: 4,
} as const;

/** A `clock_event_state` value. */
export type CeState = typeof CE_STATE[keyof typeof CE_STATE];

/** `CLOCK_EVT_FEAT_*` bits (include/linux/clockchips.h:46-68, v5.5).  *
 * @example
 * ```ts
 * import { FEAT } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(FEAT.C3STOP, 0x08);
 * ```
 */
export const FEAT = {
  PERIODIC: 0x01,
  ONESHOT: 0x02,
  KTIME: 0x04,
  C3STOP: 0x08,
  DUMMY: 0x10,
  DYNIRQ: 0x20,
  PERCPU: 0x40,
  HRTIMER: 0x80,
} as const;

/** `TICKDEV_MODE_PERIODIC` / `TICKDEV_MODE_ONESHOT` (kernel/time/tick-sched.h). */
export const TICKDEV_MODE = { PERIODIC: 0, ONESHOT: 1 } as const;

/** `TICK_DO_TIMER_NONE` / `TICK_DO_TIMER_BOOT` (kernel/time/tick-internal.h:13-14). */
export const TICK_DO_TIMER = { NONE: -1, BOOT: -2 } as const;

/** `KTIME_MAX` (2^63 - 1 ns) as a number; printed exactly as 9223372036854775807. */
export const KTIME_MAX = 9223372036854775807;

/** A device cpumask: one CPU number, or {@linkcode ALL_CPUS} for `cpu_possible_mask`. */
export const ALL_CPUS = -1;

/**
 * One registered `struct clock_event_device`, as a snapshot holds it (a running kernel's are
 * `Device`s, lib/engine/device.ts, which read the same).
 */
export interface DeviceState {
  /** Stable identity of the kernel struct: `kind:cpu` for per-CPU statics, `kind` otherwise. */
  id: string;
  /** Device template key (see lib/clockevents/devices.ts). */
  kind: string;
  /** `name`. */
  name: string;
  /** `features` bits. */
  features: number;
  /** `rating`. */
  rating: number;
  /** `cpumask`: a CPU number or ALL_CPUS. */
  mask: number;
  /** `state_use_accessors`. */
  state: CeState;
  /** `next_event` in ns of guest CLOCK_MONOTONIC (KTIME_MAX: none). */
  nextEvent: number;
  /** `mult`. */
  mult: number;
  /** `shift`. */
  shift: number;
  /** `min_delta_ns`. */
  minDeltaNs: number;
  /** `max_delta_ns`. */
  maxDeltaNs: number;
  /** `event_handler` symbol, or null before the core assigns one. */
  handler: string | null;
  /** `retries`. */
  retries: number;
  /** Whether it is a per-CPU struct (its cpumask is exactly `mask`). */
  perCpu: boolean;
  /** Hardware: whether the host delivers this device's interrupts at all. */
  hwFires: boolean;
  /** Hardware: the timer is enabled (Hyper-V STIMER0_CONFIG enable bit; driver shutdown clears it). */
  hwEnabled: boolean;
  /** Hardware: when the programmed interrupt is due (guest ns), or -1 when none is armed. */
  hwExpires: number;
  /** Hardware: period of a PERIODIC-state timer, ns. */
  hwPeriod: number;
  /** The CPU whose tick device it is; -1 when it is not a tick device (or is the broadcast device). */
  boundTo: number;
}

/** Per-CPU state: hotplug (`struct cpuhp_cpu_state`), tick device, hrtimer and Hyper-V bits. */
export interface CpuState {
  /** CPU number. */
  id: number;
  /** Set in `cpu_online_mask`. */
  online: boolean;
  /** `struct device.offline`: what `cpuN/online` shows (the device core's cached flag). */
  devOffline: boolean;
  /** `cpuhp_cpu_state.state`. */
  state: number;
  /** `cpuhp_cpu_state.target`. */
  target: number;
  /** `cpuhp_cpu_state.fail` (-1 unarmed). */
  fail: number;
  /** `tick_cpu_device.evtdev` (device id) or null. */
  tickDev: string | null;
  /** `tick_cpu_device.mode`. */
  tickMode: 0 | 1;
  /** `tick_sched.check_clocks` bit. */
  checkClocks: boolean;
  /** `hrtimer_cpu_base.hres_active`. */
  hres: boolean;
  /**
   * `hrtimer_cpu_base.online` is 0: `hrtimers_cpu_dying()` cleared it and neither
   * `hrtimers_prepare_cpu()` nor `hrtimers_cpu_starting()` has set it again (absent: 1, also
   * for a CPU never brought up; lib/time/hrtimer_base.ts).
   */
  hrtimersOffline?: true;
  /** `tick_sched.nohz_mode`. */
  nohzMode: 0 | 1 | 2;
  /** Expiry of the `tick_sched_timer` hrtimer (guest ns) while high-res, else -1. */
  schedExpires: number;
  /** Hyper-V SynIC registers enabled on this CPU. */
  synic: boolean;
  /** Tick interrupts this CPU handled (through its own device or a broadcast). */
  ticks: number;
}

/** A modelled hang: the machine stopped making progress. */
export interface Hang {
  /** CPU whose step cannot finish. */
  cpu: number;
  /** Hotplug state number of the step. */
  state: number;
  /** Hotplug step name. */
  stateName: string;
  /** The callback that waits. */
  callback: string;
  /** Why it cannot finish. */
  reason: string;
  /** What the user sees. */
  symptom: string;
  /** Guest time of the hang, ns. */
  time: number;
}

/** Something the simulation observed that a kernel engineer would want to know. */
export interface Problem {
  /** `hang`, `no-tick-window` (a CPU ran steps with no working tick device), `warn` or `bug`. */
  kind: "hang" | "no-tick-window" | "warn" | "bug";
  /** CPU concerned, or null. */
  cpu: number | null;
  /** Hotplug state concerned, or null. */
  state: number | null;
  /** One sentence. */
  message: string;
  /** Guest time, ns. */
  time: number;
}

/** A printk record. */
export interface LogRecord {
  /** Guest time, ns (what `dmesg` prints in brackets). */
  time: number;
  /** The line, without the timestamp. */
  text: string;
  /** Its log level (include/linux/kern_levels.h), when not `KERN_INFO` (6). */
  level?: number;
}

/**
 * kernel/power/'s knobs and the swap device, where they differ from the boot defaults (absent
 * entirely: all defaults, so fingerprints of machines that never touched them stay as they were).
 */
export interface PmState {
  /** `pm_test_level` (kernel/power/main.c `pm_tests[]`), when not `none`. */
  test?: "core" | "processors" | "platform" | "devices" | "freezer";
  /** `hibernation_mode` (kernel/power/hibernate.c), when set through `/sys/power/disk`. */
  mode?: "platform" | "shutdown" | "reboot" | "suspend" | "test_resume";
  /** `swsusp_resume_device` as `MAJOR:MINOR`, once written to `/sys/power/resume`. */
  resume?: string;
  /** `image_size`, bytes (an unsigned long, in decimal), once written to `/sys/power/image_size`. */
  imageSize?: string;
  /** The block device `swapon` enabled, as `MAJOR:MINOR` (mm/swapfile.c `swap_info`). */
  swapon?: string;
}

/**
 * One entry of the ftrace ring buffer as `trace` prints it (kernel/trace/trace_output.c
 * `trace_print_context`, `trace_print_lat_fmt`).
 */
export interface FtraceEntry {
  /** Trace clock, guest ns. */
  time: number;
  /** The CPU whose buffer holds it (the executing CPU). */
  cpu: number;
  /** The task's comm. */
  comm: string;
  /** The task's pid. */
  pid: number;
  /** The latency-format flags (`d..1.`), in the release's width. */
  flags: string;
  /** The event text after `TIMESTAMP: ` (`hv_ce_shutdown <-__clockevents_exchange_device`). */
  text: string;
}

/** The tracing instance's settings and buffer (tracefs, kernel/trace/). History, like dmesg. */
export interface FtraceState {
  /** `current_tracer`. */
  tracer: "nop" | "function";
  /** `set_ftrace_filter`: the functions the function tracer traces (none: every traceable one). */
  filter: string[];
  /** `tracing_on`. */
  on: boolean;
  /** Enabled event systems (`events/cpuhp/enable`). */
  events: string[];
  /** The ring buffer, oldest first. */
  entries: FtraceEntry[];
  /** Entries written since the buffer was last reset (`entries-written`). */
  written: number;
}

/** A dynamic or driver-registered hotplug step (`cpuhp_setup_state*`). */
export interface RegisteredStep {
  /** State number. */
  state: number;
  /** Name shown in `hotplug/states`. */
  name: string;
  /** Startup callback symbol, or null. */
  startup: string | null;
  /** Teardown callback symbol, or null. */
  teardown: string | null;
  /** Multi-instance state (`cpuhp_setup_state_multi`): callbacks run once per instance. */
  multi?: boolean;
  /** Its instances (multi-instance states). */
  instances?: number;
}

/**
 * The format tag of a machine snapshot. A snapshot of another format is refused: the model it was
 * taken from kept other state (format 5: the memory, virtio disk and swap in the config).
 *
 * @example
 * ```ts
 * import { MACHINE_FORMAT } from "./state.ts";
 * import assert from "node:assert/strict";
 * assert.match(MACHINE_FORMAT, /^hvtick-machine\/\d+$/);
 * ```
 */
export const MACHINE_FORMAT: MachineState["format"] = "hvtick-machine/5";

/**
 * A hotplug walk stopped in the middle: the state shows the kernel's own picture (the CPU's
 * `cpuhp_cpu_state` at the stop, the callbacks before it done); this says how to go on. The model's
 * walk is also a call stack (nested walks of `freeze_secondary_cpus()`, the operation's own
 * bookkeeping), so resuming runs the operation again from `before`, deterministically, to
 * `at.boundary` and on from there: the same engine, the same result as a run never stopped.
 */
export interface StoppedWalk {
  /** The operation, as a script writes it. */
  operation: string;
  /** The machine before the operation began. */
  before: MachineState;
  /** Where it stopped. */
  at: StopPoint;
}

/** The whole machine. */
export interface MachineState {
  /** Schema tag. */
  format: "hvtick-machine/5";
  /** The validated configuration. */
  config: MachineConfig;
  /** Simulation time since boot, ns (never decreases until `reset()`). */
  now: number;
  /** Simulation time spent powered off (hibernated); guest CLOCK_MONOTONIC = now - offNs. */
  offNs: number;
  /** Simulation time at which the partition reference counter was last 0. */
  refEpoch: number;
  /** `system_state >= SYSTEM_RUNNING`: boot finished. */
  running: boolean;
  /** `on`, `hibernated` (powered off with an image) or `off` (powered off: `poweroff`). */
  power: "on" | "hibernated" | "off";
  /** The hang, if the machine is hung. */
  hang: Hang | null;
  /** `jiffies_64`. */
  jiffies: number;
  /** `tick_do_timer_cpu`. */
  doTimerCpu: number;
  /** `tick_next_period`, guest ns. */
  tickNextPeriod: number;
  /** `last_jiffies_update`, guest ns (0 until the first high-res switch). */
  lastJiffiesUpdate: number;
  /** Per-CPU state. */
  cpus: CpuState[];
  /** Registered clockevent devices by id: every snapshot's (a running kernel's are in `table`). */
  devices?: Record<string, DeviceState>;
  /** A running kernel's registered devices by device number (lib/engine/device_table.ts). */
  table?: (DeviceState | undefined)[];
  /**
   * `clockevent_devices`: id → insertion sequence, head highest (lib/engine/list.ts): every
   * snapshot's (a running kernel's devices hold their own, `Device.seq`).
   */
  ceList?: Record<string, number>;
  /** The next insertion sequence for `clockevent_devices`. */
  ceSeq: number;
  /** `clockevents_released`, head last. */
  released: string[];
  /** `tick_broadcast_device` and its masks. */
  broadcast: { dev: string | null; mode: 0 | 1; mask: number[]; oneshotMask: number[] };
  /** Registered hotplug steps beyond the static table, by state number. */
  registered: RegisteredStep[];
  /** `cpu_hotplug_disabled` count. */
  hotplugDisabled: number;
  /** VMbus: connected, and which CPUs have a channel bound (target_cpu). */
  vmbus: { up: boolean; connected: boolean; channels: number[] };
  /** CPUs offlined by the last `freeze_secondary_cpus()` (`frozen_cpus`). */
  frozenCpus: number[];
  /**
   * How the `kthread_park()` race resolves when a CPU without a working tick parks its threads
   * (docs/model.md §Hangs): absent, `wait_task_inactive()` finds the thread still queued and
   * sleeps (the default, a hang); "passes", the thread has already left the CPU. Absent rather
   * than "sleeps" so that the default leaves fingerprints as they were.
   */
  parkRace?: "passes";
  /**
   * `clockevent_devices` is corrupted: `dev` was `list_add()`ed while still listed, so forward
   * walks loop through it and never reach `lost`; `unlinked` once it left the list again (a
   * stale pointer still leads to it). Absent while the list is sound (lib/time/list_corruption.ts).
   */
  ceCorrupt?: { dev: string; lost: string[]; unlinked: boolean };
  /** Loaded modules, in load order (absent: none). */
  modules?: string[];
  /**
   * Of those, the ones whose init never returned (its task died in an oops): still in the module
   * list, in state COMING (`/proc/modules` "Loading", an oops's "hv_vmbus(+)"), their code in place.
   */
  loading?: string[];
  /**
   * The ACPI namespace mutex is held by a task that died in an oops (5.10's hv_vmbus probe under
   * QEMU, lib/machine/modules.ts): whatever needs it waits forever.
   */
  acpiNamespaceHeld?: true;
  /**
   * The hibernation image on the swap device (the whole state, log included, at snapshot time):
   * while hibernated, and after the VM is powered on again until the image is restored.
   */
  image: MachineState | null;
  /** kernel/power/ knobs and the swap device (absent: boot defaults). */
  pm?: PmState;
  /** `console_loglevel` once something changed it (`console_verbose()` in an oops); absent: the command line's. */
  consoleLoglevel?: number;
  /**
   * A hotplug walk stopped in the middle by a breakpoint or a step (lib/api/run_until.ts): what
   * resumes it. Absent while nothing is stopped.
   */
  walk?: StoppedWalk;
  /** Problems seen so far. */
  problems: Problem[];
  /** History: kernel log and trace buffer (not part of the fingerprint). */
  log: {
    dmesg: LogRecord[];
    dmesgBytes: number;
    trace: TraceEvent[];
    traceLost: number;
    /** Interrupt counts by `/proc/interrupts` row (`0`, `LOC`, `HVS`, `HYP`), per CPU (absent: none yet). */
    irqs?: Record<string, number[]>;
    /** The tracing instance (tracefs), absent until something configures or records. */
    ftrace?: FtraceState;
    /**
     * What the serial console printed: the records below the console log level, in order (absent:
     * none yet). The host's side of the VM: a restored image does not replace it.
     */
    console?: LogRecord[];
  };
}
