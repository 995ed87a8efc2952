/**
 * Booting a machine: the boot CPU's early timers, SMP bring-up and the initcalls that register
 * hotplug states, in the kernel's order (x86: arch/x86/kernel/time.c, smpboot.c, hyperv/hv_init.c;
 * arm64: arch/arm64/kernel/time.c; kernel/smp.c; drivers/hv/vmbus_drv.c). Boot takes no
 * simulated time: the machine is up at t = 0.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { printk, printkCont } from "../engine/log.ts";
import type { MachineConfig } from "../engine/config.ts";
import { MACHINE_FORMAT, type MachineState, TICK_DO_TIMER } from "../engine/state.ts";
import { newDevice, TSC_KHZ } from "../time/devices.ts";
import { clockeventsConfigAndRegister, clockeventsRegisterDevice } from "../time/clockevents.ts";
import { type ExecContext, runAs, taskContext } from "../engine/exec.ts";
import { fcall } from "../tracing/ftrace.ts";
import { ftraceBootOptions, ftraceFreeInit, resetBuffer } from "../tracing/tracefs.ts";
import { IDLE, KERNEL_INIT } from "../tracing/tasks.ts";
import { initExec } from "./init_exec.ts";
import { walk } from "../hotplug/device.ts";
import { KERNEL_LINES } from "../kernels/lines.ts";
import type { KernelLine } from "../engine/line.ts";
import { BOOT_PHASES, type BootPhase, REGISTRANTS } from "../kernels/registrants.ts";

const BY_KEY = new Map(REGISTRANTS.map((r) => [r.key, r]));
import { createKernel } from "./kernel.ts";
import { advanceTo } from "../time/advance.ts";
import { register } from "./register.ts";
import { udevColdplug } from "./modules.ts";
import { clocksourceName } from "../platform/hyperv/platform.ts";
import { BOOT_LOG, schedClockUnstable } from "./bootlog.ts";
import { configFacts } from "../kernels/configs.ts";
import { registeredLine, registerHz } from "../time/clocksource.ts";

/** `INITIAL_JIFFIES` = (unsigned long)(unsigned int)(-300*HZ) (include/linux/jiffies.h:174). */
export function initialJiffies(hz: number): number {
  return 2 ** 32 - 300 * hz;
}

/** The state of a powered-on machine before anything ran. */
export function initialState(config: MachineConfig, line: KernelLine): MachineState {
  return {
    format: MACHINE_FORMAT,
    config,
    now: 0,
    offNs: 0,
    refEpoch: 0,
    running: false,
    power: "on",
    hang: null,
    jiffies: initialJiffies(config.hz),
    doTimerCpu: TICK_DO_TIMER.BOOT,
    tickNextPeriod: 0,
    lastJiffiesUpdate: 0,
    cpus: Array.from({ length: config.cpus }, (_, id) => ({
      id,
      online: id === 0,
      devOffline: id !== 0,
      state: id === 0 ? line.cpuhp.ONLINE : 0,
      // boot_cpu_hotplug_init() sets the boot CPU's state (55:kernel/cpu.c:2368-2374), and from
      // d385febc9a19 its target too (6.12:3172-3180).
      target: id === 0 && line.bootCpuTarget === "online" ? line.cpuhp.ONLINE : 0,
      fail: -1,
      tickDev: null,
      tickMode: 0 as const,
      checkClocks: false,
      hres: false,
      nohzMode: 0 as const,
      schedExpires: -1,
      synic: false,
      ticks: 0,
    })),
    devices: {},
    ceSeq: 0,
    released: [],
    broadcast: { dev: null, mode: 0, mask: [], oneshotMask: [] },
    registered: [],
    hotplugDisabled: 0,
    vmbus: { up: false, connected: false, channels: [...config.vmbusChannels] },
    frozenCpus: [],
    image: null,
    problems: [],
    log: { dmesg: [], dmesgBytes: 0, trace: [], traceLost: 0 },
  };
}

