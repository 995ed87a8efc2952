/**
 * The function tracer and trace events as the model records them into the tracing instance's ring
 * buffer (kernel/trace/trace_functions.c, trace_events.c): a modelled kernel function is entered
 * through {@linkcode fcall}, which records `fn <-parent` when the function tracer traces it, and
 * keeps the task's call stack so later entries know their parent; tracepoints go through
 * {@linkcode tracepoint}. Which functions have an entry, and which calls were inlined or became
 * tail calls, is the build's (lib/kernels/ftrace_builds.ts).
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import type { FtraceState } from "../engine/state.ts";
import { current, type ExecContext } from "../engine/exec.ts";
import { type FtraceBuild, ftraceBuild } from "../kernels/ftrace_builds.ts";
import { configFacts } from "../kernels/configs.ts";

/**
 * Entries the ring keeps (oldest dropped first, like the ring buffer in overwrite mode). The
 * kernel sizes it in bytes per CPU (`buffer_size_kb`, `trace_buf_size=`); hvtick's traces are far
 * below any such size.
 */
export const FTRACE_MAX_ENTRIES = 1 << 16;

/** The tracing instance when the kernel records history. */
export function ftraceOf(k: Kernel): FtraceState | undefined {
  return k.history ? k.s.log.ftrace : undefined;
}

/** Whether anything is being recorded now (tracing on, and a tracer or an event enabled). */
export function recording(k: Kernel): boolean {
  const ft = ftraceOf(k);
  return !!ft && ft.on && (ft.tracer === "function" || ft.events.length > 0);
}

interface BuildSets {
  readonly kernel: ReadonlySet<string>;
  readonly init: ReadonlySet<string>;
  readonly inlined: ReadonlySet<string>;
  readonly tail: ReadonlySet<string>;
}
const SETS = new WeakMap<FtraceBuild, BuildSets>();

function sets(b: FtraceBuild): BuildSets {
  let x = SETS.get(b);
  if (!x) {
    x = {
      kernel: new Set(b.functions),
      init: new Set(b.init),
      inlined: new Set(b.inlined),
      tail: new Set(b.tail),
    };
    SETS.set(b, x);
  }
  return x;
}

/**
 * The functions `set_ftrace_filter` can take now, in the order it lists them: the build's
 * (its `__init` ones only until boot ends, when `free_initmem()` drops them), then those of the
 * loaded modules.
 */
export function traceableFunctions(k: Kernel): string[] {
  const b = ftraceBuild(k.s.config.kernel, k.s.config.kconfig);
  const out = b.functions.filter((f) => !k.s.running || !b.init.includes(f));
  for (const [m, fns] of Object.entries(b.modules)) if (present(k, m)) out.push(...fns);
  return out;
}

/**
 * Whether module `m`'s code is there: loaded, or built in (`CONFIG_HYPERV=y`; its functions are
 * then kernel text, listed after the build's known ones: their addresses are not known).
 */
function present(k: Kernel, m: string): boolean {
  if ((k.s.modules ?? []).includes(m)) return true;
  return configFacts(k.s.config.kconfig, k.s.config.kernel)?.hyperv !== "m";
}

/**
 * A symbol as `%ps` prints it: a module's function with its module in brackets
 * (`hv_synic_init [hv_vmbus]`: logs/hv-legacy-vmbus-trace.log), a kernel one bare.
 */
export function printedSymbol(k: Kernel, fn: string): string {
  const b = ftraceBuild(k.s.config.kernel, k.s.config.kconfig);
  for (const [m, fns] of Object.entries(b.modules)) {
    if (fns.includes(fn) && (k.s.modules ?? []).includes(m)) return `${fn} [${m}]`;
  }
  return fn;
}

