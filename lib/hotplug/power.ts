/**
 * Hibernation (`echo disk > /sys/power/state`: kernel/power/hibernate.c `hibernate()`, snapshot.c,
 * swap.c; the ACPI platform hooks of drivers/acpi/sleep.c and nvs.c) and the restore, as far as
 * CPUs, timers and the kernel log are concerned (reference §1.10, hyperv-stimer §3.5, §4.3; the
 * order follows 5.10.262 and 6.12.117 line by line, docs/model.md §Hibernation). The image's
 * memory accounting (preallocation, page counts, bitmaps, the image I/O's progress) is not
 * modelled: lines that print a page count, a size or a speed print 0.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { KERN, printk, withTrace } from "../engine/log.ts";
import { copyState } from "../engine/copy.ts";
import { type Outcome, walk } from "./device.ts";
import { tickSuspend } from "../time/tick_offline.ts";
import { tickSetupPeriodic } from "../time/tick_setup.ts";
import { advanceTo } from "../time/advance.ts";
import { clockeventsProgramEvent, clockeventsSwitchState } from "../time/clockevents.ts";
import { CE_STATE, type MachineState, type PmState, TICKDEV_MODE } from "../engine/state.ts";
import { REFUSALS, refuse } from "../util/refusals.ts";

export { COMPRESSION_THREADS, pm } from "./swsusp.ts";
import { hotplugReason } from "./reasons.ts";
import { pm, swsuspWrite } from "./swsusp.ts";
import { vmbusBusResume } from "../platform/hyperv/vmbus.ts";
import { deviceOf } from "../engine/device_table.ts";

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
  /** The `pm_test` level that stopped it short (no image: the machine stays on), if one did. */
  readonly test?: PmTest;
}

/** `pm_tests[]` (kernel/power/main.c), `TEST_NONE` first: what `/sys/power/pm_test` offers. */
export const PM_TESTS = ["none", "core", "processors", "platform", "devices", "freezer"] as const;
/** A `pm_test` level. */
export type PmTest = typeof PM_TESTS[number];

/** `hibernation_modes[]` (kernel/power/hibernate.c, with CONFIG_SUSPEND): `/sys/power/disk`. */
export const HIBERNATION_MODES = [
  "platform",
  "shutdown",
  "reboot",
  "suspend",
  "test_resume",
] as const;
/** A hibernation mode. */
export type HibernationMode = typeof HIBERNATION_MODES[number];

/** The modes whose power-down hvtick models (the others are refused before anything runs). */
const MODELLED_MODES: readonly HibernationMode[] = ["platform", "shutdown"];

/** `pm_test_level` now. */
export function pmTestLevel(k: Kernel): PmTest {
  return k.s.pm?.test ?? "none";
}

/**
 * Whether the platform offers hibernation ops: `acpi_sleep_hibernate_setup()` installs
 * `acpi_hibernation_ops` when the firmware declares S4 (drivers/acpi/sleep.c), which makes
 * `platform` the default mode (`hibernation_set_ops()`, hibernate.c:91-107).
 */
export function hasPlatformOps(k: Kernel): boolean {
  return k.s.config.platform.sleepStates.includes(4);
}

/** `hibernation_mode` now. */
export function hibernationMode(k: Kernel): HibernationMode {
  return k.s.pm?.mode ?? (hasPlatformOps(k) ? "platform" : "shutdown");
}

/** Changes kernel/power/'s knobs; a knob back at its default is dropped (absent: all defaults). */
export function setPm(k: Kernel, patch: Partial<PmState>): void {
  const next: Record<string, unknown> = { ...k.s.pm, ...patch };
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
  if (Object.keys(next).length) k.s.pm = next as PmState;
  else delete k.s.pm;
}

/**
 * `freeze_secondary_cpus(primary)` (5.10 kernel/cpu.c:1407-1463, 6.12:1897-1953): takes every
 * other online CPU down, ascending (5.10) or from the last CPU down (6.12); stops at the first
 * error; always disables hotplug.
 */
