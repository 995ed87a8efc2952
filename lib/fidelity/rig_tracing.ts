/**
 * What the rig's tracing scripts do to tracefs around what they print (rig/guest/trace.sh,
 * rig/guest/failtrace.sh): the writes that set tracing up, start and stop it, which the log does
 * not show but the replay must make. The functions failtrace.sh filters are known from the script
 * itself, since it prints only those it could not add.
 *
 * @module
 */

import type { Step } from "./steps.ts";

/** The tracefs directory the scripts use. */
export const TRACEFS = "/sys/kernel/tracing";

/** rig/guest/failtrace.sh `FUNCS`, in its order. */
export const FAILTRACE_FUNCS: readonly string[] = [
  "clockevents_register_device",
  "tick_check_new_device",
  "clockevents_exchange_device",
  "clockevents_unbind_device",
  "__clockevents_unbind",
  "tick_install_broadcast_device",
  "tick_install_replacement",
  "tick_shutdown",
  "tick_cleanup_dead_cpu",
  "tick_offline_cpu",
  "hv_stimer_init",
  "hv_stimer_cleanup",
  "hv_ce_shutdown",
  "hv_ce_set_oneshot",
  "hv_stimer_legacy_init",
  "hv_stimer_legacy_cleanup",
  "hv_synic_init",
  "hv_synic_cleanup",
  "hv_cpu_init",
  "hv_cpu_die",
  "setup_secondary_APIC_clock",
  "lapic_timer_shutdown",
  "lapic_timer_set_oneshot",
];

/**
 * The tracefs writes of one script action:
 * - `reset`: `echo 0 > tracing_on; echo nop > current_tracer; : > set_ftrace_filter`;
 * - `function`: `echo function > current_tracer; echo 1 > events/cpuhp/enable`;
 * - `start`: `: > trace; echo 1 > tracing_on`;
 * - `stop`: `echo 0 > tracing_on`.
 */
export const FTRACE_ACTIONS: Readonly<
  Record<string, readonly { path: string; value: string; append?: boolean }[]>
> = {
  reset: [
    { path: `${TRACEFS}/tracing_on`, value: "0" },
    { path: `${TRACEFS}/current_tracer`, value: "nop" },
    { path: `${TRACEFS}/set_ftrace_filter`, value: "" },
  ],
  function: [
    { path: `${TRACEFS}/current_tracer`, value: "function" },
    { path: `${TRACEFS}/events/cpuhp/enable`, value: "1" },
  ],
  start: [
    { path: `${TRACEFS}/trace`, value: "" },
    { path: `${TRACEFS}/tracing_on`, value: "1" },
  ],
  stop: [{ path: `${TRACEFS}/tracing_on`, value: "0" }],
};

const action = (line: number, arg: string): Step => ({
  kind: "action",
  line,
  action: "ftrace",
  arg,
});
const isFilter = (s: Step) =>
  s.kind === "write" && s.path === `${TRACEFS}/set_ftrace_filter` && s.append === true;

/**
 * failtrace.sh's setup, where its log shows it: just before the state-number line it prints after
 * the setup (`x86/hyperv_init:online=N hyperv/vmbus:online=M`), replacing the `filter -` lines it
 * printed for the functions it could not add by one append of each of its functions (the others
 * were added: their exit status is 0).
 */
export function failtraceSetup(steps: Step[]): Step[] {
  const at = steps.findIndex((s) =>
    s.kind === "read" && s.reader === "state_number" && s.arg === "x86/hyperv_init:online" &&
    steps.some((t) =>
      t.kind === "read" && t.reader === "state_number" && t.line === s.line &&
      t.arg === "hyperv/vmbus:online"
    )
  );
  if (at < 0) return steps;
  let from = at;
  // Kernel console lines the boot printed late may sit among them (k6.8-hv-direct-failtrace.log:
  // "fail to initialize ptp_kvm" just before RIG-BEGIN): they stay, before the setup.
  while (from > 0 && (isFilter(steps[from - 1]) || steps[from - 1].kind === "console")) from--;
  const failed = new Set(
    steps.slice(from, at).flatMap((s) => s.kind === "write" ? [s.value] : []),
  );
  const console = steps.slice(from, at).filter((s) => s.kind === "console");
  const line = steps[at].line;
  const setup: Step[] = [
    action(line, "reset"),
    ...FAILTRACE_FUNCS.map((f): Step => ({
      kind: "write",
      line,
      path: `${TRACEFS}/set_ftrace_filter`,
      value: f,
      append: true,
      rc: failed.has(f) ? 1 : 0,
      err: "?",
    })),
    action(line, "function"),
  ];
  return [...steps.slice(0, from), ...console, ...setup, ...steps.slice(at)];
}

/**
 * A traced block's actions around its command (trace.sh `offline cpuN (traced)` and `online cpuN
 * (traced)`, failtrace.sh's `traced()`): tracing (re)started before it when `start`, and after the
 * command (`sleep` seconds later) stopped before the trace is read.
 */
export function tracedBlock(
  line: number,
  start: boolean,
  sleep: number,
): { before: Step[]; after: Step[] } {
  return {
    before: start ? [action(line, "start")] : [],
    after: [
      ...(sleep ? [{ kind: "action", line, action: "sleep", arg: String(sleep) } as Step] : []),
      action(line, "stop"),
    ],
  };
}

/** trace.sh's `runtime trace setup` block: reset before its filter lines, then start. */
export function runtimeSetup(line: number): { before: Step[]; after: Step[] } {
  return {
    before: [action(line, "reset")],
    after: [action(line, "function"), action(line, "start")],
  };
}
