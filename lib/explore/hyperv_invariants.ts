/**
 * The invariants of issue 13's Hyper-V stories (docs/model.md §Exploration): where the per-CPU
 * hypercall input page is set up against `irq/affinity:online` (9636be85cc5b), and what offlining
 * a CPU that a VMbus channel targets does (3a7f7785eae7). Rows of the `INVARIANTS` table
 * (invariants.ts), which checks their shape.
 *
 * @module
 */

import type { Kernel, Step } from "../engine/kernel.ts";
import type { StepPoint } from "../engine/observe.ts";
import { stateName } from "../machine/info.ts";
import { movesChannels } from "../platform/hyperv/vmbus.ts";
import { deviceOf } from "../engine/device_table.ts";

const STIMER = "hv_stimer";

/** Where a row is checked (the fields of invariants.ts's `CheckPoint` these rows read). */
interface At {
  readonly k: Kernel;
  readonly step: StepPoint | null;
}

// What the rows read of a step table, found once per table (the 8-vCPU search met the first row's
// irq_affinity_online_cpu and takedown_cpu steps 0.5 M times, and looked each time): the two
// states, and the messages of the first row by where it fires, a function of the table alone.
interface TableFacts {
  readonly hv: number;
  readonly irq: number;
  readonly messages: Map<number, string>;
}
const FACTS = new WeakMap<readonly Step[], TableFacts>();

function factsOf(steps: readonly Step[]): TableFacts {
  let facts = FACTS.get(steps);
  if (facts === undefined) {
    facts = {
      hv: steps.findIndex((s) => s.name !== null && s.name.endsWith("/hyperv_init:online")),
      irq: steps.findIndex((s) => s.startup?.name === "irq_affinity_online_cpu"),
      messages: new Map(),
    };
    FACTS.set(steps, facts);
  }
  return facts;
}

/** The state whose startup sets up a CPU's hypercall input page (`*\/hyperv_init:online`), or -1. */
function hypervInitState(k: Kernel): number {
  return factsOf(k.steps).hv;
}

/** `irq/affinity:online` (CPUHP_AP_IRQ_AFFINITY_ONLINE), or -1. */
function irqAffinityState(k: Kernel): number {
  return factsOf(k.steps).irq;
}

/**
 * 9636be85cc5b's design: the hypercall page is set up before `irq/affinity:online` and kept while
 * the CPU goes offline (`CPUHP_AP_HYPERV_ONLINE` right after `CPUHP_AP_ONLINE_IDLE`, the page not
 * freed by `hv_cpu_die()`).
 *
 * @example
 * ```ts
 * import { hypercallPageFixed } from "./hyperv_invariants.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hypercallPageFixed(boot(vm({ kernel: "6.6" }).config())), true);
 * assert.equal(hypercallPageFixed(boot(vm({ kernel: "6.1" }).config())), false);
 * ```
 */
export function hypercallPageFixed(k: Kernel): boolean {
  const hv = hypervInitState(k);
  return hv >= 0 && hv < irqAffinityState(k) && !k.line.hvInputPageFreedOnDie;
}

/**
 * 7f828d5fff7d's design (6.11, 6.10.11): in a TDX VM without a paravisor the stimer is rated 90,
 * below the LAPIC timer, which is the CPUs' tick device.
 *
 * @example
 * ```ts
 * import { stimerBelowLapic } from "./hyperv_invariants.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const tdx = (kernel: string) => boot(vm({ kernel, hyperv: "2022", isolation: "tdx" }).config());
 * assert.equal(stimerBelowLapic(tdx("6.12")), true);
 * assert.equal(stimerBelowLapic(tdx("6.6")), false);
 * ```
 */
export function stimerBelowLapic(k: Kernel): boolean {
  return k.s.config.isolation === "tdx" && k.line.stimerTdxLowRating;
}

/**
 * The stories' rows of the invariant table.
 *
 * @example
 * ```ts
 * import { HYPERV_INVARIANTS } from "./hyperv_invariants.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(HYPERV_INVARIANTS.map((i) => i.claimBy ?? null), [
 *   "9636be85cc5b",
 *   "7f828d5fff7d",
 *   "3a7f7785eae7",
 * ]);
 * ```
 */
