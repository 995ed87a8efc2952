/**
 * The block device and swap a hibernation image needs: QEMU's virtio disk (`-drive …,if=virtio`)
 * is `/dev/vda` once the virtio drivers are in (virtio_ring, virtio, the virtio_pci transport and
 * virtio_blk: modules or built in, lib/kernels/configs.ts), and `swapon` makes it the swap device
 * `swsusp_write()` finds (`find_first_swap()`, mm/swapfile.c). A guest booted with swap
 * (`config.swap`, an installed system's fstab) has one from the start.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import { configFacts } from "../kernels/configs.ts";
import { refuse } from "../util/refusals.ts";

/**
 * `/dev/vda`'s dev_t: virtio_blk's `register_blkdev(0, "virtblk")` takes the first free major
 * counting down from 254 (5.10 block/genhd.c:445-457, 6.12:223-235), and the first disk has minor
 * 0 (logs/k*-hv-direct-hibernate.log: `254:0`, `brw------- … 254,   0 … /dev/vda`).
 */
export const VDA_DEV = "254:0";

/** What stands for the swap device a guest booted with (its dev_t is not modelled). */
export const BOOT_SWAP = "(swap at boot)";

/** The virtio drivers a virtio disk needs, in load order. */
const VIRTIO_STACK = ["virtio_ring", "virtio", "virtio_pci", "virtio_blk"];

/** Whether `/dev/vda` exists: the host gives a virtio disk and every virtio driver is in. */
export function virtioDiskPresent(k: Kernel): boolean {
  if (!k.s.config.virtioDisk) return false;
  const modules = configFacts(k.s.config.kconfig, k.s.config.kernel)?.virtioModules ?? [];
  return VIRTIO_STACK.every((m) => !modules.includes(m) || (k.s.modules ?? []).includes(m));
}

/** Whether the block device `dev` (`MAJOR:MINOR`) exists now. */
export function blockDevicePresent(k: Kernel, dev: string): boolean {
  return dev === VDA_DEV && virtioDiskPresent(k);
}

/** The swap device `find_first_swap()` finds in a state, or null when there is none. */
export function swapDevice(s: MachineState): string | null {
  return s.pm?.swapon ?? (s.config.swap ? BOOT_SWAP : null);
}

/** The block devices by path (`/dev/NAME`), as their dev_t. */
export function blockDevices(k: Kernel): Record<string, string> {
  return virtioDiskPresent(k) ? { "/dev/vda": VDA_DEV } : {};
}

/**
 * `swapon(2)` on a block device holding swap space (made by `mkswap`, which hvtick takes as done):
 * 0, `-ENOENT` for a path that is no block device here, `-EBUSY` when it is already swap.
 */
export function swapon(k: Kernel, path: string): number {
  const dev = blockDevices(k)[path];
  if (dev === undefined) return refuse("swapon-no-device").ret;
  if (k.s.pm?.swapon === dev) return refuse("swapon-busy").ret;
  k.s.pm = { ...k.s.pm, swapon: dev };
  return 0;
}
