/**
 * The tasks that run the modelled code, as ftrace names them: each CPU's idle task (pid 0, printed
 * `<idle>`), `kernel_init` before it execs `/init` (`swapper/0`, pid 1), the per-CPU hotplug and
 * stopper threads (PIDs as the build's boot numbers them, lib/kernels/ftrace_builds.ts), the
 * CPU-bound worker that runs `work_on_cpu()`, and the user's shell (the machine's `shell`).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { Task } from "../engine/exec.ts";
import { ftraceBuild } from "../kernels/ftrace_builds.ts";

/** A CPU's idle task: pid 0, which ftrace prints as `<idle>` (trace_find_cmdline). */
export const IDLE: Task = { comm: "<idle>", pid: 0 };

/** `kernel_init` (pid 1) before it runs `/init`: its comm is still the boot task's `swapper/0`. */
export const KERNEL_INIT: Task = { comm: "swapper/0", pid: 1 };

/** `cpuhp/N`, created for each CPU as it is first brought up (`smpboot_create_threads`). */
export function cpuhpTask(k: Kernel, cpu: number): Task {
  const t = ftraceBuild(k.s.config.kernel, k.s.config.kconfig).kthreads;
  return { comm: `cpuhp/${cpu}`, pid: cpu === 0 ? t.cpuhp0 : t.cpuhp1 + t.perCpu * (cpu - 1) };
}

/**
 * `migration/N`, the CPU's stopper thread (it runs `take_cpu_down()`). CPU0's is made before
 * `cpuhp/0` and its PID is not in any log: it takes `cpuhp/0`'s less one.
 */
export function stopperTask(k: Kernel, cpu: number): Task {
  const t = ftraceBuild(k.s.config.kernel, k.s.config.kconfig).kthreads;
  if (cpu === 0) return { comm: "migration/0", pid: t.cpuhp0 - 1 };
  return { comm: `migration/${cpu}`, pid: cpuhpTask(k, cpu).pid + t.migration };
}

/**
 * The bound worker of `cpu` that picks up `work_on_cpu()` (its number and PID vary by run). Only
 * CPU0's is in the logs; other CPUs' are numbered after it as stand-ins.
 */
export function workerTask(k: Kernel, cpu: number): Task {
  const w = ftraceBuild(k.s.config.kernel, k.s.config.kconfig).kworker;
  return cpu === 0 ? w : { comm: `kworker/${cpu}:1`, pid: w.pid + cpu };
}

/**
 * The process that loads a module (`modprobe`; the rig's busybox `insmod`), a child of the user's
 * shell, on the shell's CPU: the module's init runs in it (`finit_module()`). Its PID is the next
 * one the guest hands out, which depends on every process that ran before; the shell's + 1 stands
 * in (the fidelity harness masks it: lib/fidelity/exclusions.ts `trace-loader`).
 */
export function loaderTask(k: Kernel): Task {
  return { comm: "modprobe", pid: k.s.config.shell.pid + 1 };
}

/** The user's shell, which writes the files (the machine's `shell` option). */
export function shellTask(k: Kernel): Task {
  return k.s.config.shell;
}
