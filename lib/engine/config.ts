/**
 * The validated machine configuration (plain data, part of the machine state).
 *
 * @module
 */

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
  readonly hyperv: string;
  /** Guest architecture. */
  readonly arch: Arch;
  /** Kernel line. */
  readonly kernel: string;
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
}

/** Everything `vm()` accepts; every field is optional. */
export interface VmOptions {
  /** Hyper-V host: "2008R2", "2012", "2012R2", "2016", "2019", "2022", "2025", or "none". Default "2019". */
  hyperv?: string;
  /** "x86_64" (default) or "arm64". */
  arch?: string;
  /** Kernel line: "5.2", "5.4", "5.5" (default) or "6.1". */
  kernel?: string;
  /** VM generation: 1 or 2 (default 2; arm64 VMs are Generation 2). */
  generation?: number;
  /** Number of vCPUs, 1 to the host's limit. Default 4. */
  cpus?: number;
  /** CONFIG_HZ: 100, 250 (default), 300 or 1000. */
  hz?: number;
  /** Feature overrides (host CPUID bits and guest CPU features). */
  features?: Partial<Features>;
  /** CPUs with a VMbus channel bound; default [0]. */
  vmbusChannels?: number[];
  /** x86 `cpu0_hotplug` boot parameter; default false. */
  cpu0Hotplug?: boolean;
  /** `CONFIG_CPU_HOTPLUG_STATE_CONTROL`; default false. */
  hotplugStateControl?: boolean;
  /** Record a trace event per tick; default false. */
  traceTicks?: boolean;
  /** Trace buffer capacity in events; default 32768. */
  traceBuffer?: number;
}