export function freezeSecondaryCpus(
  k: Kernel,
  primary: number,
): { ret: number; hung: Outcome | null; why?: string } {
  const s = k.s;
  printk(k, "Disabling non-boot CPUs ...");
  s.frozenCpus = [];
  let ret = 0;
  let why: string | undefined;
  const order = k.line.hibernation.freezeOrder === "ascending" ? s.cpus : [...s.cpus].reverse();
  for (const c of order) {
    if (c.id === primary || !c.online) continue;
    const out = walk(k, c.id, 0, primary);
    if (out.hang) return { ret: 0, hung: out };
    if (out.ret) {
      ret = out.ret;
      why = `taking CPU${c.id} down failed: ${hotplugReason(k, c.id, true, out)?.text}`;
      printk(k, `Error taking CPU${c.id} down: ${out.ret}`, KERN.ERR);
      break;
    }
    s.frozenCpus.push(c.id);
  }
  if (ret) printk(k, "Non-boot CPUs are not disabled", KERN.ERR);
  s.hotplugDisabled++;
  return { ret, hung: null, ...(why ? { why } : {}) };
}

/** `thaw_secondary_cpus()` (5.10 kernel/cpu.c:1473-1500): the frozen CPUs come up in CPU order. */
export function thawSecondaryCpus(k: Kernel): Outcome | null {
  const s = k.s;
  s.hotplugDisabled--;
  if (s.frozenCpus.length === 0) return null;
  printk(k, "Enabling non-boot CPUs ...");
  for (const cpu of [...s.frozenCpus].sort((a, b) => a - b)) {
    const out = walk(k, cpu, k.line.cpuhp.ONLINE, 0);
    if (out.hang) return out;
    if (out.ret) printk(k, `Error taking CPU${cpu} up: ${out.ret}`, KERN.WARNING);
    else printk(k, `CPU${cpu} is up`);
  }
  s.frozenCpus = [];
  return null;
}

/** syscore suspend on CPU0: `hv_synic_suspend()` (SynIC off, no unbind) and `tick_suspend()`. */
export function syscoreSuspend(k: Kernel): void {
  if (k.s.vmbus.up) k.s.cpus[0].synic = false;
  tickSuspend(k, 0);
}

/** syscore resume on CPU0: `hv_synic_resume()` and `tick_resume_local()`. */
export function syscoreResume(k: Kernel): void {
  const s = k.s;
  if (s.vmbus.up) s.cpus[0].synic = true;
  const c = s.cpus[0];
  if (c.tickDev === null) return;
  const d = deviceOf(s, c.tickDev)!;
  if (c.tickMode === TICKDEV_MODE.PERIODIC) tickSetupPeriodic(k, d, false);
  else {
    clockeventsSwitchState(k, d, CE_STATE.ONESHOT);
    clockeventsProgramEvent(k, d, ktime(k), true);
  }
}

/** `freeze_processes()` (kernel/power/process.c) and `oom_killer_disable()`. */
export function freezeProcesses(k: Kernel): void {
  if (k.line.hibernation.freezer === "one-line") {
    printk(k, "Freezing user space processes ... (elapsed 0.000 seconds) done.");
  } else {
    printk(k, "Freezing user space processes");
    printk(k, "Freezing user space processes completed (elapsed 0.000 seconds)");
  }
  printk(k, "OOM killer disabled.");
}

/** `freeze_kernel_threads()` (kernel/power/process.c). */
export function freezeKernelThreads(k: Kernel): void {
  if (k.line.hibernation.freezer === "one-line") {
    printk(k, "Freezing remaining freezable tasks ... (elapsed 0.000 seconds) done.");
  } else {
    printk(k, "Freezing remaining freezable tasks");
    printk(k, "Freezing remaining freezable tasks completed (elapsed 0.000 seconds)");
  }
}

/** `thaw_processes()`: `oom_killer_enable()`, then the tasks restart (kernel/power/process.c). */
export function thawProcesses(k: Kernel): void {
  printk(k, "OOM killer enabled.");
  printk(k, "Restarting tasks ... done.");
}

/** `suspend_console()` (kernel/printk/printk.c): says so unless `no_console_suspend`. */
export function suspendConsole(k: Kernel): void {
  if (!k.s.config.cmdline.split(/\s+/).includes("no_console_suspend")) {
    printk(k, "printk: Suspending console(s) (use no_console_suspend to debug)");
  }
}

/** `acpi_pm_prepare()`: `acpi_sleep_prepare(S4)` and `suspend_nvs_save()` (drivers/acpi/). */
function acpiPmPrepare(k: Kernel): void {
  printk(k, `${k.line.hibernation.acpiSleepPrefix}Preparing to enter system sleep state S4`);
  printk(k, `${k.line.hibernation.acpiNvsPrefix}Saving platform NVS memory`);
}

