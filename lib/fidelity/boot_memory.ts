/**
 * A run's `totalram_pages()` when the initcalls start, from its own kernel log. The boot's memblock
 * reservations vary by a page from run to run on the same kernel, command line and memory map
 * (the committed 6.6.150 and 6.8.1 boots on `-m 1024` print `48308K` to `48316K reserved`), and
 * `/sys/power/image_size` is two fifths of that count (kernel/power/snapshot.c:137-139
 * `hibernate_image_size_init()`, from `pm_init()`, a core_initcall: 6.8.1 kernel/power/main.c:979,
 * 992). `mem_init_print_info()` prints `reserved` as `physpages - totalram_pages() -
 * totalcma_pages` (6.8.1 mm/mm_init.c:2738-2746; 5.4.301 mm/page_alloc.c:7676), and before the
 * initcalls only `alternative_instructions()` gives pages back, `Freeing SMP alternatives memory:
 * NK` (free_init_pages(): 6.8.1 arch/x86/kernel/alternative.c:1729; 5.4.301 :748). Checked on
 * k5.4-hv-direct-hibernate-verbose, k5.4-hv-direct-vmbus-hibernate-verbose,
 * k6.6-hv-direct-hibernate-verbose and k6.8-hv-direct-hibernate-verbose, and on six reruns of the
 * last (`48312K reserved`: 409501696, the other 6.8 runs' value).
 *
 * @module
 */

import type { Transcript } from "./transcript.ts";

const MEMORY =
  /^\[\s*\d+\.\d+\] Memory: \d+K\/(\d+)K available \(.*, (\d+)K reserved, (\d+)K cma-reserved/;
const SMP_ALT = /^\[\s*\d+\.\d+\] Freeing SMP alternatives memory: (\d+)K$/;

/**
 * `totalram_pages()` at the initcalls of the log's own boot: the first `Memory:` line of the log
 * (its boot's, on the console or in a kernel log the script read) and the `Freeing SMP
 * alternatives memory` after it; null when the log has not both (a `quiet` boot whose script
 * read no full kernel log).
 *
 * @example
 * ```ts
 * import { bootTotalram } from "./boot_memory.ts";
 * import { readTranscript } from "./transcript.ts";
 * import assert from "node:assert/strict";
 * const t = readTranscript(
 *   "[    0.314053] Memory: 999524K/1048044K available (12288K kernel code, 2047K rwdata, " +
 *     "3884K rodata, 2492K init, 2404K bss, 48316K reserved, 0K cma-reserved)\n" +
 *     "[    0.782873] Freeing SMP alternatives memory: 28K\n" +
 *     "RIG-BEGIN name=x profile=hv-direct uptime_cs=300\n",
 *   "x.log",
 * );
 * assert.equal(bootTotalram(t), 249939); // (1048044 - 48316) / 4 + 28 / 4
 * assert.equal(bootTotalram(readTranscript("RIG-BEGIN name=x uptime_cs=1\n", "x.log")), null);
 * ```
 */
export function bootTotalram(t: Transcript): number | null {
  let pages: number | null = null;
  for (const s of t.steps) {
    const lines = s.kind === "console"
      ? s.text
      : s.kind === "read" && s.reader.startsWith("dmesg_")
      ? s.text
      : [];
    for (const l of lines) {
      const m = MEMORY.exec(l);
      if (m && pages === null) pages = (Number(m[1]) - Number(m[2]) - Number(m[3])) / 4;
      else if (m) return null;
      const a = SMP_ALT.exec(l);
      if (a && pages !== null) return pages + Number(a[1]) / 4;
    }
  }
  return null;
}
