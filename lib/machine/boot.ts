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
import { type MachineState, TICK_DO_TIMER } from "../engine/state.ts";
import { newDevice } from "../time/devices.ts";
import { clockeventsRegisterDevice } from "../time/clockevents.ts";
import { cpuhpSetupState } from "../hotplug/register.ts";
import { runAfterRegistration } from "../hotplug/symbols.ts";
import { walk } from "../hotplug/device.ts";
import { hasStimer } from "../platform/hyperv/stimer.ts";
import { KERNEL_LINES } from "../kernels/lines.ts";
import type { KernelLine } from "../engine/line.ts";
import {
  BOOT_PHASES,
  type BootPhase,
  type Registrant,
  REGISTRANTS,
} from "../kernels/registrants.ts";
import { createKernel } from "./kernel.ts";
import { bootMessages, clocksourceName } from "../platform/hyperv/platform.ts";

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

/** Boots a machine: returns its kernel context with every CPU online. */
export function boot(config: MachineConfig): Kernel {
  const line = KERNEL_LINES[config.kernel];
  const k = createKernel(initialState(config, line));
  for (const text of bootMessages(k)) printk(k, text);
  for (const phase of BOOT_PHASES) {
    for (const device of TIMER_DEVICES) if (device.phase === phase && device.before) device.run(k);
    for (const r of REGISTRANTS) if (r.phase === phase) register(k, r);
    for (const device of TIMER_DEVICES) if (device.phase === phase && !device.before) device.run(k);
    if (phase === "smp_init") smpInit(k);
  }
  // clocksource_done_booting() (fs_initcall) → timekeeping_notify() → tick_clock_notify().
  printk(k, `clocksource: Switched to clocksource ${clocksourceName(k)}`);
  for (const c of k.s.cpus) c.checkClocks = true;
  k.s.running = true;
  return k;
}

/** Makes one boot-time `cpuhp_setup_state*()` call, if this guest makes it. */
function register(k: Kernel, r: Registrant): void {
  if (!k.line.registrants.has(r.key)) return;
  if (!r.when(k.s.config, { stimer: hasStimer(k), direct: k.direct })) return;
  const request = r.state === "CPUHP_AP_ONLINE_DYN"
    ? "AP_ONLINE_DYN"
    : k.line.enumNames.indexOf(r.state);
  if (request === -1) throw new Error(`internal: ${r.state} is not in Linux ${k.line.id}'s enum`);
  cpuhpSetupState(k, request, r.name, r.startup, r.teardown, {
    nocalls: r.nocalls,
    multi: r.multi,
  });
  if (r.then) runAfterRegistration(k, r.then);
}

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
      if (k.s.config.hyperv === "none") registerOnBootCpu(k, "hpet");
      else if (usePit(k)) registerOnBootCpu(k, "pit");
    },
  },
  {
    phase: "smp_prepare_cpus",
    before: false,
    run: (k) => {
      if (k.s.config.arch === "x86_64") registerOnBootCpu(k, "lapic");
    },
  },
];

function registerOnBootCpu(k: Kernel, kind: string): void {
  clockeventsRegisterDevice(k, newDevice(k.s.config, kind, 0), 0);
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
