/**
 * The validated machine configuration (plain data, part of the machine state).
 *
 * @module
 */

import type { ConfigId, HypervId, KernelId, PresetId, Suggested } from "./ids.ts";

/** Architectures hvtick models.  *
 * @example
 * ```ts
 * import { ARCHES } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(ARCHES, ["x86_64", "arm64"]);
 * ```
 */
export const ARCHES = ["x86_64", "arm64"] as const;
/** An architecture. */
export type Arch = typeof ARCHES[number];

/** `CONFIG_HZ` choices (kernel/Kconfig.hz).  *
 * @example
 * ```ts
 * import { HZ_VALUES } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(HZ_VALUES.includes(250));
 * ```
 */
export const HZ_VALUES = [100, 250, 300, 1000] as const;
/** A HZ value. */
export type Hz = typeof HZ_VALUES[number];

/**
 * Host feature flags hvtick models, each a CPUID 0x40000003 bit (lib/platform/hyperv/hosts.ts
 * maps them to their registers).
 */
export interface HostFeatures {
  /** EAX bit 1 `HV_MSR_TIME_REF_COUNT_AVAILABLE`: partition reference counter. */
  readonly referenceCounter: boolean;
  /** EAX bit 2 `HV_MSR_SYNIC_AVAILABLE`: synthetic interrupt controller. */
  readonly synic: boolean;
  /** EAX bit 3 `HV_MSR_SYNTIMER_AVAILABLE`: synthetic timers (stimer). */
  readonly syntheticTimers: boolean;
  /** EAX bit 9 `HV_MSR_REFERENCE_TSC_AVAILABLE`: reference TSC page. */
  readonly referenceTscPage: boolean;
  /** EAX bit 11 `HV_ACCESS_FREQUENCY_MSRS`: LAPIC/TSC frequency MSRs. */
  readonly frequencyMsrs: boolean;
  /** EAX bit 15 `HV_ACCESS_TSC_INVARIANT`: invariant TSC control. */
  readonly invariantTsc: boolean;
  /** EDX bit 19 `HV_STIMER_DIRECT_MODE_AVAILABLE`: stimer Direct Mode. */
  readonly stimerDirectMode: boolean;
}

/** What a host's virtual machine gives a guest besides the Hyper-V CPUID leaves. */
export interface Platform {
  /** An HPET the guest finds (ACPI HPET table): QEMU's `pc` machine has one; Hyper-V has none. */
  readonly hpet: boolean;
  /** The LAPIC timer frequency `HV_X64_MSR_APIC_FREQUENCY` reports, Hz (with the frequency MSRs). */
  readonly apicHz: number;
  /** What the guest prints for CPU0 (`smpboot: CPU0: …`), or null when it depends on the host CPU. */
  readonly cpu: string | null;
  /** VMbus: always there (Hyper-V), or only with a `-device vmbus-bridge` (QEMU). */
  readonly vmbus: "always" | "device";
  /** The VMBus device's ACPI ancestors hold an MMIO `_CRS` (Hyper-V's VMOD device; QEMU: no). */
  readonly vmbusMmio: boolean;
  /** The VMbus protocol version the host offers (`hv_vmbus: Vmbus version:N`), when known. */
  readonly vmbusVersion: string | null;
  /** A framebuffer hv_vmbus can reserve (Hyper-V's synthetic video; QEMU's VGA text console: no). */
  readonly framebuffer: boolean;
  /**
   * The TSCs are known synchronized (an Intel CPU or `constant_tsc`); QEMU's TCG `max` CPU is
   * neither (no `constant_tsc` in any log's cpuinfo flags).
   */
  readonly tscSynchronized: boolean;
  /** CPUID 0x40000003 EBX ("privilege flags high") and 0x40000004 EAX (hints), when known. */
  readonly cpuidExtra: {
    readonly high: number;
    readonly hints: number;
    /** CPUID 0x40000003 ECX (6.18's feature line prints it), where the host's value is known. */
    readonly ext?: number;
  } | null;
  /**
   * The ACPI sleep states the firmware's DSDT declares besides S0 and S5 (`\_S3`: suspend to
   * RAM, `mem`; `\_S4`: hibernation through the platform, `hibernation_mode` `platform`).
   */
  readonly sleepStates: readonly (3 | 4)[];
  /** Where the facts come from. */
  readonly source: string;
}

