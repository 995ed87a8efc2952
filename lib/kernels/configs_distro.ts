/**
 * The configs of distributions hvtick has not booted: Ubuntu's linux-azure, Azure Linux 3.0 and
 * WSL2's kernel, each as far as it changes what hvtick models (the options that gate registrants,
 * Hyper-V built in or a module, the tick mode, preemption, parallel bring-up). Every value names
 * the config file it was read from; what no file gives (a build's date, module sizes, symbol
 * order, the memory its boot reserves) is marked [GAP] and left out rather than guessed.
 *
 * @module
 */

import type { ConfigPreset } from "./config_types.ts";

// The facts no config file gives, for a kernel hvtick has not booted.
const NOT_BOOTED = {
  moduleSizes: {},
  kallsyms: [],
  // [GAP] no boot log: all memory counts, as for hvtick's own build.
  bootReservedPages: 0,
} as const;

/** Ubuntu's linux-azure 6.8 (noble; jammy's HWE kernel is the same annotations). */
export const UBUNTU_AZURE: ConfigPreset = {
  id: "ubuntu-azure",
  label: "Ubuntu's linux-azure kernel (6.8.0-NNNN-azure): Hyper-V built in, NO_HZ_FULL, HZ=1000",
  arches: ["x86_64"],
  lines: [{
    id: "6.8",
    facts: {
      // debian.azure/config/annotations (romank-msft/linux-hyperv@0e8d4fd490a6, an Ubuntu
      // linux-azure tree) over debian.master/config/annotations of noble 6.8.0-31.31
      // (sndrzt/linux-6.8@f116ff45a2ca): VMAP_STACK L15132, PADATA L9435, ZSWAP L15548,
      // ZSMALLOC L15542, IRQ_POLL L6951, CRASH_HOTPLUG L3339; LEDS_TRIGGER_CPU n (azure: amd64 n).
      // MEMCG y (master annotations; every distribution sets it) [INFERRED: line not cited].
      options: ["MEMCG", "VMAP_STACK", "PADATA", "ZSWAP", "IRQ_POLL", "CRASH_HOTPLUG", "ZSMALLOC"],
      // azure notes: HYPERV y (LP: #1690136), NO_HZ_FULL y / NO_HZ_IDLE n, PREEMPT_DYNAMIC n
      // (LP: #2051342); master: PREEMPT_VOLUNTARY y L10364, HOTPLUG_PARALLEL y L5962, PM_DEBUG y
      // L10189, VIRTIO_BLK y L798, VIRTIO_PCI y L15107.
      hyperv: "y",
      nohz: "full",
      preemptDynamic: false,
      hotplugParallel: true,
      bootparamHotplugCpu0: false,
      // Ubuntu's rule (version-ABI-flavour) on debian.azure-6.8/changelog 6.8.0-1012.14: the ABI
      // moves with every upload. [GAP] the build's date in `uname -v`.
      uname: { release: "6.8.0-1012-azure", version: "#14-Ubuntu SMP" },
      pmDebug: true,
      virtioModules: [],
      // master: DETECT_HUNG_TASK y L3898, DEFAULT_HUNG_TASK_TIMEOUT 120 L3871 (amd64); azure's
      // annotations have no line for either (their sorted list goes from DEBUG_PREEMPT to DHT11),
      // so master's values are the flavour's.
      hungTaskTimeout: 120,
      ...NOT_BOOTED,
      source: "debian.azure/config/annotations (romank-msft/linux-hyperv@0e8d4fd490a6) over " +
        "noble's debian.master/config/annotations (6.8.0-31.31)",
    },
  }],
};

/** Azure Linux 3.0's kernel (SPECS/kernel/config, 6.6.134.1-2). */
export const AZURE_LINUX: ConfigPreset = {
  id: "azure-linux",
  label: "Azure Linux 3.0's kernel (6.6.N.N-N.azl3): Hyper-V built in, NO_HZ_IDLE, HZ=250",
  arches: ["x86_64"],
  lines: [{
    id: "6.6",
    facts: {
      // microsoft/azurelinux@2172d5cf45e4 SPECS/kernel/config: VMAP_STACK y L868, IRQ_POLL y
      // L7879, CRASH_HOTPLUG y L306; PADATA absent, ZSWAP n L1034, ZSMALLOC m L1035 (a module:
      // its cpuhp state is registered when zsmalloc loads, not at boot [INFERRED]), LEDS_TRIGGER_CPU n L5908.
      // MEMCG y [INFERRED: every distribution sets it; line not cited].
      options: ["MEMCG", "VMAP_STACK", "IRQ_POLL", "CRASH_HOTPLUG"],
      // HYPERV y L6208, NO_HZ_IDLE y L102, PREEMPT_NONE y L126 + PREEMPT_DYNAMIC y L131,
      // HOTPLUG_PARALLEL y L757, PM_DEBUG n L569, VIRTIO_PCI y L6187, VIRTIO_BLK m L2143.
      hyperv: "y",
      nohz: "idle",
      preemptDynamic: true,
      hotplugParallel: true,
      bootparamHotplugCpu0: false,
      // kernel.spec L4 uname_r = version-release, L34-35 6.6.134.1 / 2, dist tag .azl3.
      // [GAP] the build's date in `uname -v`.
      uname: { release: "6.6.134.1-2.azl3", version: "#1 SMP PREEMPT_DYNAMIC" },
      pmDebug: false,
      virtioModules: ["virtio_blk"],
      // DETECT_HUNG_TASK y L8063, DEFAULT_HUNG_TASK_TIMEOUT 0 L8064: khungtaskd runs and checks
      // nothing (config_types.ts `hungTaskTimeout`).
      hungTaskTimeout: 0,
      ...NOT_BOOTED,
      source: "microsoft/azurelinux@2172d5cf45e4 SPECS/kernel/config and kernel.spec (6.6.134.1-2)",
    },
  }],
};

