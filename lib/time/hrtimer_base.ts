/**
 * `hrtimer_cpu_base.online`: `hrtimers_cpu_dying()` clears it on the dying CPU once its timers
 * have moved away (5c0930ccaad5; 6.8.1 kernel/time/hrtimer.c:2255), and `enqueue_hrtimer()`
 * warns when a timer is queued on a base that is not online
 * (`WARN_ON_ONCE(!base->cpu_base->online)`, 6.8.1 hrtimer.c:1088). Up to 6.8 only
 * `hrtimers_prepare_cpu()` sets it again (6.8.1 hrtimer.c:2187), so a CPU taken down to
 * `hrtimers:prepare` (or a failed offline rolled back from above it) comes back with its base
 * still offline; 2f8dea1692ee moved the reset into `hrtimers_cpu_starting()`, which every return
 * runs (6.6.150 hrtimer.c:2226-2238, 6.12.117:2224-2236). The real 6.8.1 printed the warning
 * after such a round trip (tests/real/built/k6.8-hv-direct-target-onback.log).
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import type { CpuState } from "../engine/state.ts";
import { KERN, printk } from "../engine/log.ts";
import { ftraceBuild } from "../kernels/ftrace_builds.ts";

/** The problem's message starts with this: one per boot, as `WARN_ON_ONCE()`'s own flag. */
const SITE = "WARN_ON_ONCE(!base->cpu_base->online) in enqueue_hrtimer()";

/**
 * The first hrtimer queued on CPU `cpu` once it is active again (`sched_cpu_activate()`, from
 * which the scheduler places tasks on it): with the CPU's base still offline, the warning, once
 * per boot. Which task first arms an hrtimer there (a nanosleep, a poll timeout, kfree_rcu()'s
 * page-cache refill: `cat` closing a sysfs file, `kvfree_call_rcu` → `hrtimer_start_range_ns`, in
 * the real log), and when, is the run's: the harness compares the warning's text, not its place
 * (lib/fidelity/dmesg.ts `UNTIMED`). The kernel prints `------------[ cut here ]------------`
 * (6.8.1 lib/bug.c:196), `WARNING: CPU: N PID: P at kernel/time/hrtimer.c:1088 enqueue_hrtimer+…`
 * (kernel/panic.c:662), `Modules linked in:` (kernel/module/main.c:3343), the task's registers
 * and stack, and `---[ end trace 0000000000000000 ]---` (panic.c:637); hvtick prints the lines
 * that do not depend on the task (as
 * lib/platform/hyperv/vmbus.ts `vmbusBusResume`), with the RIP's offset/size where the build's
 * is known (lib/kernels/ftrace_builds.ts oopsSymbols). The timer is queued all the same.
 *
 * @example
 * ```ts
 * import { firstHrtimerOnCpu } from "./hrtimer_base.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.8", cpus: 2 }).build().snapshot());
 * k.s.cpus[1].hrtimersOffline = true;
 * firstHrtimerOnCpu(k, 1);
 * firstHrtimerOnCpu(k, 1);
 * assert.equal(k.s.problems.length, 1);
 * assert.match(k.s.problems[0].message, /hrtimer\.c:1088/);
 * ```
 */
export function firstHrtimerOnCpu(k: Kernel, cpu: number): void {
  const s = k.s;
  if (!s.cpus[cpu].hrtimersOffline) return;
  if (s.problems.some((p) => p.kind === "warn" && p.message.startsWith(SITE))) return;
  const at = ftraceBuild(s.config.kernel, s.config.kconfig).oopsSymbols.enqueue_hrtimer;
  const rip = `enqueue_hrtimer${at ? `+${at}` : ""}`;
  s.problems.push({
    kind: "warn",
    cpu,
    state: s.cpus[cpu].state,
    message: `${SITE} (kernel/time/hrtimer.c:1088): CPU${cpu}'s hrtimer base is still marked ` +
      `offline — hrtimers_cpu_dying() cleared it, and only hrtimers_prepare_cpu() sets it again ` +
      `on this line (no hrtimers_cpu_starting(), 2f8dea1692ee), which did not run since the CPU ` +
      `stopped at or above hrtimers:prepare`,
    time: ktime(k),
  });
  printk(k, "------------[ cut here ]------------", KERN.WARNING);
  const modules = [...(s.modules ?? [])].reverse().map((m) => ` ${m}`).join("");
  printk(k, `Modules linked in:${modules}`, KERN.WARNING);
  printk(k, `RIP: 0010:${rip}`, KERN.WARNING);
  printk(k, "---[ end trace 0000000000000000 ]---", KERN.WARNING);
}

/**
 * `hres_active` cleared and the base online again (`cpu_base->online = 1`), as
 * `hrtimers_prepare_cpu()` / `hrtimers_cpu_starting()` do (6.8.1 kernel/time/hrtimer.c:2166-2188;
 * 6.6.150 hrtimer.c:2224-2238), on `c` (an absent `hrtimersOffline` is an online base). The
 * property is deleted only when there: a `delete` of an absent property is a runtime call in V8
 * (~0.1 µs), and this runs on every offline and online.
 *
 * @example
 * ```ts
 * import { resetHrtimerBase } from "./hrtimer_base.ts";
 * import type { CpuState } from "../engine/state.ts";
 * import assert from "node:assert/strict";
 * const c = { hres: true, hrtimersOffline: true } as unknown as CpuState;
 * resetHrtimerBase(c);
 * assert.deepEqual(c, { hres: false });
 * ```
 */
export function resetHrtimerBase(c: CpuState): void {
  c.hres = false;
  if ("hrtimersOffline" in c) delete c.hrtimersOffline;
}
