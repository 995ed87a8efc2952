/**
 * The invariants exploration checks, as one table: each is checked in every state and, unless it
 * says otherwise, before and after every hotplug callback inside an operation. Some are claims of
 * commit 4df4cb9e99 for its design (stimer Direct Mode as a STARTING-section state): on other
 * designs their violations are expected, and reported as such.
 *
 * @module
 */

import { guestMonotonic, type Kernel } from "../engine/kernel.ts";
import type { StepPoint } from "../engine/observe.ts";
import { type CpuState, type MachineState, TICKDEV_MODE } from "../engine/state.ts";
import { type Section, sectionOf } from "../engine/line.ts";
import { hasWorkingTick, tickDescription } from "../time/tick_handlers.ts";
import { hasStimer } from "../platform/hyperv/stimer.ts";
import { HYPERV_INIT_STATE, VP_ASSIST_CRASH } from "../platform/hyperv/kexec.ts";
import { KDUMP_LOST_TICK, STIMER_STARTING, stimerBeforeLapic } from "../platform/hyperv/kdump.ts";
import { stateName } from "../machine/info.ts";
import { HYPERV_INVARIANTS, stimerBelowLapic } from "./hyperv_invariants.ts";
import { deviceOf } from "../engine/device_table.ts";

/** Where an invariant is checked. */
export interface CheckPoint {
  /** The kernel (read only). */
  readonly k: Kernel;
  /** The hotplug step, or null between operations. */
  readonly step: StepPoint | null;
  /**
   * Time when the operation started: simulation ns and guest CLOCK_MONOTONIC ns; `booted` when
   * the state checked is a kernel's boot (a search's first state, or a kexec's).
   */
  readonly before: { readonly now: number; readonly monotonic: number; readonly booted?: boolean };
}

/** A built-in invariant. */
export interface BuiltinInvariant {
  /** The name `--invariant` takes. */
  readonly name: string;
  /** What it says, one line. */
  readonly description: string;
  /** Where the rule comes from. */
  readonly source: string;
  /**
   * Which hotplug steps it is checked at: every one, none (states only), or all but the atomic
   * STARTING/DYING steps of the hotplugged CPU (interrupts off, other CPUs held in stop_machine
   * on the way down, so nothing can observe the half-updated bookkeeping).
   */
  readonly during: "all" | "none" | "non-atomic";
  /** Whether the rule is checked between operations too. */
  readonly inStates: boolean;
  /**
   * Where in a walk it can be violated, when only at some of the steps it is checked at: before
   * (`enter`) or after (`exit`) the callback, in one section, at the callbacks named. Its check
   * returns null elsewhere (it tests the same); a search counts it checked there without calling
   * it (docs/model.md §Exploration, "Checks skipped").
   */
  readonly firesAt?: {
    readonly phase?: "enter" | "exit";
    readonly section?: Section;
    readonly callbacks?: readonly string[];
  };
  /** For a claim of one design: whether this machine has that design. */
  readonly claimedFor?: (k: Kernel) => boolean;
  /** That design in words (default: 4df4cb9e99's). */
  readonly claim?: string;
  /** The commit that made that design (default 4df4cb9e99). */
  readonly claimBy?: string;
  /** A violation in words, or null. */
  check(at: CheckPoint): string | null;
}

/**
 * A user's invariant: a predicate over the machine state (and the hotplug step inside an
 * operation, or null between operations) that returns a violation message, false, or nothing
 * when it holds.
 */
export interface CustomInvariant {
  /** Its name, in verdicts. */
  readonly name: string;
  /** What it says. */
  readonly description?: string;
  /** Checked inside operations too (default true). */
  readonly duringSteps?: boolean;
  /** The check. */
  check(
    state: Readonly<MachineState>,
    step: StepPoint | null,
  ): string | boolean | null | undefined | void;
}

/** 4df4cb9e99's design: Direct Mode stimer set up as a STARTING-section hotplug state. */
export function startingStimer(k: Kernel): boolean {
  return hasStimer(k) && k.direct && k.line.stimer.direct === "starting";
}

