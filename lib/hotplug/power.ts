/**
 * Hibernation (`echo disk > /sys/power/state`, kernel/power/hibernate.c) and resume, as far as
 * CPUs and timers are concerned (reference §1.10, hyperv-stimer §3.5, §4.3; message order:
 * docs/model.md §Hibernation). Lines that print sizes or speeds of the image are not modelled.
 *
 * @module
 */

import { type Kernel, ktime, setState } from "../engine/kernel.ts";
import { printk } from "../engine/log.ts";
import { type Outcome, walk } from "./device.ts";
import { tickSuspend } from "../time/tick_offline.ts";
import { tickSetupPeriodic } from "../time/tick_setup.ts";
import { clockeventsProgramEvent, clockeventsSwitchState } from "../time/clockevents.ts";
import { CE_STATE, type MachineState, TICKDEV_MODE } from "../engine/state.ts";
import { E } from "../util/errno.ts";

/** What a hibernation or resume did. */
export interface PowerOutcome {
  /** 0 or a negative errno. */
  readonly ret: number;
  /** CPUs taken down by `freeze_secondary_cpus()`. */
  readonly frozen: number[];
  /** The hotplug walk that hung, if one did. */
  readonly hung: Outcome | null;
  /** Why it was refused before starting, when it was. */
  readonly why?: string;
}

/**
 * `freeze_secondary_cpus(primary)` (kernel/cpu.c:1210-1268): takes every other online CPU down in
 * ascending order; stops at the first error; always disables hotplug.
 */
function freezeSecondaryCpus(k: Kernel, primary: number): { ret: number; hung: Outcome | null } {
  const s = k.s;
  printk(k, "Disabling non-boot CPUs ...");
  s.frozenCpus = [];
  let ret = 0;
  for (const c of s.cpus) {
    if (c.id === primary || !c.online) continue;
    const out = walk(k, c.id, 0, primary);
    if (out.hang) return { ret: 0, hung: out };
    if (out.ret) {
      ret = out.ret;
      printk(k, `Error taking CPU${c.id} down: ${out.ret}`);
      break;
    }
    s.frozenCpus.push(c.id);
  }
  if (ret) printk(k, "Non-boot CPUs are not disabled");
  s.hotplugDisabled++;
  return { ret, hung: null };
}

/** `enable_nonboot_cpus()` / 6.1 `thaw_secondary_cpus()` (kernel/cpu.c:1276-1306). */
function thawSecondaryCpus(k: Kernel): Outcome | null {
  const s = k.s;
  s.hotplugDisabled--;
  if (s.frozenCpus.length === 0) return null;
  printk(k, "Enabling non-boot CPUs ...");
  for (const cpu of s.frozenCpus) {
    const out = walk(k, cpu, k.line.cpuhp.ONLINE, 0);
    if (out.hang) return out;
    printk(k, out.ret ? `Error taking CPU${cpu} up: ${out.ret}` : `CPU${cpu} is up`);
  }
  s.frozenCpus = [];
  return null;
}

/** syscore suspend on CPU0: `hv_synic_suspend()` (SynIC off, no unbind) and `tick_suspend()`. */
function syscoreSuspend(k: Kernel): void {
  if (k.s.vmbus.up) k.s.cpus[0].synic = false;
  tickSuspend(k, 0);
}

/** syscore resume on CPU0: `hv_synic_resume()` and `tick_resume_local()`. */
function syscoreResume(k: Kernel): void {
  const s = k.s;
  if (s.vmbus.up) s.cpus[0].synic = true;
  const c = s.cpus[0];
  if (c.tickDev === null) return;
  const d = s.devices[c.tickDev];
  if (c.tickMode === TICKDEV_MODE.PERIODIC) tickSetupPeriodic(k, d, false);
  else {
    clockeventsSwitchState(k, d, CE_STATE.ONESHOT);
    clockeventsProgramEvent(k, d, ktime(k), true);
  }
}

/** The PM prefix of hibernate.c/snapshot.c messages ("PM: ", 6.1 "PM: hibernation: "). */
function pm(k: Kernel): string {
  return k.line.pmPrefix;
}

