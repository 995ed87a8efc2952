/**
 * Kernel configurations as an axis: `minimal` (a built-in kernel: `CONFIG_HYPERV=y`, only the
 * registrations every config makes) and `debian` (Debian's x86_64 kernel config of the three
 * Debian releases: the optional registrants it enables, Hyper-V as modules that udev loads in
 * early userspace, its NO_HZ mode and HZ). Each Debian release is its parent plus a delta; the
 * Kconfig lines are the real config files' (`/boot/config-*` of the image packages, printed by
 * the rig: logs/public/*.log `config:` lines). Ubuntu's linux-azure, Azure Linux 3.0 and WSL2's
 * configs (configs_distro.ts) are read from their config files, for the presets.
 *
 * @module
 */

import { AZURE_LINUX, UBUNTU_AZURE, WSL2 } from "./configs_distro.ts";
import { RIG_BUILD } from "./configs_rig.ts";
import { KERNEL_IDS } from "../engine/ids.ts";

export type { ConfigFacts, ConfigPreset } from "./config_types.ts";
import type { ConfigFacts, ConfigPreset } from "./config_types.ts";

/** Every config preset. */
export const CONFIG_PRESETS: readonly ConfigPreset[] = [
  {
    id: "minimal",
    label: "built-in kernel: CONFIG_HYPERV=y, the registrations every config makes",
    arches: ["x86_64", "arm64"],
    lines: KERNEL_IDS.map((id, i) => ({
      id,
      facts: i > 0 ? {} : {
        // CONFIG_MEMCG: systemd's cgroup v2 wants it, and every distribution's config sets it;
        // hvtick's own build keeps it (mm/memctrl:dead) so that only the rig's builds lack it.
        options: ["MEMCG"],
        hyperv: "y",
        nohz: "idle",
        preemptDynamic: false,
        hotplugParallel: false,
        bootparamHotplugCpu0: false,
        uname: { release: "", version: "#1 SMP" },
        moduleSizes: {},
        kallsyms: [],
        pmDebug: false,
        virtioModules: [],
        // [GAP] hvtick's own build has no measured reservation: all memory counts.
        bootReservedPages: 0,
        // hvtick's own build is a debug build with the hung-task detector at the Kconfig default
        // timeout (5.4.301 lib/Kconfig.debug:900-918: DETECT_HUNG_TASK, DEFAULT_HUNG_TASK_TIMEOUT
        // 120), so that a hang's blocked tasks are reported as a distribution kernel's would be.
        hungTaskTimeout: 120,
        source: "hvtick's own build: no distribution's config",
      },
    })),
  },
  {
    id: "debian",
    label: "Debian's x86_64 kernel (linux-image-*-amd64): Hyper-V as modules loaded by udev",
    arches: ["x86_64"],
    lines: [
      {
        id: "5.10",
        facts: {
          // MEMCG: the real boots list mm/memctrl:dead (docs/research/registrants/5.10.json).
          options: ["MEMCG", "VMAP_STACK", "PADATA", "ZSWAP", "LEDS_TRIGGER_CPU", "IRQ_POLL"],
          hyperv: "m",
          nohz: "idle",
          preemptDynamic: false,
          hotplugParallel: false,
          bootparamHotplugCpu0: true,
          uname: { release: "5.10.0-46-amd64", version: "#1 SMP Debian 5.10.262-1 (2026-07-31)" },
          moduleSizes: { hv_vmbus: 143360 },
          pmDebug: true,
          // config-5.10.0-46-amd64: CONFIG_VIRTIO=m, CONFIG_VIRTIO_PCI=m, CONFIG_VIRTIO_BLK=m; the
          // rig's load order (logs/k5.10-hv-direct-hibernate.host.txt extra_modules).
          virtioModules: ["virtio_ring", "virtio", "virtio_pci", "virtio_blk"],
          // logs/k5.10-hv-direct-hibernate.log (full dmesg in the -resume log): "Memory:
          // 261408K/1048044K available (… 69588K reserved …)" is printed before "Freeing SMP
          // alternatives memory: 32K": totalram 244614 + 8 = 244622 pages of 262144; less the
          // memmap's 4096 (64 + 4032 pages): 13426. /sys/power/image_size 400785408 checks it.
          bootReservedPages: 13426,
          // logs/k5.10-hv-direct.log "kallsyms (hyperv timer symbols present in vmlinux)".
          kallsyms: [
            "T hv_stimer0_isr",
            "t hv_stimer_init",
            "T hv_stimer_legacy_init",
            "T hv_stimer_alloc",
            "T hv_stimer_cleanup",
            "T hv_stimer_legacy_cleanup",
            "T sysvec_hyperv_stimer0",
            "t hv_stimer_setup_percpu_clockev",
            "T hyperv_init",
            "T hv_init_clocksource",
          ],
          source: "config-5.10.0-46-amd64 (linux-image-5.10.0-46-amd64 5.10.262-1); " +
            "logs/public/pub-k5.10-*.log (uname_a, hyperv_module)",
        },
      },
      {
        id: "6.1",
        facts: {
          nohz: "full",
          preemptDynamic: true,
          uname: {
            release: "6.1.0-56-amd64",
            version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)",
          },
          moduleSizes: { hv_vmbus: 151552 },
          // logs/k6.1-hv-direct.log (no virtio disk, the hotplug initramfs): "Memory:
          // 260916K/1048056K available (… 76196K reserved …)", then "Freeing SMP alternatives
          // memory: 36K": 242965 + 9 = 242974 pages; less the memmap's 4096: 15074. No 6.1 log
          // reads /sys/power/image_size.
          bootReservedPages: 15074,
          // logs/hv-direct.log and k6.12-hv-direct.log: hv_stimer_alloc is linked after the cleanups.
          kallsyms: [
            "T hv_stimer0_isr",
            "t hv_stimer_init",
            "T hv_stimer_legacy_init",
            "T hv_stimer_cleanup",
            "T hv_stimer_legacy_cleanup",
            "T hv_stimer_alloc",
            "T sysvec_hyperv_stimer0",
            "t hv_stimer_setup_percpu_clockev",
            "T hyperv_init",
            "T hv_init_clocksource",
          ],
          source: "config-6.1.0-56-amd64 (linux-image-6.1.0-56-amd64 6.1.192-2); " +
            "logs/public/pub-k6.1-*.log",
        },
      },
      {
        id: "6.12",
        facts: {
          options: [
            "MEMCG",
            "VMAP_STACK",
            "PADATA",
            "ZSWAP",
            "LEDS_TRIGGER_CPU",
            "IRQ_POLL",
            "CRASH_HOTPLUG",
            "ZSMALLOC",
          ],
          hotplugParallel: true,
          // CONFIG_BOOTPARAM_HOTPLUG_CPU0 was removed in 6.5 (e59e74dc48a3).
          bootparamHotplugCpu0: false,
          uname: {
            release: "6.12.117+deb13-amd64",
            version: "#1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1 (2026-11-12)",
          },
          moduleSizes: { hv_vmbus: 180224 },
          // Only virtio_blk is a module: run-scenario.sh copies modules, not built-ins
          // (logs/k6.12-hv-direct-hibernate.host.txt extra_modules: virtio_blk.ko).
          virtioModules: ["virtio_blk"],
          // logs/k6.12-hv-direct-hibernate-resume.log full dmesg: "Memory: 974272K/1048044K
          // available (… 68072K reserved …)", printed after deferred init and the SMP
          // alternatives: 244993 pages; less the memmap's 4096: 13055 (image_size 401395712).
          bootReservedPages: 13055,
          source: "config-6.12.117+deb13-amd64 (linux-image-6.12.117+deb13-amd64 6.12.117-1); " +
            "logs/public/pub-k6.12-*.log",
        },
      },
    ],
  },
  UBUNTU_AZURE,
  AZURE_LINUX,
  WSL2,
  RIG_BUILD,
];

