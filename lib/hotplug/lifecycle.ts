/**
 * `bringup_cpu()` and `takedown_cpu()`: where the control CPU hands over to the CPU being
 * hotplugged and back (kernel/cpu.c, v5.5, reference §1.5, §1.6; arch parts in lib/arch/).
 *
 * @module
 */

import { type HotplugOp, type Kernel, ktime } from "../engine/kernel.ts";
import { cpuhpKickAp, invoke, skipDown, skipUp } from "./cpuhp.ts";
import { archCpuDie, archCpuDisable, archCpuStarted, archCpuUp } from "../platform/arch/arch.ts";
import { tickCancelSchedTimer } from "../time/tick_handlers.ts";
import { irqsave, runAs, taskContext } from "../engine/exec.ts";
import { fcall, fcallWith, recording } from "../tracing/ftrace.ts";
import { stopperTask } from "../tracing/tasks.ts";
import { apIdleContext } from "./context.ts";
import {
  stopDyingCpuTimers,
  tickCleanupDeadCpu,
  tickHandoverDoTimer,
  tickOfflineCpu,
} from "../time/tick_offline.ts";

/**
 * `bringup_cpu()` (state `cpu:bringup`): the new CPU runs `notify_cpu_starting()` (STARTING
 * states up to `ap:online`, IRQs off, failures only WARN), the arch code marks it online and
 * (x86) registers its LAPIC timer, `cpuhp_online_idle()` sets `CPUHP_AP_ONLINE_IDLE`, then
 * `bringup_wait_for_ap()` kicks the hotplug thread towards the target.
 */
export function bringupCpu(k: Kernel, op: HotplugOp): number {
  return fcallWith(k, "bringup_cpu", bringup, op, null);
}

function bringup(k: Kernel, op: HotplugOp): number {
  kickApAlive(k, op);
  return bringupAp(k, op);
}

/**
 * `cpuhp_kick_ap_alive()` (state `cpu:kick_ap`, 6.12 kernel/cpu.c:817-823, a631be92b996): the
 * arch starts the AP (x86 `do_boot_cpu()` → `announce_cpu()`), which then waits to be released.
 */
export function kickApAlive(k: Kernel, op: HotplugOp): number {
  archCpuUp(k, op.cpu);
  return 0;
}

/**
 * `cpuhp_bringup_ap()` (state `cpu:bringup` when it is split, 6.12 kernel/cpu.c:825-855): the
 * AP is released and runs `notify_cpu_starting()` (STARTING states up to `ap:online`, IRQs off,
 * failures only WARN), the arch code marks it online and (x86) registers its LAPIC timer,
 * `cpuhp_online_idle()` sets `CPUHP_AP_ONLINE_IDLE`, then the hotplug thread is kicked towards
 * the target.
 */
export function bringupAp(k: Kernel, op: HotplugOp): number {
  const c = k.line.cpuhp;
  const st = k.s.cpus[op.cpu];
  const target = Math.min(st.target, c.AP_ONLINE);
  while (st.state < target) {
    skipUp(k, op, target);
    st.state++;
    const ret = invoke(k, op, st.state, true);
    if (ret) mustNotFail(k, op, "STARTING", ret);
  }
  // start_secondary() goes on in the idle task with interrupts enabled.
  if (recording(k)) {
    runAs(
      k,
      apIdleContext(k, op.cpu),
      () => fcallWith(k, "start_secondary", archCpuStarted, op.cpu, null),
    );
  } else fcallWith(k, "start_secondary", archCpuStarted, op.cpu, null);
  st.state = c.AP_ONLINE_IDLE;
  if (st.target <= c.AP_ONLINE_IDLE) return 0;
  return cpuhpKickAp(k, op, st.target);
}

/**
 * `takedown_cpu()` (state `cpu:teardown`, kernel/cpu.c:881-928): `stop_machine(take_cpu_down)`
 * on the dying CPU (`__cpu_disable()`, DYING teardowns, `tick_handover_do_timer()`,
 * `tick_offline_cpu()`), the CPU dies (`CPUHP_AP_IDLE_DEAD`), then on the control CPU
 * `__cpu_die()` and `tick_cleanup_dead_cpu()`.
 */
export function takedownCpu(k: Kernel, op: HotplugOp): number {
  return fcallWith(k, "takedown_cpu", takedown, op, null);
}

function takedown(k: Kernel, op: HotplugOp): number {
  const st = k.s.cpus[op.cpu];
  // stop_machine(take_cpu_down): the dying CPU's stopper thread runs it, interrupts off.
  const err = recording(k)
    ? runAs(
      k,
      taskContext(op.cpu, stopperTask(k, op.cpu), { irqsOff: true, depth: 1 }),
      () => fcallWith(k, "take_cpu_down", takeCpuDown, op, null),
    )
    : fcallWith(k, "take_cpu_down", takeCpuDown, op, null);
  if (err) return err;
  st.state = k.line.cpuhp.AP_IDLE_DEAD;
  archCpuDie(k, op.cpu, op.control);
  tickCleanupDeadCpu(k, op.cpu);
  return 0;
}

/** `take_cpu_down()` on the dying CPU. */
function takeCpuDown(k: Kernel, op: HotplugOp): number {
  const c = k.line.cpuhp;
  const st = k.s.cpus[op.cpu];
  const err = archCpuDisable(k, op.cpu);
  if (err) return err;
  const target = Math.max(st.target, c.AP_OFFLINE);
  for (st.state--; st.state > target; st.state--) {
    skipDown(k, op, target);
    const ret = invoke(k, op, st.state, false);
    if (ret) mustNotFail(k, op, "DYING", ret);
  }
  // Up to 6.8 take_cpu_down() itself hands over the duty and leaves broadcast after the DYING
  // callbacks (6.1 kernel/cpu.c:1072-1074); 6.9 moved both into `tick:dying` (tickCpuDying).
  if (k.line.takeCpuDownTick) {
    tickHandoverDoTimer(k, op.cpu);
    tickOfflineCpu(k, op.cpu);
  }
  stopDyingCpuTimers(k, op.cpu);
  return 0;
}

/**
 * `tick_cpu_dying()` (state `tick:dying`, 6.12 kernel/time/tick-common.c:393-411; 3ad6eb0683a1,
 * f04e51220ad5, ef8969bb552c): on the dying CPU, before the lower DYING teardowns (the stimer's),
 * the timekeeping duty moves to the first online CPU, the tick's hrtimer is cancelled and the CPU
 * leaves broadcast (logs/k6.12-hv-direct-trace.log: tick_offline_cpu before hv_stimer_cleanup).
 */
export function tickCpuDying(k: Kernel, op: HotplugOp): number {
  return fcall(k, "tick_cpu_dying", () => {
    tickHandoverDoTimer(k, op.cpu);
    // tick_sched_timer_dying() → hrtimer_cancel(), under the hrtimer base's lock.
    irqsave(k, () => tickCancelSchedTimer(k, op.cpu));
    tickOfflineCpu(k, op.cpu);
    return 0;
  });
}

/** STARTING/DYING callbacks run with IRQs off and must not fail: the kernel only WARNs. */
function mustNotFail(k: Kernel, op: HotplugOp, section: "STARTING" | "DYING", ret: number): void {
  const state = k.s.cpus[op.cpu].state;
  k.s.problems.push({
    kind: "warn",
    cpu: op.cpu,
    state,
    message: `${section} callback of state ${state} failed with ${ret} (WARN_ON_ONCE, no rollback)`,
    time: ktime(k),
  });
}