/** WSL2's kernel (arch/x86/configs/config-wsl of the linux-msft-wsl-5.15.y and 6.6.y trees). */
export const WSL2: ConfigPreset = {
  id: "wsl2",
  label: "WSL2's kernel (VERSION-microsoft-standard-WSL2): Hyper-V built in, no hibernation",
  arches: ["x86_64"],
  lines: [
    {
      id: "5.15",
      facts: {
        // config-wsl 5.15.146.1 (crramirez/WSL2-Linux-Kernel@d9066f5b8642, LOCALVERSION as
        // Microsoft's; deployKF 5.15.90.3 and a 5.15.54 Microsoft/config-wsl agree): VMAP_STACK y,
        // PADATA y, ZSWAP y; ZSMALLOC n, IRQ_POLL n, LEDS_TRIGGER_CPU n (no NEW_LEDS).
        // MEMCG y [INFERRED: WSL2 runs systemd with cgroups; line not cited].
        options: ["MEMCG", "VMAP_STACK", "PADATA", "ZSWAP"],
        // HYPERV y, NO_HZ_IDLE y, PREEMPT_NONE y (no PREEMPT_DYNAMIC in 5.15 without PREEMPT),
        // BOOTPARAM_HOTPLUG_CPU0 n, no CONFIG_PM (no PM_DEBUG, no hibernation), VIRTIO_BLK y.
        hyperv: "y",
        nohz: "idle",
        preemptDynamic: false,
        hotplugParallel: false,
        bootparamHotplugCpu0: true,
        // The config's header and LOCALVERSION. [GAP] the build's date in `uname -v`.
        uname: { release: "5.15.146.1-microsoft-standard-WSL2", version: "#1 SMP" },
        pmDebug: false,
        virtioModules: [],
        // "# CONFIG_DETECT_HUNG_TASK is not set" (Kernel hacking > Debug Oops, Lockups and
        // Hangs): no detector, so no hungTaskTimeout.
        ...NOT_BOOTED,
        source: "config-wsl 5.15.146.1 (crramirez/WSL2-Linux-Kernel@d9066f5b8642)",
      },
    },
    {
      id: "6.6",
      facts: {
        // config-wsl 6.6.29.1 (minuscat/linux-msft-wsl-6.6.y@3245f85b90fb): VMAP_STACK y, PADATA
        // y, IRQ_POLL y; ZSWAP n, ZSMALLOC m, CRASH_HOTPLUG n (no CRASH_DUMP), LEDS_TRIGGER_CPU n.
        // MEMCG y [INFERRED, as 5.15's].
        options: ["MEMCG", "VMAP_STACK", "PADATA", "IRQ_POLL"],
        // PREEMPT_NONE y + PREEMPT_DYNAMIC y, HOTPLUG_PARALLEL y, PM_DEBUG n, VIRTIO_BLK m.
        preemptDynamic: true,
        hotplugParallel: true,
        bootparamHotplugCpu0: false,
        // [GAP] the build's date in `uname -v`.
        uname: { release: "6.6.29.1-microsoft-standard-WSL2", version: "#1 SMP PREEMPT_DYNAMIC" },
        virtioModules: ["virtio_blk"],
        // CONFIG_DETECT_HUNG_TASK=y, CONFIG_DEFAULT_HUNG_TASK_TIMEOUT=0 (Debug Oops, Lockups and
        // Hangs): built, checks nothing, as Azure Linux's.
        hungTaskTimeout: 0,
        source: "config-wsl 6.6.29.1 (minuscat/linux-msft-wsl-6.6.y@3245f85b90fb)",
      },
    },
  ],
};