export { CONFIG_IDS, type ConfigId } from "../engine/ids.ts";

/**
 * A preset's facts for a kernel line (its deltas applied), or null when it has none for it.
 *
 * @example
 * ```ts
 * import { configFacts } from "./configs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(configFacts("debian", "6.1")?.hyperv, "m");
 * assert.equal(configFacts("debian", "6.1")?.nohz, "full");
 * assert.equal(configFacts("debian", "5.5"), null);
 * ```
 */
export function configFacts(preset: string, line: string): ConfigFacts | null {
  const p = CONFIG_PRESETS.find((x) => x.id === preset);
  if (!p) return null;
  let facts: Partial<ConfigFacts> = {};
  for (const l of p.lines) {
    facts = { ...facts, ...l.facts };
    if (l.id === line) return facts as ConfigFacts;
  }
  return null;
}

/**
 * The static hotplug steps' callbacks a machine's config compiles as NULL (its preset's
 * `nulled`): none for a preset that does not say.
 *
 * @example
 * ```ts
 * import { nulledCallbacks } from "./configs.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nulledCallbacks({ kconfig: "debian", kernel: "6.1" }), []);
 * assert.ok(nulledCallbacks({ kconfig: "rig-build", kernel: "6.8" }).includes("lockup_detector_online_cpu"));
 * ```
 */
