/**
 * The tracefs files of the file table (lib/files/table.ts): the top tracing instance at
 * `/sys/kernel/tracing` (lib/tracing/tracefs.ts).
 *
 * @module
 */

import type { SysfsFile } from "./file.ts";
import {
  currentTracerShow,
  currentTracerStore,
  eventsEnableShow,
  eventsEnableStore,
  ftraceFilterShow,
  ftraceFilterStore,
  traceShow,
  traceStore,
  tracingOnShow,
  tracingOnStore,
} from "../tracing/tracefs.ts";

/** The tracefs rows. */
export const TRACEFS_FILES: readonly SysfsFile[] = [
  {
    pattern: /^\/sys\/kernel\/tracing\/current_tracer$/,
    example: "/sys/kernel/tracing/current_tracer",
    mode: "0644",
    source: "kernel/trace/trace.c tracing_set_trace_read/write (nop and function modelled)",
    read: currentTracerShow,
    write: currentTracerStore,
  },
  {
    pattern: /^\/sys\/kernel\/tracing\/tracing_on$/,
    example: "/sys/kernel/tracing/tracing_on",
    mode: "0644",
    source: "kernel/trace/trace.c rb_simple_read/write",
    read: tracingOnShow,
    write: tracingOnStore,
  },
  {
    pattern: /^\/sys\/kernel\/tracing\/set_ftrace_filter$/,
    example: "/sys/kernel/tracing/set_ftrace_filter",
    mode: "0644",
    source: "kernel/trace/ftrace.c ftrace_filter_write (the modelled functions only)",
    read: ftraceFilterShow,
    write: ftraceFilterStore,
  },
  {
    pattern: /^\/sys\/kernel\/tracing\/events\/cpuhp\/enable$/,
    example: "/sys/kernel/tracing/events/cpuhp/enable",
    mode: "0644",
    source: "kernel/trace/trace_events.c system_enable_read/write",
    read: (k) => eventsEnableShow(k, "cpuhp"),
    write: (k, _cpu, value) => eventsEnableStore(k, "cpuhp", value),
  },
  {
    pattern: /^\/sys\/kernel\/tracing\/trace$/,
    example: "/sys/kernel/tracing/trace",
    mode: "0644",
    source: "kernel/trace/trace.c s_show, trace_output.c trace_print_context",
    read: traceShow,
    write: traceStore,
  },
];
