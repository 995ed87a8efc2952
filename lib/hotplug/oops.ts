/**
 * What a walk of the corrupted clockevent list (lib/time/list_corruption.ts) does to the
 * machine: a walk that loops for ever holds `clockevents_lock` with interrupts off, so the CPU
 * never comes back and every later hotplug or clockevents operation waits on it (a hang); a walk
 * that reads the poison takes a general protection fault, the oops is printed, and the task that
 * walked dies holding the hotplug and clockevents locks — when that task is init (PID 1), the
 * kernel panics. Text: 6.12.117 arch/x86/kernel/dumpstack.c `__die_header` (the `Oops: ` prefix,
 * ` PREEMPT` with CONFIG_PREEMPTION), kernel/exit.c (the `note:` lines), kernel/exit.c
 * `do_exit` → `panic("Attempted to kill init! exitcode=0x%08x")`; the real oops of
 * logs/public/pub-k6.12-hv-legacy-vmbus-failhvinit-rep2.log.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import type { Hang } from "../engine/state.ts";
import { current } from "../engine/exec.ts";
import { CONSOLE_LOGLEVEL_MOTORMOUTH, KERN, printk } from "../engine/log.ts";
import type { ListFault } from "../time/list_corruption.ts";
import { ftraceBuild } from "../kernels/ftrace_builds.ts";
import { configFacts } from "../kernels/configs.ts";

/** `name+offset/size` where the build's symbol table is known, else the bare name. */
function symbol(k: Kernel, name: string): string {
  const at = ftraceBuild(k.s.config.kernel, k.s.config.kconfig).oopsSymbols[name];
  return at ? `${name}+${at}` : name;
}

/**
 * The machine's end after `fault` while CPU `cpu` was at hotplug state `state` (`up`: in an
 * online's walk): the oops printed for a fault, then the hang (and the panic, when init died).
 */
export function listFaultHang(
  k: Kernel,
  cpu: number,
  state: number,
  fault: ListFault,
  up = false,
): Hang {
  const task = current(k).task;
  const step = k.steps[state];
  const stateName = step.name ?? step.id;
  if (fault.kind === "loop") {
    return {
      cpu,
      state,
      stateName,
      callback: fault.fn,
      reason: `${fault.fn}() walks clockevent_devices, which loops since a device was added ` +
        `to it twice (list_add() of a listed node), with clockevents_lock held and interrupts ` +
        `off: it never returns`,
      symptom: "",
      time: ktime(k),
    };
  }
  const facts = configFacts(k.s.config.kconfig, k.s.config.kernel);
  const preempt = facts?.preemptDynamic ? " PREEMPT" : "";
  const rip = `RIP: 0010:${symbol(k, fault.fn)}`;
  const lines = [
    `${k.line.oops.prefix ? "Oops: " : ""}general protection fault, probably for non-canonical ` +
    `address 0xdead000000000100: 0000 [#1]${preempt} SMP NOPTI`,
    // The CPU, Hardware name, Code and register lines of the real oops are the run's.
    rip,
    ...callTrace(up, fault.fn).map((f, i) => `${i ? "" : "Call Trace:\n"} ${symbol(k, f)}`)
      .flatMap((l) => l.split("\n")),
    `Modules linked in: ${(k.s.modules ?? []).join(" ")}`.trimEnd(),
    rip,
    ...(k.line.oops.exitIrqsNote
      ? [`note: ${task.comm}[${task.pid}] exited with irqs disabled`]
      : []),
    ...(k.preemptCount ? [`note: ${task.comm}[${task.pid}] exited with preempt_count 1`] : []),
  ];
  // die_addr() → oops_begin() → console_verbose(): from here every record reaches the console
  // (6.12 arch/x86/kernel/dumpstack.c oops_begin). The oops is printed at KERN_DEFAULT (4,
  // __die_header, show_regs, print_modules), the notes with pr_info, the panic with pr_emerg.
  k.s.consoleLoglevel = CONSOLE_LOGLEVEL_MOTORMOUTH;
  for (const l of lines) printk(k, l, l.startsWith("note: ") ? KERN.INFO : KERN.WARNING);
  const init = task.pid === 1;
  const panic = "Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b";
  if (init) printk(k, panic, KERN.EMERG);
  return {
    cpu,
    state,
    stateName,
    callback: fault.fn,
    reason: `${fault.fn}() followed the corrupted clockevent_devices list into a node list_del() ` +
      `had poisoned (LIST_POISON1, 0xdead000000000100): general protection fault; ` +
      (init
        ? "the task was init, so the kernel panicked"
        : `${task.comm}[${task.pid}] died holding the hotplug and clockevents locks`),
    symptom: init ? panic : "general protection fault",
    time: ktime(k),
  };
}

/**
 * The frames below the faulting function on the one path a real oops shows: an online written to
 * `cpuN/online`, rolled back through `takedown_cpu()`. Elsewhere none are printed.
 */
function callTrace(up: boolean, fn: string): string[] {
  if (fn !== "tick_cleanup_dead_cpu" || !up) return [];
  return [
    "takedown_cpu",
    "cpuhp_invoke_callback",
    "__cpuhp_invoke_callback_range",
    "_cpu_up",
    "cpu_up",
    "cpu_subsys_online",
    "device_online",
    "online_store",
    "kernfs_fop_write_iter",
    "vfs_write",
    "ksys_write",
    "do_syscall_64",
    "entry_SYSCALL_64_after_hwframe",
  ];
}