/** The machine's stimer design in words (why a claim does or does not apply). */
export function designOf(k: Kernel): string {
  const c = k.s.config;
  if (!hasStimer(k)) {
    return c.arch === "x86_64" ? "no Hyper-V stimer (LAPIC timer)" : "no Hyper-V stimer";
  }
  if (startingStimer(k)) {
    return stimerBelowLapic(k)
      ? "stimer Direct Mode as a STARTING-section state (4df4cb9e99), rated below the LAPIC " +
        "timer in a TDX VM (7f828d5fff7d)"
      : "stimer Direct Mode as a STARTING-section state (4df4cb9e99)";
  }
  return k.direct
    ? `stimer Direct Mode set up and torn down by the VMbus ONLINE state (Linux ${c.kernel})`
    : "stimer legacy (message) mode, set up and torn down by the VMbus ONLINE state";
}

const LAPIC = "lapic";

// no-device-on-offline-cpu on one CPU. A function of its own, not a closure made per check: that
// was 8.3 M closures (~0.45 GiB) in the 8-vCPU depth-12 search.
function boundOffline(s: MachineState, c: CpuState): string | null {
  return c.online || c.tickDev === null
    ? null
    : `offline CPU${c.id} still has "${deviceOf(s, c.tickDev)!.name}" as its tick device`;
}
const STARTING_DESIGN = "stimer Direct Mode as a STARTING-section state (4df4cb9e99)";

