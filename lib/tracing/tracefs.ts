/**
 * The tracefs files of the top tracing instance (`/sys/kernel/tracing`, kernel/trace/trace.c,
 * ftrace.c, trace_events.c): `current_tracer`, `tracing_on`, `set_ftrace_filter`,
 * `events/cpuhp/enable` and `trace`, and the boot options that configure it
 * (`ftrace=`, `ftrace_filter=`, `trace_event=`).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { FtraceEntry, FtraceState } from "../engine/state.ts";

/** A store's result: 0 or a negative errno (the files table's `WriteOutcome`). */
type WriteOutcome = { readonly ret: number; readonly refusal?: RefusalId };
import { type RefusalId, refuse } from "../util/refusals.ts";
import { printk } from "../engine/log.ts";
import { traceableFunctions } from "./ftrace.ts";

/** The tracers hvtick models (`available_tracers` of a Debian kernel lists more). */
export const TRACERS = ["function", "nop"] as const;

/** The event systems hvtick's kernel code fires. */
export const EVENT_SYSTEMS = ["cpuhp"] as const;

/** The tracing instance, made on first use (boot leaves tracing on with the nop tracer). */
export function instance(k: Kernel): FtraceState {
  return k.s.log.ftrace ??= {
    tracer: "nop",
    filter: [],
    on: true,
    events: [],
    entries: [],
    written: 0,
  };
}

/** `current_tracer`. */
export function currentTracerShow(k: Kernel): string {
  return `${instance(k).tracer}\n`;
}

/**
 * `tracing_set_trace_write()` → `tracing_set_tracer()`: the name, whitespace stripped; a tracer
 * the kernel does not have is -EINVAL. The buffer is not reset.
 */
export function currentTracerStore(k: Kernel, _cpu: number, value: string): WriteOutcome {
  const name = value.trim();
  if (!(TRACERS as readonly string[]).includes(name)) {
    if (DEBIAN_TRACERS.includes(name)) {
      throw new RangeError(
        `current_tracer ${JSON.stringify(name)} is a tracer of the kernel that hvtick does not ` +
          `model; modelled: ${TRACERS.join(", ")}`,
      );
    }
    return refuse("tracer-unknown");
  }
  const ft = instance(k);
  if (ft.tracer !== name) {
    ft.tracer = name as FtraceState["tracer"];
    if (name !== "nop") printk(k, `Starting tracer '${name}'`);
  }
  return { ret: 0 };
}

// available_tracers of the Debian kernels (CONFIG_*_TRACER=y): other names are -EINVAL.
const DEBIAN_TRACERS = [
  "blk",
  "mmiotrace",
  "function_graph",
  "wakeup_dl",
  "wakeup_rt",
  "wakeup",
  "hwlat",
  "osnoise",
  "timerlat",
];

/** `tracing_on`. */
export function tracingOnShow(k: Kernel): string {
  return `${instance(k).on ? 1 : 0}\n`;
}