/**
 * `hibernate()` up to power-off: freeze, VMbus unload (5.4+), `freeze_secondary_cpus(0)`,
 * snapshot, thaw to write the image, then the platform power-down path offlines the CPUs again.
 * On success the machine is powered off holding the image; a hang leaves it hung.
 */
export function hibernate(k: Kernel): PowerOutcome {
  const s = k.s;
  if (s.config.arch === "x86_64" && !s.cpus[0].online) {
    // bsp_pm_check_init()'s notifier refuses PM_HIBERNATION_PREPARE (arch/x86/power/cpu.c:321-339).
    printk(k, "CPU0 is offline.");
    return { ret: -E.ENODEV, frozen: [], hung: null, why: "CPU0 is offline." };
  }
  s.hotplugDisabled++;
  printk(k, `${pm(k)}hibernation entry`);
  printk(k, "Filesystems sync: 0.000 seconds");
  printk(k, "Freezing user space processes ... (elapsed 0.000 seconds) done.");
  printk(k, "Freezing remaining freezable tasks ... (elapsed 0.000 seconds) done.");
  // freeze_noirq: vmbus_bus_suspend() ends with vmbus_initiate_unload() (5.4+).
  if (k.line.vmbusHibernation && s.vmbus.up) s.vmbus.connected = false;
  const frozen = freezeSecondaryCpus(k, 0);
  if (frozen.hung) return { ret: 0, frozen: s.frozenCpus, hung: frozen.hung };
  if (frozen.ret) {
    // create_image() → Enable_cpus, then hibernate() → Thaw: thaw_processes().
    thawSecondaryCpus(k);
    s.vmbus.connected = s.vmbus.up;
    s.hotplugDisabled--;
    printk(k, "Restarting tasks ... done.");
    printk(k, `${pm(k)}hibernation exit`);
    return { ret: frozen.ret, frozen: [], hung: null };
  }
  const taken = [...s.frozenCpus];
  syscoreSuspend(k);
  printk(k, `${pm(k)}${k.line.imageMessage}`);
  const image = structuredClone(s) as MachineState;
  image.image = null;
  // The pre-hibernation kernel resumes devices and CPUs to write the image, then powers off.
  syscoreResume(k);
  const thawHang = thawSecondaryCpus(k);
  if (thawHang) return { ret: 0, frozen: taken, hung: thawHang };
  s.vmbus.connected = s.vmbus.up;
  if (k.line.vmbusHibernation && s.vmbus.up) s.vmbus.connected = false;
  const down = freezeSecondaryCpus(k, 0);
  if (down.hung) return { ret: 0, frozen: taken, hung: down.hung };
  s.power = "hibernated";
  s.image = image;
  return { ret: 0, frozen: taken, hung: null };
}

/**
 * Resume from the image: the boot kernel's own work is invisible (its memory is replaced), so the
 * machine continues as the image: syscore resume, `enable_nonboot_cpus()` for the CPUs the
 * freeze took down, VMbus reconnects, hotplug is enabled again. Guest CLOCK_MONOTONIC continues
 * from the image; the partition reference counter restarts at 0.
 */
export function resume(k: Kernel, simNow: number): PowerOutcome {
  const image = k.s.image!;
  const log = k.s.log;
  // The image belongs to the hibernated state, which is replaced here: no copy is needed.
  const restored: MachineState = { ...image, image: null };
  restored.offNs = simNow - (image.now - image.offNs);
  restored.now = simNow;
  restored.refEpoch = simNow;
  restored.power = "on";
  restored.log.traceLost = log.traceLost;
  setState(k, restored);
  const taken = [...restored.frozenCpus];
  syscoreResume(k);
  const hang = thawSecondaryCpus(k);
  if (hang) return { ret: 0, frozen: taken, hung: hang };
  k.s.vmbus.connected = k.s.vmbus.up;
  printk(k, "Restarting tasks ... done.");
  k.s.hotplugDisabled--;
  printk(k, `${pm(k)}hibernation exit`);
  return { ret: 0, frozen: taken, hung: null };
}