/** Whether `fn` has an ftrace entry now (lib/kernels/ftrace_builds.ts). */
export function isTraceable(k: Kernel, fn: string): boolean {
  const b = ftraceBuild(k.s.config.kernel, k.s.config.kconfig);
  const x = sets(b);
  if (x.kernel.has(fn)) return !k.s.running || !x.init.has(fn);
  for (const [m, fns] of Object.entries(b.modules)) if (fns.includes(fn)) return present(k, m);
  return false;
}

/**
 * The `<-parent` of an entry of `fn` called from the innermost function of `calls`: the function
 * whose code holds the return address. Inlined callers give way to the function they were
 * inlined into; a tail call returns to the caller's own caller. Null when the call itself was
 * inlined (no entry).
 */
export function parentOf(b: FtraceBuild, calls: readonly string[], fn: string): string | null {
  const x = sets(b);
  const top = calls.length - 1;
  if (top < 0) return "";
  if (x.inlined.has(`${fn}@${calls[top]}`)) return null;
  const owner = (i: number, callee: string): string => {
    let j = i;
    while (j > 0 && x.inlined.has(`${calls[j]}@${calls[j - 1]}`)) j--;
    if (x.tail.has(`${callee}@${calls[i]}`) && j > 0) return owner(j - 1, calls[j]);
    return calls[j];
  };
  return owner(top, fn);
}

/**
 * Runs modelled kernel function `fn` (its body `f`): while the tracer records, its entry is
 * recorded when the function tracer traces it, and it is on the task's call stack meanwhile.
 *
 * @example
 * ```ts
 * import { fcall } from "./ftrace.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.1" }).build().snapshot());
 * k.s.log.ftrace = { tracer: "function", filter: ["hv_ce_shutdown"], on: true, events: [], entries: [], written: 0 };
 * fcall(k, "__clockevents_exchange_device", () => fcall(k, "clockevents_switch_state", () => fcall(k, "hv_ce_shutdown", () => 0)));
 * assert.equal(k.s.log.ftrace.entries[0].text, "hv_ce_shutdown <-__clockevents_exchange_device");
 * ```
 */
export function fcall<T>(k: Kernel, fn: string, f: () => T): T {
  const ft = ftraceOf(k);
  if (!ft || !ft.on) return f();
  const ctx = current(k);
  if (
    ft.tracer === "function" && (ft.filter.length === 0 || ft.filter.includes(fn)) &&
    isTraceable(k, fn)
  ) {
    const parent = parentOf(ftraceBuild(k.s.config.kernel, k.s.config.kconfig), ctx.calls, fn);
    // 6.8's function tracer reads the preempt count inside its own preempt_disable_notrace().
    const at = k.line.ftrace.functionDepthPlusOne ? { ...ctx, depth: ctx.depth + 1 } : ctx;
    if (parent !== null) record(k, ft, at, `${fn} <-${parent}`);
  }
  ctx.calls.push(fn);
  try {
    return f();
  } finally {
    ctx.calls.pop();
  }
}

/**
 * {@linkcode fcall} of `f(k, a, b)`: the same entry and call stack while the tracer records, and
 * no closure to build when it does not (the paths every hotplug walk takes call their kernel
 * functions so).
 *
 * @example
 * ```ts
 * import { fcallWith } from "./ftrace.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().build().snapshot());
 * assert.equal(fcallWith(k, "f", (_k, a: number, b: number) => a + b, 1, 2), 3);
 * ```
 */
export function fcallWith<A, B, T>(
  k: Kernel,
  fn: string,
  f: (k: Kernel, a: A, b: B) => T,
  a: A,
  b: B,
): T {
  // Small, so that it is inlined where it is called (and `f` with it); the closure apart, so that
  // this captures nothing (a captured variable makes every call allocate a context until the code
  // is optimised).
  return k.history && k.s.log.ftrace?.on ? fcallTraced(k, fn, f, a, b) : f(k, a, b);
}

// fcallWith() while the tracer is on.
function fcallTraced<A, B, T>(
  k: Kernel,
  fn: string,
  f: (k: Kernel, a: A, b: B) => T,
  a: A,
  b: B,
): T {
  return fcall(k, fn, () => f(k, a, b));
}

