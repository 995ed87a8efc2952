/**
 * The hibernation image writer (kernel/power/swap.c) and the PM message prefix it shares with
 * hibernate.c and snapshot.c.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { KERN, printk, printkCont } from "../engine/log.ts";
import { refuse } from "../util/refusals.ts";
import { swapDevice } from "./swapdev.ts";

/** LZO_THREADS (5.10 swap.c:527), CMP_THREADS (6.12 swap.c:537). */
export const COMPRESSION_THREADS = 3;

/** The PM prefix of hibernate.c/snapshot.c messages ("PM: ", 5.8+ "PM: hibernation: "). */
export function pm(k: Kernel): string {
  return k.line.pmPrefix;
}

/**
 * `swsusp_write()` (5.10 swap.c:911-950): the swap writer needs a swap device (`find_first_swap()`),
 * then `save_image_lzo()` compresses with one thread per online CPU but one (1 to 3), and
 * `swap_writer_finish()` marks the swap signature. 0 or -ENODEV.
 */
export function swsuspWrite(k: Kernel): number {
  if (swapDevice(k.s) === null) {
    printk(k, "PM: Cannot find swap device, try swapon -a", KERN.ERR);
    printk(k, "PM: Cannot get swap writer", KERN.ERR);
    return refuse("hibernate-no-swap").ret;
  }
  const named = k.line.hibernation.namedCompressor;
  const online = k.s.cpus.filter((c) => c.online).length;
  const threads = Math.min(Math.max(online - 1, 1), COMPRESSION_THREADS);
  printk(k, `PM: Using ${threads} thread(s) for ${named ? "lzo " : ""}compression`);
  printk(k, "PM: Compressing and saving image data (0 pages)...");
  const wrote = `${pm(k)}Wrote 0 kbytes in 0.01 seconds (0.00 MB/s)`;
  if (named) {
    printk(k, wrote);
    printk(k, "PM: Image size after compression: 0 kbytes");
    printk(k, "PM: Image saving done");
  } else {
    printk(k, "PM: Image saving done");
    printk(k, wrote);
  }
  printk(k, "PM: S");
  printkCont(k, "|");
  return 0;
}
