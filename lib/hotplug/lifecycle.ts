/**
 * `bringup_cpu()` and `takedown_cpu()`: where the control CPU hands over to the CPU being
 * hotplugged and back (kernel/cpu.c, v5.5, reference §1.5, §1.6; arch parts in lib/arch/).
 *
 * @module
 */

import { type HotplugOp, type Kernel, ktime } from "../engine/kernel.ts";
import { cpuhpKickAp, invoke, skipDown, skipUp } from "./cpuhp.ts";
import { archCpuDie, archCpuDisable, archCpuStarted, archCpuUp } from "../platform/arch/arch.ts";
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
  const c = k.line.cpuhp;
  const st = k.s.cpus[op.cpu];
  archCpuUp(k, op.cpu);
  const target = Math.min(st.target, c.AP_ONLINE);
  while (st.state < target) {
    skipUp(k, op, target);
    st.state++;
    const ret = invoke(k, op, st.state, true);
    if (ret) mustNotFail(k, op, "STARTING", ret);
  }
  archCpuStarted(k, op.cpu);
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
  tickHandoverDoTimer(k, op.cpu);
  tickOfflineCpu(k, op.cpu);
  stopDyingCpuTimers(k, op.cpu);
  st.state = c.AP_IDLE_DEAD;
  archCpuDie(k, op.cpu, op.control);
  tickCleanupDeadCpu(k, op.cpu);
  return 0;
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
