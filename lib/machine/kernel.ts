/**
 * Building kernel contexts: {@linkcode createKernel} makes one for a state, with every derived
 * index (the kernel line, the hotplug step table and its index, the timer index);
 * {@linkcode kernelOn} makes one that shares a booted kernel's tables, for exploring many states
 * of one configuration. Nothing else builds a `Kernel`.
 *
 * @module
 */

import { nulledCallbacks } from "../kernels/configs.ts";
import { armTimers, type Kernel, traceRing } from "../engine/kernel.ts";
import { TraceRing } from "../engine/trace_ring.ts";
import type { MachineState } from "../engine/state.ts";
import { TimerQueue } from "../engine/timers.ts";
import { Observers } from "../engine/observe.ts";
import { KERNEL_LINES } from "../kernels/lines.ts";
import { buildSteps, indexSteps } from "../hotplug/steps.ts";
import { configFacts } from "../kernels/configs.ts";
import { taskContext } from "../engine/exec.ts";
import { clocksourceName } from "../platform/hyperv/platform.ts";
import { clocksourceRegistration } from "../time/clocksource.ts";
import { liveDevices } from "../time/device_form.ts";

// What runs when no operation does: CPU0's idle task.
const idle0 = () => [taskContext(0, { comm: "<idle>", pid: 0 })];

/**
 * The kernel context over `s` (not copied; its device records taken into the kernel's form,
 * lib/time/device_form.ts): its line's tables, the step table of `s.registered`,
 * the timer index of its devices; `history` false turns the log and trace off. `derived`: the
 * step table of a state with the same `registered` and config, taken as it is (a table is never
 * changed, only replaced; a stopped walk's replays all start from one state, lib/api/run_until.ts).
 *
 * @example
 * ```ts
 * import { createKernel } from "./kernel.ts";
 * import { allDevices } from "../engine/device_table.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ kernel: "5.5", cpus: 2 }).build().snapshot();
 * const k = createKernel(s);
 * assert.equal(k.steps[k.line.cpuhp.ONLINE].name, "online");
 * const armed = allDevices(k.s).map((d) => d.hwExpires).filter((t) => t >= 0);
 * assert.equal(k.timers.peek(), Math.min(...armed));
 * ```
 */
export function createKernel(
  s: MachineState,
  history = true,
  derived?: Pick<Kernel, "steps" | "stepIndex">,
): Kernel {
  // liveDevices() converts in place, deleting the snapshot form's `devices` and `ceList`: V8 then
  // keeps the state as a dictionary, and every `k.s.…` of the model is a hash lookup. Its shallow
  // copy (the same keys in the same order, the same values) is a fast object again.
  s = { ...liveDevices(s) };
  const line = KERNEL_LINES[s.config.kernel];
  const f = s.config.features;
  const steps = derived?.steps ?? buildSteps(line, s.registered, nulledCallbacks(s.config));
  const timers = new TimerQueue();
  armTimers(timers, s);
  const k: Kernel = {
    s,
    line,
    steps,
    stepIndex: derived?.stepIndex ?? indexSteps(steps, line),
    timers,
    period: Math.floor(1_000_000_000 / s.config.hz),
    direct: s.config.hyperv !== "none" && f.syntheticTimers && f.stimerDirectMode,
    traceTicks: s.config.traceTicks,
    scratch: [],
    observers: new Observers(),
    trace: traceRing(s),
    history,
    exec: idle0(),
    threads: s.running,
    hresValid: s.running,
    // PREEMPT_DYNAMIC selects PREEMPT_BUILD, which selects PREEMPT_COUNT (kernel/Kconfig.preempt).
    preemptCount: configFacts(s.config.kconfig, s.config.kernel)?.preemptDynamic ?? false,
    maxDefermentNs: null,
    awake: undefined,
  };
  // The clocksource timekeeping reads once it is valid for high resolution (the only time a tick
  // can stop): the best-rated one, fixed by the config.
  const cs = clocksourceRegistration(clocksourceName(k));
  k.maxDefermentNs = cs === null ? null : Number(cs.maxIdleNs);
  return k;
}

/**
 * A kernel on state `s` (not copied) that shares `base`'s tables (line, step table), with its own
 * timer index (`timers`, cleared and reused when given: one such kernel runs at a time), no
 * observers and no history: exploration runs thousands of them on one booted configuration. Its
 * trace ring is `trace` when given: with no history nothing writes to it (every writer asks
 * `history` first: lib/engine/log.ts, lib/hotplug/invoke.ts, quiet.ts), so one ring serves every
 * such kernel (a new one's seven column arrays were 4 % of an 8-vCPU search, issue 15).
 */
export function kernelOn(
  base: Kernel,
  s: MachineState,
  timers = new TimerQueue(),
  trace = new TraceRing(),
): Kernel {
  armTimers(timers, s);
  return {
    ...base,
    s,
    timers,
    scratch: [],
    observers: new Observers(),
    trace,
    history: false,
    exec: idle0(),
    awake: undefined,
  };
}