export function nulledCallbacks(
  c: { readonly kconfig: string; readonly kernel: string },
): string[] {
  return [...configFacts(c.kconfig, c.kernel)?.nulled ?? []];
}

/** The kernel lines a preset exists for. */
export function configLines(preset: string): string[] {
  return CONFIG_PRESETS.find((x) => x.id === preset)?.lines.map((l) => l.id) ?? [];
}

/**
 * The config file's timekeeping and hotplug lines (Kconfig order, as `/boot/config-*` has them),
 * for a preset's facts, the HZ and `CONFIG_CPU_HOTPLUG_STATE_CONTROL`.
 */
export function kconfigLines(f: ConfigFacts, hz: number, stateControl = false): string[] {
  const set = (name: string, on: boolean) =>
    on ? `CONFIG_${name}=y` : `# CONFIG_${name} is not set`;
  const out = [
    "CONFIG_GENERIC_CLOCKEVENTS_BROADCAST=y",
    set("HZ_PERIODIC", false),
    set("NO_HZ_IDLE", f.nohz === "idle"),
    set("NO_HZ_FULL", f.nohz === "full"),
    set("NO_HZ", false),
    "CONFIG_HIGH_RES_TIMERS=y",
    "CONFIG_PREEMPT_VOLUNTARY=y",
    set("PREEMPT", false),
    ...(f.preemptDynamic ? ["CONFIG_PREEMPT_DYNAMIC=y"] : []),
    "CONFIG_HYPERVISOR_GUEST=y",
    "CONFIG_HPET_TIMER=y",
    "CONFIG_HPET_EMULATE_RTC=y",
    `CONFIG_NR_CPUS=${f.nrCpus ?? 8192}`,
    "CONFIG_X86_LOCAL_APIC=y",
    ...[100, 250, 300, 1000].map((h) => set(`HZ_${h}`, h === hz)),
    `CONFIG_HZ=${hz}`,
    "CONFIG_HOTPLUG_CPU=y",
    ...(f.hotplugParallel ? ["CONFIG_HOTPLUG_PARALLEL=y"] : []),
    `CONFIG_HYPERV=${f.hyperv}`,
    "CONFIG_HYPERV_TIMER=y",
    set("CPU_HOTPLUG_STATE_CONTROL", stateControl),
    ...(f.bootparamHotplugCpu0 ? [set("BOOTPARAM_HOTPLUG_CPU0", false)] : []),
    ...f.options.map((o) => `CONFIG_${o}=y`),
  ];
  return out;
}