/** `rb_simple_write()`: `kstrtoul`; non-zero turns tracing on. */
export function tracingOnStore(k: Kernel, _cpu: number, value: string): WriteOutcome {
  const text = value.trim();
  if (!/^(?:0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(text)) return refuse("tracing-on-syntax");
  instance(k).on = Number(text) !== 0;
  return { ret: 0 };
}

/**
 * `set_ftrace_filter`: the filtered functions in the order the build links them (the listing
 * walks the ftrace records), or `#### all functions enabled ####` when none is set.
 */
export function ftraceFilterShow(k: Kernel): string {
  const ft = instance(k);
  if (ft.filter.length === 0) return "#### all functions enabled ####\n";
  return traceableFunctions(k).filter((f) => ft.filter.includes(f)).map((f) => `${f}\n`).join(
    "",
  );
}

/**
 * `ftrace_filter_write()`: opening with `O_TRUNC` (`>`) empties the filter first (the emptied
 * filter stays even when the write then fails); each word is a function or a glob (`*`, `?`), `!`
 * removes; a word that matches no traceable function is -EINVAL (ftrace_process_regex).
 */
export function ftraceFilterStore(
  k: Kernel,
  _cpu: number,
  value: string,
  append: boolean,
): WriteOutcome {
  const ft = instance(k);
  if (!append) ft.filter = [];
  const all = traceableFunctions(k);
  for (const word of value.split(/\s+/).filter((w) => w !== "")) {
    const remove = word.startsWith("!");
    const glob = new RegExp(
      `^${
        (remove ? word.slice(1) : word).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
          .replace(/\?/g, ".")
      }$`,
    );
    const matches = all.filter((f) => glob.test(f));
    if (matches.length === 0) return refuse("ftrace-no-match");
    ft.filter = remove
      ? ft.filter.filter((f) => !matches.includes(f))
      : [...ft.filter, ...matches.filter((f) => !ft.filter.includes(f))];
  }
  return { ret: 0 };
}

/** `events/SYSTEM/enable`: `1` when every event of the system is on, `0` when none is. */
export function eventsEnableShow(k: Kernel, system: string): string {
  return `${instance(k).events.includes(system) ? 1 : 0}\n`;
}

/** `system_enable_write()`: `0` or `1`, else -EINVAL. */
export function eventsEnableStore(k: Kernel, system: string, value: string): WriteOutcome {
  const text = value.trim();
  if (text !== "0" && text !== "1") return refuse("events-enable-value");
  const ft = instance(k);
  ft.events = text === "1"
    ? [...new Set([...ft.events, system])]
    : ft.events.filter((e) => e !== system);
  return { ret: 0 };
}

/**
 * Opening `trace` for writing with `O_TRUNC` (`: > trace`, `echo > trace`) resets the buffers
 * (tracing_open → tracing_reset_online_cpus); what is written is ignored.
 */
export function traceStore(k: Kernel, _cpu: number, _value: string, append: boolean): WriteOutcome {
  if (!append) resetBuffer(k);
  return { ret: 0 };
}

/** Empties the ring buffer. */
export function resetBuffer(k: Kernel): void {
  const ft = instance(k);
  ft.entries = [];
  ft.written = 0;
}

/**
 * `trace`: the tracer's name, the buffer's counts, the column header of the release
 * (kernel/trace/trace.c `print_func_help_header_irq`), then one line per entry
 * (trace_output.c `trace_print_context`: `%16s-%-7d [%03d] FLAGS %5lu.%06lu: `).
 *
 * @example
 * ```ts
 * import { traceShow } from "./tracefs.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.1" }).build().snapshot());
 * k.s.log.ftrace = { tracer: "function", filter: [], on: true, events: [], written: 1, entries: [
 *   { time: 17_896_101_000, cpu: 2, comm: "migration/2", pid: 25, flags: "d..1.", text: "hv_ce_shutdown <-hv_stimer_cleanup" },
 * ] };
 * assert.equal(
 *   traceShow(k).split("\n").at(-2),
 *   "     migration/2-25      [002] d..1.    17.896101: hv_ce_shutdown <-hv_stimer_cleanup",
 * );
 * ```
 */
export function traceShow(k: Kernel): string {
  const ft = instance(k);
  const cpus = k.s.cpus.filter((c) => c.online).length;
  return [
    `# tracer: ${ft.tracer}`,
    "#",
    `# entries-in-buffer/entries-written: ${ft.entries.length}/${ft.written}   #P:${cpus}`,
    "#",
    ...header(k.line.ftrace.flagColumns, k.line.ftrace.pidWidth),
    ...ft.entries.map((e) => traceLine(e, k.line.ftrace.pidWidth)),
    "",
  ].join("\n");
}

/** One entry as `trace` prints it. */
export function traceLine(e: FtraceEntry, pidWidth: 5 | 7): string {
  const us = Math.floor(e.time / 1000);
  const stamp = `${String(Math.floor(us / 1e6)).padStart(5)}.${String(us % 1e6).padStart(6, "0")}`;
  return `${e.comm.padStart(16)}-${String(e.pid).padEnd(pidWidth)} [${
    String(e.cpu).padStart(3, "0")
  }] ${e.flags} ${stamp}: ${e.text}`;
}

function header(columns: 4 | 5, pidWidth: 5 | 7): string[] {
  if (pidWidth === 5) {
    // 5.5 kernel/trace/trace.c print_func_help_header_irq (before 795d6379a47b).
    return [
      "#                            _-----=> irqs-off",
      "#                           / _----=> need-resched",
      "#                          | / _---=> hardirq/softirq",
      "#                          || / _--=> preempt-depth",
      "#                          ||| /     delay",
      "#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION",
      "#              | |       |   ||||       |         |",
    ];
  }
  const pad = "#                              ";
  if (columns === 4) {
    // 5.10.262 kernel/trace/trace.c:3937-3943.
    return [
      "#                                _-----=> irqs-off",
      "#                               / _----=> need-resched",
      `${pad}| / _---=> hardirq/softirq`,
      `${pad}|| / _--=> preempt-depth`,
      `${pad}||| /     delay`,
      "#           TASK-PID     CPU#  ||||   TIMESTAMP  FUNCTION",
      "#              | |         |   ||||      |         |",
    ];
  }
  // 6.1.192 kernel/trace/trace.c:4279-4286 (6.12.117:4059-4076).
  return [
    "#                                _-----=> irqs-off/BH-disabled",
    "#                               / _----=> need-resched",
    `${pad}| / _---=> hardirq/softirq`,
    `${pad}|| / _--=> preempt-depth`,
    `${pad}||| / _-=> migrate-disable`,
    `${pad}|||| /     delay`,
    "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
    "#              | |         |   |||||     |         |",
  ];
}

/**
 * The boot options that set tracing up (kernel/trace/trace.c `set_cmdline_ftrace`, ftrace.c
 * `set_ftrace_filter`, trace_events.c `setup_trace_event`), in `start_kernel()`'s order:
 * `early_trace_init()` starts the tracer `ftrace=` names (`ftrace_filter=a,b` filters it; names
 * the build cannot trace are dropped), and later `trace_init()` enables the events
 * `trace_event=cpuhp:*` (or `cpuhp`) names, so the ring buffers' own hotplug instances, added in
 * between, are not traced.
 */
export function ftraceBootOptions(k: Kernel, part: "tracer" | "events"): void {
  const words = k.s.config.cmdline.split(/\s+/).filter((w) => w !== "");
  const value = (key: string) => words.find((w) => w.startsWith(`${key}=`))?.slice(key.length + 1);
  const tracer = value("ftrace");
  const filter = value("ftrace_filter");
  const events = value("trace_event");
  if (part === "tracer") {
    if (!tracer || !(TRACERS as readonly string[]).includes(tracer)) return;
    const ft = instance(k);
    ft.tracer = tracer as FtraceState["tracer"];
    printk(k, `Starting tracer '${tracer}'`);
    if (filter) {
      const all = traceableFunctions(k);
      ft.filter = filter.split(",").filter((f) => all.includes(f));
    }
    return;
  }
  for (const e of (events ?? "").split(",")) {
    const system = e.split(":")[0];
    if ((EVENT_SYSTEMS as readonly string[]).includes(system)) {
      const ft = instance(k);
      ft.events = [...new Set([...ft.events, system])];
    }
  }
}

/**
 * `ftrace_free_init_mem()` when boot frees its init text: the `__init` functions leave the
 * filter (and can no longer be traced).
 */
export function ftraceFreeInit(k: Kernel): void {
  const ft = k.s.log.ftrace;
  if (!ft) return;
  const all = traceableFunctions(k);
  ft.filter = ft.filter.filter((f) => all.includes(f));
}