/** Guest CPU features that change clockevent selection. */
export interface GuestFeatures {
  /** x86 `X86_FEATURE_ARAT` (CPUID.06H:EAX[2]): LAPIC timer keeps running in deep C-states. */
  readonly arat: boolean;
  /** x86 `X86_FEATURE_TSC_DEADLINE_TIMER`: the LAPIC runs as `lapic-deadline`. */
  readonly tscDeadline: boolean;
}

/** Every feature a user can set with `.features()`: host CPUID bits and guest CPU features. */
export type Features = HostFeatures & GuestFeatures;

/** The configuration of a built machine. */
export interface MachineConfig {
  /** Hyper-V host id, or "none" for the plain x86 baseline. */
  readonly hyperv: HypervId;
  /** Guest architecture. */
  readonly arch: Arch;
  /** Kernel line. */
  readonly kernel: KernelId;
  /** VM generation (Hyper-V). */
  readonly generation: 1 | 2;
  /** Number of vCPUs (all present and possible). */
  readonly cpus: number;
  /** CONFIG_HZ. */
  readonly hz: Hz;
  /** Effective features (host defaults with overrides applied). */
  readonly features: Features;
  /** CPUs that have a VMbus channel bound (`target_cpu`). */
  readonly vmbusChannels: readonly number[];
  /** x86 `cpu0_hotplug` boot parameter. */
  readonly cpu0Hotplug: boolean;
  /** `CONFIG_CPU_HOTPLUG_STATE_CONTROL`. */
  readonly hotplugStateControl: boolean;
  /** Record a trace event for every tick. */
  readonly traceTicks: boolean;
  /** Trace buffer capacity, events. */
  readonly traceBuffer: number;
  /** The kernel config preset (lib/kernels/configs.ts). */
  readonly kconfig: ConfigId;
  /** How modules get loaded: by udev in early userspace (`udev`), or only by `modprobe` (`manual`). */
  readonly modules: "udev" | "manual";
  /** The host offers VMbus (Hyper-V always; QEMU with `-device vmbus-bridge`). */
  readonly vmbus: boolean;
  /** The VMBus device's ACPI ancestors hold an MMIO `_CRS` (Hyper-V; QEMU only with an SSDT adding one). */
  readonly vmbusMmio: boolean;
  /** The kernel command line. */
  readonly cmdline: string;
  /** The user's shell that writes files (what ftrace shows as the writer's `TASK-PID`). */
  readonly shell: { readonly comm: string; readonly pid: number };
  /**
   * The CPU whose `vmbus_percpu_work()` runs first when VMbus initialises on a release that does
   * it with per-CPU work items (6.12; they race): in legacy mode its LAPIC becomes the broadcast
   * device.
   */
  readonly synicFirst: number;
  /**
   * A confidential VM's isolation: absent for an ordinary VM; `"tdx"` for an Intel TDX VM without
   * a paravisor (the guest is itself the TD: arch/x86/kernel/cpu/mshyperv.c, 6.6.150:501-518).
   * Absent rather than "none" so that ordinary configurations stay as they were.
   */
  readonly isolation?: "tdx";
  /** The VM's memory, MiB (QEMU `-m`). */
  readonly memoryMiB: number;
  /**
   * `totalram_pages()` when the initcalls start, where a real run's own kernel log gives it
   * (lib/fidelity/boot_memory.ts); absent: the memory less the memmap and the build's boot
   * reservations (lib/hotplug/power_sysfs.ts `imageSizeDefault`).
   */
  readonly totalramPages?: number;
  /** The host gives the VM a virtio block device (QEMU `-drive …,if=virtio`): `/dev/vda`. */
  readonly virtioDisk: boolean;
  /** A swap device is active from boot (an installed guest's fstab), so hibernation can write. */
  readonly swap: boolean;
  /** What the host's VM gives the guest (lib/platform/hyperv/hosts.ts). */
  readonly platform: Platform;
  /**
   * How long the guest's work takes, ns: boot (spread evenly over its phases) and each hotplug
   * callback. Both 0 by default: boot and hotplug take no simulated time.
   */
  readonly timing: { readonly bootNs: number; readonly callbackNs: number };
}

/**
 * Everything `vm()` accepts; every field is optional, and each says its default. The string
 * options are the literal unions of their tables (editors complete them); any other string is
 * `build()`'s to refuse, with every other problem, naming the valid values.
 */