export const HYPERV_INVARIANTS = [
  {
    name: "hypercall-page-before-irq-affinity",
    description: "a CPU's Hyper-V hypercall input page is set up before irq/affinity:online " +
      "runs on it and still there when takedown_cpu() migrates its interrupts",
    source: "9636be85cc5b (6.4): CPUHP_AP_HYPERV_ONLINE after CPUHP_AP_ONLINE_IDLE, the page " +
      "kept on offline (6.6.150 arch/x86/hyperv/hv_init.c:497, drivers/hv/hv_common.c:425-438); " +
      "before it a dynamic ONLINE state after CPUHP_AP_IRQ_AFFINITY_ONLINE (6.1.166 hv_init.c:435)",
    during: "all" as const,
    inStates: false,
    firesAt: { phase: "enter" as const, callbacks: ["irq_affinity_online_cpu", "takedown_cpu"] },
    claimedFor: hypercallPageFixed,
    claim: "the Hyper-V per-CPU init as CPUHP_AP_HYPERV_ONLINE (9636be85cc5b, 6.4)",
    claimBy: "9636be85cc5b",
    check({ k, step }: At): string | null {
      if (!step || step.phase !== "enter") return null;
      const up = !step.teardown && step.callback === "irq_affinity_online_cpu";
      const down = step.teardown && step.callback === "takedown_cpu" &&
        k.line.hvInputPageFreedOnDie;
      if (!up && !down) return null;
      const facts = factsOf(k.steps);
      const hv = facts.hv;
      if (hv < 0 || hv < step.state) return null;
      // The message is made of the table, the step (its callback is `up`'s) and the CPU: kept.
      const key = step.cpu < 0x10000 ? (2 * step.state + (up ? 1 : 0)) * 0x10000 + step.cpu : -1;
      const known = facts.messages.get(key);
      if (known !== undefined) return known;
      const at = `${step.callback}() (${step.state} ${stateName(k, step.state)})`;
      const init = `(${hv} ${stateName(k, hv)})`;
      const message = up
        ? `${at} runs on CPU${step.cpu} before the startup ${init} has set up its hypercall ` +
          `input page (hyperv_pcpu_input_arg)`
        : `${at} migrates CPU${step.cpu}'s interrupts after the teardown ${init} freed its ` +
          `hypercall input page (hyperv_pcpu_input_arg)`;
      if (key >= 0) facts.messages.set(key, message);
      return message;
    },
  },
  {
    name: "no-stimer-tick-in-tdx",
    description: "in a TDX VM without a paravisor no CPU's tick device is the Hyper-V stimer " +
      "(the LAPIC timer is)",
    source: "7f828d5fff7d (6.11, 6.10.11): hv_stimer_init() rates the stimer 90 there, as it " +
      "reads the slow reference counter MSR (6.18.9 drivers/clocksource/hyperv_timer.c:143-155); " +
      "before, 1000 (6.8.1 hyperv_timer.c:140)",
    // States only: a CPU coming up registers the stimer in its STARTING state (notify_cpu_starting,
    // 6.12.15 arch/x86/kernel/smpboot.c:210, 282) before start_secondary() registers the LAPIC
    // timer (:311), so the stimer is its tick device for that moment on every line.
    during: "none" as const,
    inStates: true,
    claimedFor: stimerBelowLapic,
    claim: "the stimer rated below the LAPIC timer in a TDX VM (7f828d5fff7d, 6.11)",
    claimBy: "7f828d5fff7d",
    check({ k }: At): string | null {
      if (k.s.config.isolation !== "tdx") return null;
      // A loop, not find(): its closure would capture `k`, a context made at every check.
      for (const c of k.s.cpus) {
        if (c.tickDev === null || deviceOf(k.s, c.tickDev)!.kind !== STIMER) continue;
        return `CPU${c.id}'s tick device is "Hyper-V clockevent" (rating ${
          deviceOf(k.s, c.tickDev)!.rating
        }) in a TDX VM without a paravisor`;
      }
      return null;
    },
  },
  {
    name: "channel-cpu-can-go-offline",
    description: "offlining a CPU other than CPU0 is not refused because a VMbus channel " +
      "targets it",
    source: "3a7f7785eae7 (6.15): hv_synic_cleanup() moves the channel with hv_pick_new_cpu() " +
      "when VMBus is 5.3 or later (6.18.9 drivers/hv/hv.c:428-502); before, -EBUSY " +
      "(6.12.15 hv.c:462)",
    during: "all" as const,
    inStates: false,
    firesAt: { phase: "exit" as const, callbacks: ["hv_synic_cleanup"] },
    claimedFor: movesChannels,
    claim: "VMbus channels moved off a CPU going offline (3a7f7785eae7, 6.15, VMBus 5.3)",
    claimBy: "3a7f7785eae7",
    check({ k, step }: At): string | null {
      if (!step || step.phase !== "exit" || step.callback !== "hv_synic_cleanup") return null;
      // Returned with the channel still on the CPU: the -EBUSY refusal (vmbus.ts).
      if (step.cpu === 0 || !k.s.vmbus.connected || !k.s.vmbus.channels.includes(step.cpu)) {
        return null;
      }
      return `hv_synic_cleanup() (${step.state} ${
        stateName(k, step.state)
      }) refuses CPU${step.cpu} with -EBUSY: a VMbus channel targets it`;
    },
  },
];
