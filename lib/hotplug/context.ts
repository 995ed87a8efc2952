/**
 * Who runs a hotplug step (kernel/cpu.c; docs/model.md §Tracing): PREPARE/DEAD and the BRINGUP/
 * TEARDOWN steps run in the control task on the control CPU; STARTING steps in the new CPU's idle
 * task with interrupts off (`notify_cpu_starting()`); DYING steps in its stopper thread with
 * interrupts off (`take_cpu_down()` under `stop_machine`); ONLINE steps in its `cpuhp/N` thread.
 * A registration (`cpuhp_setup_state()`) runs a CPU's AP step through that thread once the
 * threads exist (`cpuhp_invoke_ap_callback()`, interrupts off for STARTING steps in
 * `cpuhp_thread_fun()`), and before that (early boot) in the registering task.
 *
 * @module
 */

import type { HotplugOp, Kernel } from "../engine/kernel.ts";
import { current, type ExecContext, taskContext } from "../engine/exec.ts";
import { isAtomic, sectionOf } from "../engine/line.ts";
import { cpuhpTask, IDLE, shellTask, stopperTask } from "../tracing/tasks.ts";

/**
 * The context of `state`'s callback in `op`, or null when it runs in the current one (the
 * control task's steps, and early registrations).
 */
export function stepContext(
  k: Kernel,
  op: HotplugOp,
  state: number,
  bringup: boolean,
): ExecContext | null {
  const section = sectionOf(k.line, state);
  if (section === "PREPARE" || section === "TEARDOWN") return null;
  const cpu = op.cpu;
  const atomic = isAtomic(k.line, state);
  if (op.registering) {
    // Before smp_init() creates the hotplug threads the registering task calls it directly.
    if (!k.threads) return null;
    return taskContext(cpu, cpuhpTask(k, cpu), { irqsOff: atomic });
  }
  if (!atomic) return taskContext(cpu, cpuhpTask(k, cpu));
  // start_secondary() runs with preemption disabled; the stopper thread raises preempt_count
  // itself (kernel/stop_machine.c cpu_stopper_thread: preempt_count_inc()), counted or not.
  if (bringup) return taskContext(cpu, IDLE, { irqsOff: true, depth: k.preemptCount ? 1 : 0 });
  return taskContext(cpu, stopperTask(k, cpu), { irqsOff: true, depth: 1 });
}

/** The new CPU's idle task after `notify_cpu_starting()` (interrupts on again). */
export function apIdleContext(k: Kernel, cpu: number): ExecContext {
  return taskContext(cpu, IDLE, { depth: k.preemptCount ? 1 : 0 });
}

/** The control side of a walk: its task (the caller's unless given) on the control CPU. */
export function controlContext(
  k: Kernel,
  control: number,
  task = current(k).task,
): ExecContext {
  const c = current(k);
  if (c.cpu === control && c.task === task) return c;
  return taskContext(control, task);
}

/**
 * The user's shell, running on the first online CPU other than `avoid` (the scheduler places it
 * anywhere; the real traces show it on various CPUs).
 */
export function shellContext(k: Kernel, avoid: number): ExecContext {
  return taskContext(firstOnlineBut(k, avoid), shellTask(k));
}

/**
 * The first online CPU other than `cpu` (CPU0 when there is none): where the user's shell runs,
 * and the control CPU of a walk of `cpu` (lib/hotplug/device.ts). A loop, not `find()`: a walk
 * asks on every operation.
 *
 * @example
 * ```ts
 * import { firstOnlineBut } from "./context.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 3 }).build().snapshot());
 * assert.equal(firstOnlineBut(k, 0), 1);
 * assert.equal(firstOnlineBut(k, 2), 0);
 * ```
 */
export function firstOnlineBut(k: Kernel, cpu: number): number {
  const cpus = k.s.cpus;
  for (let i = 0; i < cpus.length; i++) if (cpus[i].online && cpus[i].id !== cpu) return cpus[i].id;
  return 0;
}