/**
 * A tracepoint of event system `system` fired with the event's text (`cpuhp_enter: cpu: …`,
 * made only when it is recorded): recorded when tracing is on and the system is enabled. The caller has checked that the
 * executing CPU is online (tracepoints do not fire elsewhere).
 */
export function tracepoint(k: Kernel, system: string, text: () => string): void {
  const ft = ftraceOf(k);
  if (!ft || !ft.on || !ft.events.includes(system)) return;
  record(k, ft, current(k), text());
}

/**
 * The latency columns of an entry (kernel/trace/trace_output.c `trace_print_lat_fmt`): irqs-off,
 * need-resched (never set by the model), hardirq, preempt depth, and from 5.15 migrate-disable.
 *
 * @example
 * ```ts
 * import { latencyFlags } from "./ftrace.ts";
 * import assert from "node:assert/strict";
 * const ctx = { cpu: 2, task: { comm: "migration/2", pid: 25 }, irqsOff: true, hardirq: false, depth: 1, calls: [] };
 * assert.equal(latencyFlags(5, ctx), "d..1.");
 * assert.equal(latencyFlags(4, { ...ctx, irqsOff: false, depth: 0 }), "....");
 * ```
 */
export function latencyFlags(columns: 4 | 5, ctx: ExecContext): string {
  const depth = ctx.depth & 0xf;
  const four = `${ctx.irqsOff ? "d" : "."}.${ctx.hardirq ? "h" : "."}${
    depth ? depth.toString(16) : "."
  }`;
  return columns === 5 ? `${four}.` : four;
}

/**
 * saved_cmdlines: the ring buffer keeps only an entry's pid, and `trace` prints the comm its cache
 * holds for that pid when read (6.6.150 kernel/trace/trace.c:2517-2541 `__trace_find_cmdline`).
 * The cache takes a task's comm at a sched_switch or wakeup (trace_sched_switch.c:25-49) on a CPU
 * that committed an event since the last save (trace.c:1036 `trace_taskinfo_save`, 2591-2628,
 * 2478-2513 `trace_save_cmdline`). hvtick keeps the comm in each entry: saving a task's comm
 * renames the task's entries still in the buffer.
 *
 * @example
 * ```ts
 * import { saveCmdline } from "./ftrace.ts";
 * import assert from "node:assert/strict";
 * const ft = { tracer: "function" as const, filter: [], on: true, events: [], written: 1, entries: [
 *   { time: 0, cpu: 0, comm: "swapper/0", pid: 1, flags: ".....", text: "hv_stimer_alloc <-hv_stimer_setup_percpu_clockev" },
 * ] };
 * saveCmdline(ft, { comm: "init", pid: 1 });
 * assert.equal(ft.entries[0].comm, "init");
 * ```
 */
export function saveCmdline(ft: FtraceState, task: { comm: string; pid: number }): void {
  for (let i = ft.entries.length - 1; i >= 0; i--) {
    const e = ft.entries[i];
    if (e.pid !== task.pid) continue;
    if (e.comm === task.comm) return;
    for (const x of ft.entries) if (x.pid === task.pid) x.comm = task.comm;
    return;
  }
}

function record(k: Kernel, ft: FtraceState, ctx: ExecContext, text: string): void {
  // The task is switched out after its event, on a CPU whose trace_taskinfo_save that event set.
  saveCmdline(ft, ctx.task);
  ft.entries.push({
    time: ktime(k),
    cpu: ctx.cpu,
    comm: ctx.task.comm,
    pid: ctx.task.pid,
    flags: latencyFlags(k.line.ftrace.flagColumns, ctx),
    text,
  });
  ft.written++;
  if (ft.entries.length > FTRACE_MAX_ENTRIES + (FTRACE_MAX_ENTRIES >> 2)) {
    ft.entries.splice(0, ft.entries.length - FTRACE_MAX_ENTRIES);
  }
}
