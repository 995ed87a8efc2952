/**
 * The restore of a hibernation image: the image running again where `create_image()` made it
 * (kernel/power/hibernate.c), reached either directly (`resume`: the boot kernel that loads the
 * image is not modelled) or through `software_resume()`, run by a write to `/sys/power/resume` in
 * a kernel booted on the disk that holds the image (its own CPUs go down before it jumps in).
 *
 * @module
 */

import { vmbusBusResume } from "../platform/hyperv/vmbus.ts";
import { type Kernel, setState } from "../engine/kernel.ts";
import { KERN, printk } from "../engine/log.ts";
import type { MachineState } from "../engine/state.ts";
import { E } from "../util/errno.ts";
import type { Outcome } from "./device.ts";
import {
  COMPRESSION_THREADS,
  freezeKernelThreads,
  freezeProcesses,
  freezeSecondaryCpus,
  hibernationMode,
  pm,
  type PowerOutcome,
  suspendConsole,
  syscoreResume,
  syscoreSuspend,
  thawProcesses,
  thawSecondaryCpus,
} from "./power.ts";
import { blockDevicePresent, swapDevice } from "./swapdev.ts";

/**
 * The image running again: control returns from `swsusp_arch_suspend()` in `create_image()` with
 * `in_suspend` 0 (5.10 hibernate.c:325-361): platform leave, syscore resume, the CPUs the freeze
 * took down come back, platform finish, VMbus resumes, then `hibernate()` thaws the tasks and
 * returns 0 to the `echo disk` that started it.
 */
function imageContinues(k: Kernel): PowerOutcome {
  const platform = hibernationMode(k) === "platform";
  const taken = [...k.s.frozenCpus];
  if (platform) printk(k, `${k.line.hibernation.acpiNvsPrefix}Restoring platform NVS memory`);
  syscoreResume(k);
  const hang = thawSecondaryCpus(k);
  if (hang) return { ret: 0, frozen: taken, hung: hang };
  if (platform) {
    printk(k, `${k.line.hibernation.acpiSleepPrefix}Waking up from system sleep state S4`);
  }
  vmbusBusResume(k);
  thawProcesses(k);
  k.s.hotplugDisabled--;
  printk(k, `${pm(k)}hibernation exit`);
  return { ret: 0, frozen: taken, hung: null };
}

/**
 * Replaces the running state with the image. `offSince` is when the guest last ran before the
 * image takes over, in the image's simulation time: its CLOCK_MONOTONIC continues from the
 * image's; the partition reference counter counts from the VM's start (S30). The console is the
 * host's and keeps what it printed.
 */
function restoreImage(k: Kernel, now: number, refEpoch: number): void {
  const image = k.s.image!;
  const log = k.s.log;
  // The image belongs to the disk, which is read here: no copy is needed.
  const restored: MachineState = { ...image, image: null };
  restored.offNs = now - (image.now - image.offNs);
  restored.now = now;
  restored.refEpoch = refEpoch;
  restored.power = "on";
  restored.log = { ...image.log, traceLost: log.traceLost };
  if (log.console) restored.log.console = log.console;
  else delete restored.log.console;
  setState(k, restored);
}

/**
 * Resume a hibernated VM from its image without modelling the boot kernel that loads it: its own
 * work is invisible (its memory is replaced), so the machine continues as the image. Guest
 * CLOCK_MONOTONIC continues from the image; the partition reference counter restarts at 0.
 */
export function resume(k: Kernel, simNow: number): PowerOutcome {
  restoreImage(k, simNow, simNow);
  return imageContinues(k);
}

/**
 * `software_resume()` (5.10 hibernate.c:914-1023, 6.12:990-1060), run by a write to
 * `/sys/power/resume` in a kernel booted on the disk that holds an image: `swsusp_check()` finds
 * the image's signature on the resume device, the tasks freeze, `load_image_lzo()` reads it (one
 * thread per online CPU but one, 1 to 3), then `resume_target_kernel()` takes this kernel's own
 * non-boot CPUs down, suspends syscore and jumps into the image, which continues where it was
 * made. Returns 0 when the image took over (its `hibernate()` returned 0), else why not.
 */
export function softwareResume(
  k: Kernel,
): { ret: number; restored: boolean; hung: Outcome | null; why?: string } {
  const s = k.s;
  const image = s.image;
  const dev = s.pm?.resume;
  // swsusp_check() (5.10 swap.c:1521-1560): the resume device must open (-ENXIO when it does
  // not exist) and hold the image's signature (-EINVAL), which it then resets: a read image is
  // gone from the disk.
  if (dev === undefined || !blockDevicePresent(k, dev)) {
    printk(k, "PM: Image not found (code -6)", KERN.DEBUG);
    return { ret: 0, restored: false, hung: null };
  }
  if (!image || swapDevice(image) !== dev) {
    printk(k, `PM: Image not found (code ${-E.EINVAL})`, KERN.DEBUG);
    return { ret: 0, restored: false, hung: null };
  }
  printk(k, "PM: Image signature found, resuming", KERN.DEBUG);
  printk(k, `${pm(k)}resume from hibernation`);
  freezeProcesses(k);
  freezeKernelThreads(k);
  const named = k.line.hibernation.namedCompressor;
  const online = s.cpus.filter((c) => c.online).length;
  const threads = Math.min(Math.max(online - 1, 1), COMPRESSION_THREADS);
  printk(k, `PM: Using ${threads} thread(s) for ${named ? "lzo " : ""}decompression`);
  printk(k, "PM: Loading and decompressing image data (0 pages)...");
  printk(k, "PM: Image loading done");
  printk(k, `${pm(k)}Read 0 kbytes in 0.01 seconds (0.00 MB/s)`);
  printk(k, "PM: Image successfully loaded", KERN.DEBUG);
  // hibernation_restore(): the console suspends, devices quiesce (VMbus unloads, 5.4+).
  suspendConsole(k);
  if (k.line.vmbusHibernation && s.vmbus.up) s.vmbus.connected = false;
  // resume_target_kernel(): hibernate_resume_nonboot_cpu_disable() → freeze_secondary_cpus(0).
  const down = freezeSecondaryCpus(k, 0);
  if (down.hung) return { ret: 0, restored: false, hung: down.hung };
  if (down.ret) {
    const up = thawSecondaryCpus(k);
    if (up) return { ret: 0, restored: false, hung: up };
    s.vmbus.connected = s.vmbus.up;
    s.image = null;
    printk(k, `${pm(k)}${k.line.hibernation.loadFailed}`, KERN.ERR);
    thawProcesses(k);
    printk(k, `${pm(k)}${k.line.hibernation.resumeFailed} (${down.ret})`);
    return { ret: down.ret, restored: false, hung: null, ...(down.why ? { why: down.why } : {}) };
  }
  syscoreSuspend(k);
  // swsusp_arch_resume(): the image takes over. The restore kernel's run counts as time off for
  // it (the host's pause between the two boots is not known: none).
  const img = image;
  restoreImage(k, img.now + s.now, img.now + s.refEpoch);
  const cont = imageContinues(k);
  return { ret: cont.ret, restored: true, hung: cont.hung };
}
