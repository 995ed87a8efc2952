/**
 * `cpuhp_setup_state()` (kernel/cpu.c:1536-1799, v5.5, reference §1.8): install a step and run its
 * startup on every present CPU that has already passed it.
 *
 * @module
 */

import { nulledCallbacks } from "../kernels/configs.ts";
import type { HotplugOp, Kernel } from "../engine/kernel.ts";
import { buildSteps, indexSteps } from "./steps.ts";
import { invoke } from "./cpuhp.ts";

/** The slot a registration asks for: a fixed state number, or a dynamic range. */
export type StateRequest = number | "AP_ONLINE_DYN" | "BP_PREPARE_DYN";

/**
 * Adds `n` instances to the multi-instance state `state` without calls
 * (`cpuhp_state_add_instance_nocalls()`).
 *
 * @example
 * ```ts
 * import { addInstancesNocalls } from "./register.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.8" }).build().snapshot());
 * const dead = k.steps.findIndex((s) => s.name === "block/mq:dead");
 * const before = k.steps[dead].instances;
 * addInstancesNocalls(k, dead, 2);
 * assert.equal(k.steps[dead].instances, before + 2);
 * ```
 */
export function addInstancesNocalls(k: Kernel, state: number, n: number): void {
  k.s.registered = k.s.registered.map((r) =>
    r.state === state && r.multi ? { ...r, instances: (r.instances ?? 0) + n } : r
  );
  k.steps = buildSteps(k.line, k.s.registered, nulledCallbacks(k.s.config));
}

/**
 * Installs `name` at `request` and invokes `startup` on every present CPU whose state is at or past
 * it, in ascending CPU order (AP states run on that CPU); `nocalls` installs only
 * (`cpuhp_setup_state_nocalls`); a multi-instance state calls nothing at registration, then its
 * `instances` are added (`cpuhp_state_add_instance`), each calling the startup on those CPUs.
 * Dynamic requests take the first unnamed slot of their range. Returns the state number.
 */
export function cpuhpSetupState(
  k: Kernel,
  request: StateRequest,
  name: string,
  startup: string | null,
  teardown: string | null,
  options: { nocalls?: boolean; multi?: boolean; instances?: number } = {},
): number {
  const c = k.line.cpuhp;
  let state: number;
  if (request === "AP_ONLINE_DYN" || request === "BP_PREPARE_DYN") {
    // cpuhp_reserve_state() (kernel/cpu.c): the first free slot of the range, both ends included.
    const [from, to] = request === "AP_ONLINE_DYN"
      ? [c.AP_ONLINE_DYN, c.AP_ONLINE_DYN_END]
      : [c.BP_PREPARE_DYN, c.BP_PREPARE_DYN_END];
    state = -1;
    for (let i = from; i <= to; i++) {
      if (k.steps[i].name === null) {
        state = i;
        break;
      }
    }
    if (state < 0) throw new Error("internal: No more dynamic states available for CPU hotplug");
  } else {
    state = request;
  }
  k.s.registered.push(
    options.multi
      ? { state, name, startup, teardown, multi: true, instances: options.instances ?? 0 }
      : { state, name, startup, teardown },
  );
  k.steps = buildSteps(k.line, k.s.registered, nulledCallbacks(k.s.config));
  k.stepIndex = indexSteps(k.steps, k.line);
  if (!startup || (options.nocalls && !options.multi)) return state;
  // A multi-instance state calls nothing when it is set up; each cpuhp_state_add_instance()
  // then calls its startup for the instance on every CPU past the state, in CPU order
  // (logs/hv-direct-trace.log: zswap_cpu_comp_prepare for CPUs 0-3 at boot). The multi-instance
  // states hvtick knows with a startup add their instances so (ring buffers, zswap pools).
  const calls = options.multi ? options.instances ?? 0 : 1;
  for (let i = 0; i < calls; i++) {
    for (const cpu of k.s.cpus) {
      if (cpu.state < state) continue;
      const op: HotplugOp = {
        cpu: cpu.id,
        control: 0,
        noTick: [],
        rollback: false,
        step: null,
        stepTeardown: false,
        registering: true,
        ...(options.multi ? { instance: true } : {}),
      };
      invoke(k, op, state, true);
    }
  }
  return state;
}