/**
 * `hibernation_test(level)` (hibernate.c:118-131, CONFIG_PM_DEBUG): at the `pm_test` level, says so
 * and `mdelay(5000)`s. At `core` the timekeeping is suspended (syscore), so the 5 s pass without
 * the guest's CLOCK_MONOTONIC (`timekeeping_resume()` injects them as sleep time into
 * CLOCK_BOOTTIME only); at the other levels the clock runs and the online CPUs tick.
 */
function hibernationTest(k: Kernel, level: PmTest): boolean {
  if (pmTestLevel(k) !== level) return false;
  printk(k, `${pm(k)}${k.line.hibernation.debugWait}`);
  const wait = 5_000_000_000;
  if (level === "core") k.s.offNs += wait;
  advanceTo(k, k.s.now + wait);
  return true;
}

/** What `create_image()` left: its error, whether an image was made, the CPUs it froze. */
interface Created {
  ret: number;
  inSuspend: boolean;
  frozen: number[];
  image: MachineState | null;
  hung: Outcome | null;
  why?: string;
}

/**
 * `create_image()` (5.10 hibernate.c:286-361, 6.12:307-378): freeze_noirq (VMbus unloads, 5.4+),
 * the platform's pre-snapshot, the CPUs down, syscore suspend, `swsusp_arch_suspend()` →
 * `swsusp_save()` (the image is the whole state right after `Need to copy`), then back up in the
 * writing kernel: platform leave, syscore resume, CPUs up, platform finish, VMbus resume.
 */
function createImage(k: Kernel, platform: boolean): Created {
  const s = k.s;
  const out: Created = { ret: 0, inSuspend: false, frozen: [], image: null, hung: null };
  // dpm_suspend_end(PMSG_FREEZE): vmbus_bus_suspend() ends with vmbus_initiate_unload() (5.4+).
  if (k.line.vmbusHibernation && s.vmbus.up) s.vmbus.connected = false;
  if (platform) acpiPmPrepare(k);
  if (!hibernationTest(k, "platform")) {
    const down = freezeSecondaryCpus(k, 0);
    if (down.hung) return { ...out, frozen: [...s.frozenCpus], hung: down.hung };
    out.frozen = [...s.frozenCpus];
    if (down.ret) Object.assign(out, { ret: down.ret, why: down.why });
    else if (!hibernationTest(k, "processors")) {
      syscoreSuspend(k);
      if (!hibernationTest(k, "core")) {
        out.inSuspend = true;
        printk(k, `${pm(k)}${k.line.imageMessage}`);
        printk(k, `${pm(k)}Need to copy 0 pages`);
        // swsusp_save() copies memory here: the image holds the log up to this line.
        const image = copyState(withTrace(k));
        image.image = null;
        out.image = image;
        printk(
          k,
          `${pm(k)}${k.line.hibernation.imageCreated} (0 pages copied${
            k.line.hibernation.imageZeroPages ? ", 0 zero pages" : ""
          })`,
        );
        // platform_leave(): acpi_hibernation_leave() → suspend_nvs_restore().
        if (platform) {
          printk(k, `${k.line.hibernation.acpiNvsPrefix}Restoring platform NVS memory`);
        }
      }
      syscoreResume(k);
    }
    const up = thawSecondaryCpus(k);
    if (up) return { ...out, hung: up };
  }
  // platform_finish(): acpi_pm_finish().
  if (platform) {
    printk(k, `${k.line.hibernation.acpiSleepPrefix}Waking up from system sleep state S4`);
  }
  // dpm_resume_start(): VMbus resumes and reconnects.
  vmbusBusResume(k);
  return out;
}

/**
 * `kernel_power_off()` (5.10 kernel/reboot.c:288-298): the platform's `pm_power_off_prepare`
 * (`acpi_power_off_prepare()` → `acpi_sleep_prepare(S5)`, drivers/acpi/sleep.c:1317-1350; every
 * ACPI platform declares S5), then
 * `Power down` (pr_emerg) and the machine is off. Nothing hotplugs: `machine_shutdown()` stops the
 * other CPUs without the hotplug walk.
 */
export function kernelPowerOff(k: Kernel): void {
  printk(k, `${k.line.hibernation.acpiSleepPrefix}Preparing to enter system sleep state S5`);
  printk(k, "reboot: Power down", KERN.EMERG);
  k.s.power = "off";
}

