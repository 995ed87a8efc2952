/**
 * Who is running: the execution context of the modelled kernel code (the CPU, the task, whether
 * interrupts are off, whether in hard-interrupt context, the preemption depth). The tracer reads
 * it for every entry it records (the `TASK-PID`, `CPU#` and flag columns of `trace`); nothing else
 * depends on it. It is not machine state: a context lives only while an operation runs.
 *
 * @module
 */

import type { ExecContext, Kernel, Task } from "./kernel.ts";

export type { ExecContext, Task } from "./kernel.ts";

/** A context for `task` on `cpu` with a fresh call stack. */
export function taskContext(
  cpu: number,
  task: Task,
  // Optional, not defaulted to `{}`: a default object is allocated on every call until the code is
  // optimised, and every operation makes its shell's context with none.
  how?: { irqsOff?: boolean; hardirq?: boolean; depth?: number },
): ExecContext {
  return {
    cpu,
    task,
    irqsOff: how?.irqsOff ?? false,
    hardirq: how?.hardirq ?? false,
    depth: how?.depth ?? 0,
    calls: [],
  };
}

/** The current context (the kernel's base context when nothing runs: CPU0's idle task). */
export function current(k: Kernel): ExecContext {
  return k.exec[k.exec.length - 1];
}

/**
 * Runs `f` in context `ctx` (a task switch, an interrupt, a call on another CPU) and returns its
 * result; the previous context is current again afterwards, also when `f` throws.
 *
 * @example
 * ```ts
 * import { current, runAs, taskContext } from "./exec.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const ctx = taskContext(1, { comm: "cpuhp/1", pid: 19 });
 * assert.equal(runAs(k, ctx, () => current(k).task.comm), "cpuhp/1");
 * assert.equal(current(k).task.comm, "<idle>");
 * ```
 */
export function runAs<T>(k: Kernel, ctx: ExecContext, f: () => T): T {
  k.exec.push(ctx);
  try {
    return f();
  } finally {
    k.exec.pop();
  }
}

/**
 * {@linkcode runAs} of `f(a, b, c)`: no closure to build (every operation runs in its shell's
 * context, and every hotplug walk in its control task's).
 *
 * @example
 * ```ts
 * import { current, runAsWith, taskContext } from "./exec.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import type { Kernel } from "./kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const ctx = taskContext(1, { comm: "sh", pid: 300 });
 * const comm = (k: Kernel, sep: string, n: number) => `${current(k).task.comm}${sep}${n}`;
 * assert.equal(runAsWith(k, ctx, comm, k, ":", 1), "sh:1");
 * assert.equal(current(k).task.comm, "<idle>");
 * ```
 */
export function runAsWith<A, B, C, T>(
  k: Kernel,
  ctx: ExecContext,
  f: (a: A, b: B, c: C) => T,
  a: A,
  b: B,
  c: C,
): T {
  k.exec.push(ctx);
  try {
    return f(a, b, c);
  } finally {
    k.exec.pop();
  }
}

/**
 * Runs `f` holding a raw spinlock taken with `raw_spin_lock_irqsave()` (clockevents_lock,
 * tick_broadcast_lock) or in a section that disables interrupts and preemption
 * (`smp_call_function_single()` on the local CPU): interrupts off, and one more preemption level
 * when the build counts them (`CONFIG_PREEMPT_COUNT`; without it `preempt_disable()` is a
 * compiler barrier and the depth column stays `.`: logs/k5.10-hv-direct-trace.log `d...`).
 */
export function irqsave<T>(k: Kernel, f: () => T): T {
  // Only a recording tracer reads contexts.
  if (!k.history || !k.s.log.ftrace?.on) return f();
  const c = current(k);
  return runAs(k, { ...c, irqsOff: true, depth: c.depth + (k.preemptCount ? 1 : 0) }, f);
}

/**
 * {@linkcode irqsave} of `f(k, a, b)`, with no closure to build when no tracer reads contexts.
 *
 * @example
 * ```ts
 * import { irqsaveWith } from "./exec.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().build().snapshot());
 * assert.equal(irqsaveWith(k, (_k, a: number, b: number) => a * b, 6, 7), 42);
 * ```
 */
export function irqsaveWith<A, B, T>(
  k: Kernel,
  f: (k: Kernel, a: A, b: B) => T,
  a: A,
  b: B,
): T {
  if (!k.history || !k.s.log.ftrace?.on) return f(k, a, b);
  return irqsaveTraced(k, f, a, b);
}

// irqsaveWith() while the tracer is on. Apart, so that irqsaveWith() captures nothing: a captured
// variable makes every call allocate a context until the code is optimised.
function irqsaveTraced<A, B, T>(k: Kernel, f: (k: Kernel, a: A, b: B) => T, a: A, b: B): T {
  return irqsave(k, () => f(k, a, b));
}