/** Boots a machine: returns its kernel context with every CPU online. */
export function boot(config: MachineConfig): Kernel {
  const line = KERNEL_LINES[config.kernel];
  const k = createKernel(initialState(config, line));
  const messages = (phase: BootPhase, at: "start" | "end") => {
    for (const m of BOOT_LOG) {
      if (m.phase === phase && m.at === at) {
        for (const text of m.lines(k)) printk(k, text, m.level);
      }
    }
  };
  // Boot's own work takes `timing.bootNs`, spread over the phases: the devices registered so far
  // tick meanwhile (IRQ 0 on CPU0 until its per-CPU device takes over).
  const share = Math.floor(config.timing.bootNs / BOOT_PHASES.length);
  for (const phase of BOOT_PHASES) {
    if (share > 0 && phase !== BOOT_PHASES[0]) advanceTo(k, k.s.now + share);
    runAs(k, phaseContext(k, phase), () => fcall(k, PHASE_FRAMES[phase], () => runPhase(phase)));
  }
  tscRefine(k);
  // free_initmem(): the __init functions leave ftrace (ftrace_free_init_mem).
  k.s.running = true;
  ftraceFreeInit(k);
  initExec(k);
  runAs(k, taskContext(0, k.s.config.shell), () => udevColdplug(k));
  return k;

  function runPhase(phase: BootPhase): void {
    messages(phase, "start");
    for (const device of TIMER_DEVICES) if (device.phase === phase && device.before) device.run(k);
    for (const key of k.line.registrantOrder) {
      const r = BY_KEY.get(key)!;
      if (r.phase === phase && !BY_HOOK.has(r.key)) register(k, r);
    }
    for (const device of TIMER_DEVICES) if (device.phase === phase && !device.before) device.run(k);
    if (phase === "smp_init") {
      // cpuhp_threads_init(): the hotplug threads exist from here on.
      k.threads = true;
      smpInit(k);
    }
    if (phase === "fs_initcall") clocksourceDoneBooting(k);
    messages(phase, "end");
    // early_trace_init() then trace_init(), late in start_kernel() (before init_IRQ()).
    if (phase === "start_kernel") {
      ftraceBootOptions(k, "tracer");
      ftraceBootOptions(k, "events");
    }
    // tracing_set_default_clock() switched the trace clock: the buffers are reset.
    if (phase === "late_initcall" && schedClockUnstable(k) && k.s.log.ftrace) resetBuffer(k);
  }
}

/**
 * Who runs a boot phase: `start_kernel()` in the boot CPU's idle task (preemption disabled until
 * `rest_init()`: logs/hv-direct-trace.log `<idle>-0 … ...1.`), from `smp_prepare_cpus` on
 * `kernel_init` (`swapper/0-1`).
 */
function phaseContext(k: Kernel, phase: BootPhase): ExecContext {
  return BOOT_PHASES.indexOf(phase) < BOOT_PHASES.indexOf("smp_prepare_cpus")
    ? taskContext(0, IDLE, { depth: k.preemptCount ? 1 : 0 })
    : taskContext(0, KERNEL_INIT);
}

/** The kernel function each phase runs in (the `<-parent` of what it calls directly). */
const PHASE_FRAMES: Readonly<Record<BootPhase, string>> = {
  start_kernel: "start_kernel",
  init_IRQ: "init_IRQ",
  time_init: "time_init",
  late_time_init: "x86_late_time_init",
  pagecache_init: "pagecache_init",
  smp_prepare_cpus: "native_smp_prepare_cpus",
  init_mm_internals: "init_mm_internals",
  early_initcall: "do_one_initcall",
  smp_init: "smp_init",
  padata_init: "padata_init",
  page_alloc_init_late: "page_alloc_init_late",
  core_initcall: "do_one_initcall",
  postcore_initcall: "do_one_initcall",
  arch_initcall: "do_one_initcall",
  subsys_initcall: "do_one_initcall",
  fs_initcall: "do_one_initcall",
  device_initcall: "do_one_initcall",
  device_initcall_sync: "do_one_initcall",
  late_initcall: "do_one_initcall",
};

// The stimer's STARTING state, registered from the x86 percpu-clockevent hook (5.11+): by
// setupPercpuClockev(), inside the functions a trace shows, not by the phase loop.
const STIMER_HOOK = "clockevents/hyperv/stimer:starting@hv_stimer_setup_percpu_clockev";
const BY_HOOK = new Set([STIMER_HOOK]);