/**
 * `power_down()` (5.10 hibernate.c:639-682): `platform` enters ACPI S4 through
 * `hibernation_platform_enter()` (the CPUs go down once more, syscore suspends); `shutdown`
 * powers off (`kernel_power_off()`). Either way the VM is off, holding the image.
 */
function powerDown(k: Kernel, image: MachineState): Outcome | null {
  const s = k.s;
  if (hibernationMode(k) === "platform") {
    suspendConsole(k);
    // dpm_suspend_end(PMSG_HIBERNATE): poweroff_noirq unloads VMbus again.
    if (k.line.vmbusHibernation && s.vmbus.up) s.vmbus.connected = false;
    acpiPmPrepare(k);
    const down = freezeSecondaryCpus(k, 0);
    if (down.hung) return down.hung;
    if (down.ret) {
      // Enable_cpus, then power_down() falls through to kernel_power_off().
      const up = thawSecondaryCpus(k);
      if (up) return up;
      kernelPowerOff(k);
    } else syscoreSuspend(k);
  } else kernelPowerOff(k);
  s.power = "hibernated";
  s.image = image;
  return null;
}

/**
 * `hibernate()` (5.10 hibernate.c:712-800, 6.12:746-859): entry, the PM notifiers (x86 refuses
 * with CPU0 offline; CPU hotplug is disabled), freezer, `hibernation_snapshot()` with the
 * `pm_test` stops, then `swsusp_write()` and `power_down()`. On success the machine is powered off
 * holding the image; a failed write (no swap device) or a `pm_test` stop leaves it running; a
 * hang leaves it hung.
 * @throws {RangeError} for a `hibernation_mode` hvtick does not model (before anything runs).
 */
export function hibernate(k: Kernel): PowerOutcome {
  const s = k.s;
  const mode = hibernationMode(k);
  if (!MODELLED_MODES.includes(mode)) {
    throw new RangeError(
      `hibernation_mode ${mode} is not modelled; hvtick models ${
        MODELLED_MODES.join(" and ")
      } (echo platform > /sys/power/disk)`,
    );
  }
  printk(k, `${pm(k)}hibernation entry`);
  if (s.config.arch === "x86_64" && !s.cpus[0].online) {
    // bsp_pm_callback() refuses PM_HIBERNATION_PREPARE (5.10 arch/x86/power/cpu.c:333-337).
    printk(k, "CPU0 is offline.", KERN.WARNING);
    printk(k, `${pm(k)}hibernation exit`);
    const { ret } = refuse("hibernate-cpu0-offline");
    return { ret, frozen: [], hung: null, why: REFUSALS["hibernate-cpu0-offline"].why };
  }
  // cpu_hotplug_pm_callback(PM_HIBERNATION_PREPARE): cpu_hotplug_disable().
  s.hotplugDisabled++;
  printk(k, "Filesystems sync: 0.000 seconds");
  freezeProcesses(k);
  // hibernation_snapshot() (5.10 hibernate.c:363-442).
  const platform = mode === "platform";
  freezeKernelThreads(k);
  let created: Created = { ret: 0, inSuspend: false, frozen: [], image: null, hung: null };
  let test: PmTest | undefined;
  if (hibernationTest(k, "freezer")) test = "freezer";
  else {
    suspendConsole(k);
    if (hibernationTest(k, "devices")) test = "devices";
    else created = createImage(k, platform);
  }
  if (created.hung) return { ret: 0, frozen: created.frozen, hung: created.hung };
  if (!test && !created.ret && !created.inSuspend) test = pmTestLevel(k);
  let ret = created.ret;
  let why = created.why;
  if (!ret && created.inSuspend) {
    ret = swsuspWrite(k);
    if (ret) why = REFUSALS["hibernate-no-swap"].why;
    if (!ret) {
      const hung = powerDown(k, created.image!);
      return { ret: 0, frozen: created.frozen, hung };
    }
  }
  // Free_bitmaps, Thaw: thaw_processes(); PM_POST_HIBERNATION: cpu_hotplug_enable().
  thawProcesses(k);
  s.hotplugDisabled--;
  printk(k, `${pm(k)}hibernation exit`);
  return {
    ret,
    frozen: created.frozen,
    hung: null,
    ...(test ? { test } : {}),
    ...(ret && why ? { why } : {}),
  };
}
