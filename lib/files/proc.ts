/**
 * The procfs files that identify the running kernel and what it loaded: `/proc/sys/kernel/
 * osrelease` and `version` (what `uname -r` and `uname -v` print; init/version.c), `printk`
 * (kernel/printk/printk.c: the console log levels, `quiet` lowering the first), and
 * `/proc/modules` (kernel/module/procfs.c).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { configFacts } from "../kernels/configs.ts";
import { consoleLoglevel } from "../engine/log.ts";

/** `/proc/sys/kernel/osrelease`: the build's release string (Debian's ABI name; else the version). */
export function osrelease(k: Kernel): string {
  const f = configFacts(k.s.config.kconfig, k.s.config.kernel);
  return `${f?.uname.release || k.line.version}\n`;
}

/** `/proc/sys/kernel/version`: `#1 SMP …` with the build's date. */
export function kernelVersion(k: Kernel): string {
  const f = configFacts(k.s.config.kconfig, k.s.config.kernel);
  return `${f?.uname.version ?? "#1 SMP"}\n`;
}

/**
 * `/proc/sys/kernel/printk`: console_loglevel, default_message_loglevel, minimum_console_loglevel,
 * default_console_loglevel, tab-separated. The command line sets the console level (`quiet`:
 * CONSOLE_LOGLEVEL_QUIET, 4; `loglevel=N`; else CONSOLE_LOGLEVEL_DEFAULT, 7: init/main.c, Debian's
 * config; logs/public/*.log `printk_before: 4 4 1 7` under `quiet`), an oops raises it to 15
 * (`console_verbose()`).
 */
export function printkLevels(k: Kernel): string {
  return `${consoleLoglevel(k.s)}\t4\t1\t7\n`;
}

/**
 * `/proc/modules`: `name size refcount deps state address` per loaded module (address hidden). A
 * module still in its init counts its init sections in the size (5.4.301 kernel/module.c:4532)
 * and holds a reference for the initialization (module_unload_init(), 832-833).
 */
export function procModules(k: Kernel): string {
  const f = configFacts(k.s.config.kconfig, k.s.config.kernel);
  return (k.s.modules ?? []).map((m) => {
    const loading = (k.s.loading ?? []).includes(m);
    const size = (f?.moduleSizes[m] ?? 0) + (loading ? f?.moduleInitSizes?.[m] ?? 0 : 0);
    return `${m} ${size} ${loading ? 1 : 0} - ${loading ? "Loading" : "Live"} 0x0000000000000000\n`;
  }).join("");
}

/**
 * `/proc/kallsyms` as far as hvtick knows the build's symbol table: the Hyper-V timer symbols of
 * a Debian build (address hidden: kptr_restrict), in link order; absent for other builds.
 */
export function procKallsyms(k: Kernel): string {
  const f = configFacts(k.s.config.kconfig, k.s.config.kernel);
  return (f?.kallsyms ?? []).map((l) => `0000000000000000 ${l}\n`).join("");
}

/** Whether this build's symbol table is known (lib/kernels/configs.ts). */
export function hasKallsyms(k: Kernel): boolean {
  return (configFacts(k.s.config.kconfig, k.s.config.kernel)?.kallsyms.length ?? 0) > 0;
}