/**
 * The boot CPU's early timer devices, by phase: x86 `late_time_init` registers the HPET (baseline)
 * or the PIT before Hyper-V init; `smp_prepare_cpus` registers the LAPIC after the 5.11+ stimer
 * hook; arm64 `time_init` registers `bc_hrtimer` after the timer probes (reference §3.2, §3.3).
 */
const TIMER_DEVICES: readonly { phase: BootPhase; before: boolean; run(k: Kernel): void }[] = [
  {
    phase: "time_init",
    before: false,
    run: (k) => {
      if (k.s.config.arch === "arm64") registerOnBootCpu(k, "bc_hrtimer");
    },
  },
  {
    phase: "late_time_init",
    before: true,
    run: (k) => {
      if (k.s.config.arch !== "x86_64") return;
      // A TDX guest without a paravisor: reduced_hw_init() made x86_init.timers.timer_init a
      // no-op, so neither the HPET nor the PIT is set up (6.6.150 arch/x86/kernel/cpu/mshyperv.c:
      // 400-404, 517).
      if (k.s.config.isolation === "tdx") return;
      // hpet_time_init(): the HPET is the global clockevent where the VM has one (QEMU's pc);
      // else the PIT when use_pit() says so (Hyper-V has no HPET).
      fcall(k, "hpet_time_init", () => {
        if (k.s.config.platform.hpet) {
          fcall(k, "hpet_enable", () => configAndRegisterOnBootCpu(k, "hpet"));
        } else if (usePit(k)) {
          fcall(k, "setup_pit_timer", () => configAndRegisterOnBootCpu(k, "pit"));
        }
      });
    },
  },
  {
    phase: "smp_prepare_cpus",
    before: false,
    run: (k) => {
      if (k.s.config.arch === "x86_64") setupPercpuClockev(k);
    },
  },
];

function registerOnBootCpu(k: Kernel, kind: string): void {
  clockeventsRegisterDevice(k, newDevice(k.s.config, kind, 0), 0);
}

function configAndRegisterOnBootCpu(k: Kernel, kind: string): void {
  clockeventsConfigAndRegister(k, newDevice(k.s.config, kind, 0), 0);
}

/**
 * `x86_init.timers.setup_percpu_clockev()` from `native_smp_prepare_cpus()`: on Hyper-V (5.11+)
 * `hv_stimer_setup_percpu_clockev()`, which calls `hv_stimer_alloc()` (registering the stimer's
 * STARTING state in Direct Mode) then the saved `setup_boot_APIC_clock()` (6.1.192
 * arch/x86/hyperv/hv_init.c:362-377, 516-517); elsewhere `setup_boot_APIC_clock()` itself.
 */
function setupPercpuClockev(k: Kernel): void {
  const lapic = () =>
    fcall(
      k,
      "setup_boot_APIC_clock",
      () => fcall(k, "setup_APIC_timer", () => registerOnBootCpu(k, "lapic")),
    );
  if (k.s.config.hyperv === "none" || !k.line.registrants.has(STIMER_HOOK)) return lapic();
  fcall(k, "hv_stimer_setup_percpu_clockev", () => {
    fcall(k, "hv_stimer_alloc", () => register(k, BY_KEY.get(STIMER_HOOK)!));
    lapic();
  });
}

/**
 * `use_pit()` (arch/x86/kernel/i8253.c): from 5.4 `apic_needs_pit()` decides (no ARAT → PIT;
 * TSC-deadline or a known LAPIC period → no PIT); 5.2 always registers the PIT when there is no
 * HPET (tick-deltas §3).
 */
function usePit(k: Kernel): boolean {
  const f = k.s.config.features;
  if (k.line.pit === "always") return true;
  if (!f.arat) return true;
  if (f.tscDeadline) return false;
  return !f.frequencyMsrs;
}

/**
 * `clocksource_done_booting()` (fs_initcall) → `timekeeping_notify()` → `tick_clock_notify()`:
 * the best clocksource takes over (a TSC that still has to be refined runs as `tsc-early`), and
 * every CPU checks for high resolution at its next tick. The ACPI PM timer registers after it
 * (`init_acpi_pm_clocksource`, a later fs_initcall).
 */
