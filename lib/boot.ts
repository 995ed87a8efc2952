/**
 * Booting a machine: the boot CPU's early timers, SMP bring-up and the initcalls that register
 * hotplug states, in the kernel's order (x86: arch/x86/kernel/time.c, smpboot.c, hyperv/hv_init.c;
 * arm64: arch/arm64/kernel/time.c; kernel/smp.c; drivers/hv/vmbus_drv.c). Boot takes no
 * simulated time: the machine is up at t = 0.
 *
 * @module
 */

import { type Kernel, printk, printkCont } from "./kernel.ts";
import type { MachineConfig } from "./config.ts";
import { type MachineState, TICK_DO_TIMER } from "./state.ts";
import { newDevice } from "./clockevents/devices.ts";
import { clockeventsRegisterDevice } from "./clockevents/core.ts";
import { cpuhpSetupState } from "./hotplug/register.ts";
import { walk } from "./ops.ts";
import { buildSteps } from "./hotplug/steps.ts";
import { directMode, hasStimer } from "./hyperv/stimer.ts";
import { KERNEL_LINES, type KernelLine } from "./kernels/lines.ts";
import { TimerQueue } from "./timers.ts";
import { bootMessages, clocksourceName } from "./hyperv/platform.ts";

/** `INITIAL_JIFFIES` = (unsigned long)(unsigned int)(-300*HZ) (include/linux/jiffies.h:174). */
export function initialJiffies(hz: number): number {
  return 2 ** 32 - 300 * hz;
}

/** The state of a powered-on machine before anything ran. */
export function initialState(config: MachineConfig, line: KernelLine): MachineState {
  return {
    format: "hvtick-machine/1",
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
      // boot_cpu_hotplug_init() sets only the boot CPU's state (55:kernel/cpu.c:2368-2374).
      target: 0,
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
    ceList: {},
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

/** A kernel context over a state (derived indexes rebuilt from it). */
export function kernelFor(s: MachineState): Kernel {
  const line = KERNEL_LINES[s.config.kernel];
  const f = s.config.features;
  return {
    s,
    line,
    steps: buildSteps(line, s.registered),
    timers: new TimerQueue(),
    period: Math.floor(1_000_000_000 / s.config.hz),
    direct: s.config.hyperv !== "none" && f.syntheticTimers && f.stimerDirectMode,
    traceTicks: s.config.traceTicks,
    listener: null,
    scratch: [],
  };
}

/** Boots a machine: returns its kernel context with every CPU online. */
export function boot(config: MachineConfig): Kernel {
  const line = KERNEL_LINES[config.kernel];
  const k = kernelFor(initialState(config, line));
  for (const text of bootMessages(k)) printk(k, text);
  if (config.arch === "x86_64") bootX86Timers(k);
  else bootArm64Timers(k);
  smpInit(k);
  if (config.hyperv !== "none") {
    // vmbus_bus_init() from hv_acpi_init(), a subsys_initcall.
    cpuhpSetupState(k, "AP_ONLINE_DYN", "hyperv/vmbus:online", "hv_synic_init", "hv_synic_cleanup");
    k.s.vmbus.up = true;
    k.s.vmbus.connected = true;
  }
  // clocksource_done_booting() (fs_initcall) → timekeeping_notify() → tick_clock_notify().
  printk(k, `clocksource: Switched to clocksource ${clocksourceName(k)}`);
  for (const c of k.s.cpus) c.checkClocks = true;
  k.s.running = true;
  return k;
}

/** x86 boot CPU: PIT/HPET at late_time_init, Hyper-V init, then the LAPIC (reference §3.2). */
function bootX86Timers(k: Kernel): void {
  const c = k.s.config;
  if (c.hyperv === "none") clockeventsRegisterDevice(k, newDevice(c, "hpet", 0), 0);
  else if (usePit(k)) clockeventsRegisterDevice(k, newDevice(c, "pit", 0), 0);
  if (c.hyperv !== "none") {
    cpuhpSetupState(k, "AP_ONLINE_DYN", "x86/hyperv_init:online", "hv_cpu_init", "hv_cpu_die");
  }
  // hv_stimer_alloc(): from hyperv_init() (5.5–5.10) or the setup_percpu_clockev hook (5.11+);
  // either way before setup_boot_APIC_clock() registers the LAPIC.
  if (k.line.stimer.direct === "starting" && hasStimer(k) && directMode(k)) {
    cpuhpSetupState(
      k,
      k.line.cpuhp.HYPERV_TIMER_STARTING!,
      "clockevents/hyperv/stimer:starting",
      "hv_stimer_init",
      "hv_stimer_cleanup",
    );
  }
  clockeventsRegisterDevice(k, newDevice(c, "lapic", 0), 0);
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

/** arm64 boot CPU: `time_init()` (arch timer, `bc_hrtimer`), then `dummy_timer` (reference §3.3). */
function bootArm64Timers(k: Kernel): void {
  const c = k.line.cpuhp;
  cpuhpSetupState(
    k,
    c.ARM_ARCH_TIMER_STARTING,
    "clockevents/arm/arch_timer:starting",
    "arch_timer_starting_cpu",
    "arch_timer_dying_cpu",
  );
  if (k.line.stimer.direct === "starting" && hasStimer(k) && directMode(k)) {
    cpuhpSetupState(
      k,
      c.HYPERV_TIMER_STARTING!,
      "clockevents/hyperv/stimer:starting",
      "hv_stimer_init",
      "hv_stimer_cleanup",
    );
  }
  clockeventsRegisterDevice(k, newDevice(k.s.config, "bc_hrtimer", 0), 0);
  cpuhpSetupState(
    k,
    c.DUMMY_TIMER_STARTING,
    "clockevents/dummy_timer:starting",
    "dummy_timer_starting_cpu",
    null,
  );
  if (k.s.config.hyperv !== "none" && !k.line.arm64Stimer) {
    cpuhpSetupState(k, "AP_ONLINE_DYN", "arm64/hyperv_init:online", "hv_cpu_init", "hv_cpu_die");
  }
}

/** `smp_init()` (kernel/smp.c): bring up every secondary CPU, with x86's `announce_cpu()` line. */
function smpInit(k: Kernel): void {
  const s = k.s;
  const n = s.config.cpus;
  printk(k, "smp: Bringing up secondary CPUs ...");
  const width = String(n).length + 1;
  for (let cpu = 1; cpu < n; cpu++) {
    if (s.config.arch === "x86_64") {
      if (cpu === 1) {
        printk(k, "x86: Booting SMP configuration:");
        printk(k, ".... node  #0, CPUs:  ");
        printkCont(k, " ".repeat(width + 1));
      }
      printkCont(k, `${" ".repeat(width - String(cpu).length)}#${cpu}`);
    }
    const out = walk(k, cpu, k.line.cpuhp.ONLINE, 0);
    if (out.hang) return;
    s.cpus[cpu].devOffline = false;
  }
  const up = s.cpus.filter((c) => c.online).length;
  printk(k, `smp: Brought up 1 node, ${up} CPU${up > 1 ? "s" : ""}`);
  if (s.config.arch === "arm64") printk(k, `SMP: Total of ${up} processors activated.`);
}