export interface VmOptions {
  /**
   * A distribution's kernel on its host (`VM_PRESETS`): sets kernel, kconfig, hyperv, hz and arch;
   * options given beside it win. Default: none.
   */
  preset?: Suggested<PresetId>;
  /**
   * The Hyper-V host (`HYPERV_IDS`: "2008R2" … "2025", "qemu" for QEMU with hv-* flags, or
   * "none" for the plain x86 baseline). Default: `"2019"`.
   */
  hyperv?: Suggested<HypervId>;
  /** The guest architecture (`ARCHES`). Default: `"x86_64"`. */
  arch?: Suggested<Arch>;
  /** The kernel line (`KERNEL_IDS`). Default: `"5.5"`. */
  kernel?: Suggested<KernelId>;
  /** The VM generation, 1 or 2 (arm64 VMs are Generation 2). Default: `2`. */
  generation?: number;
  /** The number of vCPUs, 1 to the host's limit. Default: `4`. */
  cpus?: number;
  /** `CONFIG_HZ` (`HZ_VALUES`: 100, 250, 300 or 1000). Default: `250`. */
  hz?: number;
  /**
   * Feature overrides: host CPUID bits and guest CPU features. Default: none (the host's own,
   * `HOSTS`; a Hyper-V guest sees neither ARAT nor TSC-deadline, QEMU's CPU has ARAT).
   */
  features?: Partial<Features>;
  /** The CPUs with a VMbus channel bound. Default: `[0]` on Hyper-V, none on QEMU or the baseline. */
  vmbusChannels?: number[];
  /** The x86 `cpu0_hotplug` boot parameter. Default: `false`. */
  cpu0Hotplug?: boolean;
  /** `CONFIG_CPU_HOTPLUG_STATE_CONTROL`. Default: `false`. */
  hotplugStateControl?: boolean;
  /** Record a trace event per tick. Default: `false`. */
  traceTicks?: boolean;
  /** The trace buffer's capacity, events. Default: `32768`. */
  traceBuffer?: number;
  /**
   * The kernel config (`CONFIG_IDS`): "debian" (Debian's x86_64 kernel: 5.10, 6.1, 6.12),
   * "ubuntu-azure" (6.8), "azure-linux" (6.6), "wsl2" (5.15, 6.6), "rig-build" (the kernels built
   * and booted here) or "minimal" (built-in Hyper-V). Default: "debian" where Debian has the line
   * on x86_64, else "minimal".
   */
  kconfig?: Suggested<ConfigId>;
  /** "udev" (udev loads the modules of present devices at boot) or "manual". Default: `"udev"`. */
  modules?: Suggested<"udev" | "manual">;
  /**
   * The host offers VMbus. Default: on a Hyper-V host yes; on "qemu" (no vmbus-bridge) and
   * "none", no.
   */
  vmbus?: boolean;
  /** The VMBus device has an MMIO `_CRS` ancestor in ACPI. Default: on Hyper-V yes, on QEMU no. */
  vmbusMmio?: boolean;
  /** The kernel command line (the options hvtick models are read: ftrace=, …). Default: `""`. */
  cmdline?: string;
  /** The VM's memory in MiB (QEMU `-m`). Default: `1024`. */
  memory?: number;
  /**
   * The pages the page allocator manages once the boot has released its reservations
   * (`totalram_pages()` at the initcalls), as a real run's log tells: a boot's reservations vary
   * by a page from run to run. Default: the memory less the memmap and the build's reservations.
   */
  totalram?: number;
  /** The host gives the VM a virtio disk (QEMU `-drive …,if=virtio`; Hyper-V: never). Default: `false`. */
  virtioDisk?: boolean;
  /**
   * A swap device is active from boot, so `echo disk > /sys/power/state` can write an image
   * (without one, as in the rig's initramfs, the guest needs `swapon` first). Default: `true`.
   */
  swap?: boolean;
  /** The user's shell that writes sysfs files, as `COMM-PID`. Default: `"bash-1000"`. */
  shell?: string;
  /**
   * Which CPU's VMbus init work item runs first where they race (6.12: `vmbus_percpu_work()`).
   * Default: `0`.
   */
  synicFirst?: number;
  /**
   * The VM's isolation: "none" or "tdx", an Intel TDX confidential VM without a paravisor
   * (x86_64, Linux 6.6 and later, a Hyper-V 2022 or 2025 host, Generation 2). Default: `"none"`.
   */
  isolation?: Suggested<"none" | "tdx">;
  /**
   * How long boot and each hotplug callback take (ns or a duration such as "4.7s", "2ms"). Default:
   * neither takes simulated time; a replay of a real run gives the run's own timing.
   */
  timing?: { boot?: number | string; callback?: number | string };
}