function clocksourceDoneBooting(k: Kernel): void {
  const name = clocksourceName(k);
  const early = name === "tsc" && k.s.config.hyperv === "none";
  printk(k, `clocksource: Switched to clocksource ${early ? "tsc-early" : name}`);
  k.hresValid = true;
  for (const c of k.s.cpus) c.checkClocks = true;
  if (k.s.config.arch === "x86_64") printk(k, registeredLine(registerHz("acpi_pm", 24, 3_579_545)));
}

/**
 * `tsc_refine_calibration_work()` (arch/x86/kernel/tsc.c, delayed work): the measured TSC is
 * registered as `tsc` and takes over from `tsc-early` (logs/public/pub-k6.12-plain-offon.log).
 */
function tscRefine(k: Kernel): void {
  if (clocksourceName(k) !== "tsc" || k.s.config.hyperv !== "none") return;
  printk(k, `tsc: Refined TSC clocksource calibration: ${(TSC_KHZ / 1000).toFixed(3)} MHz`);
  printk(k, registeredLine(registerHz("tsc", 64, TSC_KHZ * 1000)));
  printk(k, "clocksource: Switched to clocksource tsc");
}

/**
 * `smp_init()` (kernel/smp.c): bring up every secondary CPU, with x86's `announce_cpu()` line. With
 * `CONFIG_HOTPLUG_PARALLEL` (6.5+ x86_64) `cpuhp_bringup_cpus_parallel()` first takes every AP to
 * `CPUHP_BP_KICK_AP`, then each in turn to online (6.12.117 kernel/cpu.c:1842-1875;
 * logs/k6.12-hv-direct-trace.log: `target:  85` for CPUs 1-3, then `target: 236`).
 */
function smpInit(k: Kernel): void {
  const s = k.s;
  const n = s.config.cpus;
  printk(k, "smp: Bringing up secondary CPUs ...");
  const width = String(n).length + 1;
  const kick = k.line.cpuhp.BP_KICK_AP;
  const configured = kick !== null &&
    (configFacts(s.config.kconfig, s.config.kernel)?.hotplugParallel ?? false);
  // tdx_early_init() clears x86_cpuinit.parallel_bringup (6.6.150 arch/x86/coco/tdx/tdx.c:924),
  // so arch_cpuhp_init_parallel_bringup() refuses (arch/x86/kernel/smpboot.c:1170-1175).
  const parallel = configured && s.config.isolation !== "tdx";
  if (configured && !parallel) printk(k, "smpboot: Parallel CPU startup disabled by the platform");
  for (let cpu = 1; cpu < n; cpu++) {
    if (s.config.arch === "x86_64") {
      if (cpu === 1) {
        printk(
          k,
          k.line.bootLog.smpConfig === "x86-every-cpu1"
            ? "x86: Booting SMP configuration:"
            : "smpboot: x86: Booting SMP configuration:",
        );
        printk(k, ".... node  #0, CPUs:  ");
        printkCont(k, " ".repeat(width + 1));
      }
      printkCont(k, `${" ".repeat(width - String(cpu).length)}#${cpu}`);
    }
    if (parallel && walk(k, cpu, kick, 0).hang) return;
    if (parallel) continue;
    const out = walk(k, cpu, k.line.cpuhp.ONLINE, 0);
    if (out.hang) return;
    s.cpus[cpu].devOffline = false;
  }
  for (let cpu = 1; parallel && cpu < n; cpu++) {
    if (walk(k, cpu, k.line.cpuhp.ONLINE, 0).hang) return;
    s.cpus[cpu].devOffline = false;
  }
  const up = s.cpus.filter((c) => c.online).length;
  printk(k, `smp: Brought up 1 node, ${up} CPU${up > 1 ? "s" : ""}`);
  if (s.config.arch === "arm64") printk(k, `SMP: Total of ${up} processors activated.`);
  else {
    if (k.line.bootLog.maxLogicalPackages) printk(k, "smpboot: Max logical packages: 1");
    // smp_cpus_done() → impress_friends(): loops_per_jiffy summed over the CPUs (lpj from the
    // TSC frequency: calibrate_delay() is skipped; the value is run-dependent, as in every log).
    const bogo = (TSC_KHZ / 1000) * 2 * up;
    printk(k, `smpboot: Total of ${up} processors activated (${bogo.toFixed(2)} BogoMIPS)`);
  }
}