/** Every built-in invariant. */
export const INVARIANTS: readonly BuiltinInvariant[] = [
  {
    name: "timer-for-every-step",
    description: "every CPU that runs a step needing a timer has a working tick device",
    source: "kernel/cpu.c: ONLINE-section callbacks run in the CPU's hotplug thread and may " +
      "sleep on timers; 4df4cb9e99 (the stimer is ready before them)",
    during: "all",
    inStates: false,
    firesAt: { phase: "enter", section: "ONLINE" },
    claimedFor: startingStimer,
    check({ k, step }) {
      if (!step || step.phase !== "enter") return null;
      if (sectionOf(k.line, step.state) !== "ONLINE" || hasWorkingTick(k, step.cpu)) return null;
      return `CPU${step.cpu} runs ${step.callback}() (${step.state} ${
        stateName(k, step.state)
      }) with no working clockevent device: ${tickDescription(k, step.cpu)}`;
    },
  },
  {
    name: "no-hang",
    description: "no hotplug operation waits forever",
    source: "kernel/cpu.c cpuhp_invoke_callback; the hibernation hang 4df4cb9e99 fixes",
    during: "none",
    inStates: true,
    claimedFor: startingStimer,
    check({ k }) {
      const h = k.s.hang;
      // A kexec'd kernel's crash is kexec-vp-assist-released's, a capture kernel's hang
      // kdump-capture-kernel-ticks'.
      return h && h.callback !== VP_ASSIST_CRASH && !h.reason.startsWith(KDUMP_LOST_TICK)
        ? `CPU${h.cpu} hangs in ${h.callback}() at state ${h.state} ${h.stateName}: ${h.reason}`
        : null;
    },
  },
  {
    name: "clockevent-list-sound",
    description: "no clockevent device is registered while it is still on clockevent_devices",
    source: 'include/linux/list.h list_add (CONFIG_DEBUG_LIST\'s "list_add double add"); ' +
      "lib/time/list_corruption.ts; the 6.12 panic (pub-k6.12-hv-legacy-vmbus-failhvinit-rep2.log)",
    during: "all",
    inStates: true,
    check({ k }) {
      const c = k.s.ceCorrupt;
      if (!c) return null;
      const d = deviceOf(k.s, c.dev)!;
      return `clockevent_devices loops through ${d ? `"${d.name}" of CPU${d.mask}` : c.dev}, ` +
        `added again while still listed: walks of the list never end, or fault once it is unlinked`;
    },
  },
  {
    name: "one-timekeeper",
    description: "while CPUs are online, tick_do_timer_cpu is one of them",
    source: "kernel/time/tick-common.c tick_handover_do_timer, tick-sched.c tick_sched_do_timer",
    during: "non-atomic",
    inStates: true,
    check({ k }) {
      const s = k.s;
      // An online timekeeper settles it at once; only otherwise are the CPUs looked at.
      const keeper = s.cpus[s.doTimerCpu];
      if (keeper !== undefined && keeper.online) return null;
      const online = s.cpus.filter((c) => c.online).map((c) => c.id);
      if (online.length === 0) return null;
      const who = s.doTimerCpu < 0 ? "no CPU" : `CPU${s.doTimerCpu}, which is offline`;
      return `tick_do_timer_cpu is ${s.doTimerCpu} (${who}) while CPUs ${
        online.join(",")
      } are online`;
    },
  },
  {
    name: "no-device-on-offline-cpu",
    description: "no clockevent device is bound to an offline CPU",
    source: "kernel/time/tick-common.c tick_shutdown (tick_cleanup_dead_cpu)",
    during: "non-atomic",
    inStates: true,
    check({ k, step }) {
      const s = k.s;
      // Inside a walk only the hotplugged CPU's tick device and online bit change (registration,
      // replacement and tick_shutdown all act on the CPU they run for): the others were checked
      // in the state before, and a 2048-vCPU walk need not look at 2048 CPUs per callback.
      if (step) return boundOffline(s, s.cpus[step.cpu]);
      for (const c of s.cpus) {
        const message = boundOffline(s, c);
        if (message) return message;
      }
      return null;
    },
  },
  {
    name: "time-monotonic",
    description:
      "simulation time and guest CLOCK_MONOTONIC never go back (a kexec starts them over)",
    source: "kernel/time/timekeeping.c ktime_get; hibernation keeps CLOCK_MONOTONIC; a kexec'd " +
      "kernel is a new kernel (lib/ops/kexec_operation.ts)",
    during: "all",
    inStates: true,
    check({ k, before }) {
      const s = k.s;
      const monotonic = guestMonotonic(s);
      if (s.now < before.now) return `simulation time went back from ${before.now} to ${s.now} ns`;
      if (monotonic < before.monotonic) {
        return `CLOCK_MONOTONIC went back from ${before.monotonic} to ${monotonic} ns`;
      }
      return null;
    },
  },
  {
    name: "lapic-never-bound",
    description:
      "the LAPIC timer is never a hotplugged CPU's tick device during onlining/offlining",
    source: "4df4cb9e99 commit message (with Direct Mode the LAPIC timer is not used)",
    during: "all",
    inStates: false,
    // In a TDX VM, 7f828d5fff7d binds the LAPIC on purpose.
    claimedFor: (k) => startingStimer(k) && !stimerBelowLapic(k),
    check({ k, step }) {
      if (!step) return null;
      const id = k.s.cpus[step.cpu].tickDev;
      if (id === null || deviceOf(k.s, id)!.kind !== LAPIC) return null;
      return `CPU${step.cpu}'s tick device is "${deviceOf(k.s, id)!.name}" ${
        step.phase === "enter" ? "before" : "after"
      } ${step.callback}() (${step.state} ${stateName(k, step.state)})`;
    },
  },
  {
    name: "hres-needs-oneshot-tick",
    description:
      "an online CPU whose hrtimer base is in high resolution mode has a one-shot tick device",
    source: "2f8dea1692ee (v6.13, CVE-2024-57951): hrtimer_run_queues() returns while " +
      "hres_active is set (6.8.1 kernel/time/hrtimer.c:1897-1916), so a CPU brought back from " +
      "hrtimers:prepare without hrtimers_prepare_cpu() never switches its tick to oneshot",
    during: "none",
    inStates: true,
    check({ k }) {
      for (const c of k.s.cpus) {
        if (!c.online || !c.hres || c.tickDev === null) continue;
        if (c.tickMode === TICKDEV_MODE.ONESHOT) continue;
        const d = deviceOf(k.s, c.tickDev)!;
        return `CPU${c.id} has hres_active 1 but its tick device "${d.name}" is periodic (Tick ` +
          `Device mode ${c.tickMode}, event_handler ${d.handler}, nohz_mode ${c.nohzMode}): ` +
          `hrtimer_run_queues() returns before hrtimer_switch_to_hres(), so it never switches`;
      }
      return null;
    },
  },
  {
    name: "kexec-vp-assist-released",
    description: "a kexec'd kernel finds no VP assist page the old kernel left enabled",
    source: "b9af6418279c (6.11, 6.10.11, 6.6.y): hv_machine_shutdown() runs hv_cpu_die() on " +
      "every CPU (6.6.150 arch/x86/kernel/cpu/mshyperv.c:201-202; 6.8.1 :202-203 skips it: " +
      "hyperv_init_cpuhp is 0); first fixed by dfe94d4086e4 (5.12)",
    during: "none",
    inStates: true,
    check({ k }) {
      const h = k.s.hang;
      return h && h.callback === VP_ASSIST_CRASH && h.stateName === HYPERV_INIT_STATE
        ? `the kexec'd kernel crashes: ${h.reason}`
        : null;
    },
  },
  {
    name: "stimer-after-lapic",
    description: "no CPU's direct-mode stimer (a LAPIC vector) is set up before its LAPIC",
    source: "fff7b5e6ee63 (5.11, 5.10.10): hyperv_init() is x86_platform.apic_post_init(), " +
      "which apic_intr_mode_init() calls before apic_bsp_setup() (5.10.265 arch/x86/kernel/apic/" +
      "apic.c:1447-1450); the fix allocates the stimer from setup_percpu_clockev " +
      "(arch/x86/hyperv/hv_init.c:420-428)",
    during: "none",
    inStates: true,
    check({ k, step, before }) {
      if (step || !before.booted || !stimerBeforeLapic(k)) return null;
      return `hyperv_init() registered ${STIMER_STARTING} and CPU0's "Hyper-V clockevent" ` +
        `before apic_bsp_setup() set up CPU0's LAPIC, through which the direct-mode stimer ` +
        `interrupts (a kdump kernel can hang early: fff7b5e6ee63)`;
    },
  },
  {
    name: "kdump-capture-kernel-ticks",
    description: "a kdump capture kernel boots with CPU0's tick running",
    source: "fff7b5e6ee63 (5.11, 5.10.10): the crashing kernel's lapic_shutdown() leaves the " +
      "LAPIC disabled, and 5.5's hyperv_init() programs the Direct Mode stimer before " +
      "setup_local_APIC() enables it; Hyper-V drops the expiry (lib/platform/hyperv/kdump.ts)",
    during: "none",
    inStates: true,
    check({ k }) {
      const h = k.s.hang;
      return h && h.reason.startsWith(KDUMP_LOST_TICK) ? h.reason : null;
    },
  },
  ...HYPERV_INVARIANTS,
];

/**
 * Operation kinds after which the machine runs a new kernel, whose clocks start over.
 *
 * @example
 * ```ts
 * import { NEW_KERNEL_KINDS } from "./invariants.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(NEW_KERNEL_KINDS, ["kexec", "kdump"]);
 * ```
 */
export const NEW_KERNEL_KINDS: readonly string[] = ["kexec", "kdump"];

/** The built-in invariant names. */
export const INVARIANT_NAMES: readonly string[] = INVARIANTS.map((i) => i.name);

/** An invariant as plain data, for help, docs and reports. */
export interface InvariantInfo {
  /** The name `--invariant` takes. */
  readonly name: string;
  /** What it says. */
  readonly description: string;
  /** Where the rule comes from. */
  readonly source: string;
  /** Checked between operations. */
  readonly inStates: boolean;
  /** Checked at hotplug steps: every one, none, or all but the atomic ones. */
  readonly during: "all" | "none" | "non-atomic";
  /** The design it is a claim of (violations elsewhere are expected), or null for every design. */
  readonly claim: string | null;
  /** The commit that made that design, or null. */
  readonly claimBy: string | null;
}

/**
 * Every built-in invariant, as plain data.
 *
 * @example
 * ```ts
 * import { INVARIANT_INFO } from "./invariants.ts";
 * import assert from "node:assert/strict";
 * const lapic = INVARIANT_INFO.find((i) => i.name === "lapic-never-bound")!;
 * assert.equal(lapic.inStates, false);
 * assert.match(lapic.claim!, /STARTING/);
 * ```
 */
export const INVARIANT_INFO: readonly InvariantInfo[] = INVARIANTS.map((i) => ({
  name: i.name,
  description: i.description,
  source: i.source,
  inStates: i.inStates,
  during: i.during,
  claim: i.claimedFor ? i.claim ?? STARTING_DESIGN : null,
  claimBy: i.claimedFor ? i.claimBy ?? "4df4cb9e99" : null,
}));

/**
 * The note for an invariant's expected violations: whose design claims it.
 *
 * @example
 * ```ts
 * import { expectedNote } from "./invariants.ts";
 * import assert from "node:assert/strict";
 * assert.equal(expectedNote("no-hang"), "expected: claimed for 4df4cb9e99's design only");
 * assert.equal(expectedNote("a user's"), "expected: claimed for another design only");
 * ```
 */
export function expectedNote(name: string): string {
  const by = INVARIANT_INFO.find((i) => i.name === name)?.claimBy;
  return `expected: claimed for ${by ? `${by}'s` : "another"} design only`;
}
