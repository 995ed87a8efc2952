/**
 * Hosts as data: the Hyper-V versions (host build, CPUID 0x40000002; VM limits; the CPUID
 * 0x40000003 feature bits a Linux guest acts on), QEMU/KVM with Hyper-V enlightenments (`-cpu
 * …,hv-*`: the host the real-kernel logs come from), and the platform each gives a guest (an HPET,
 * the LAPIC timer's frequency, VMbus). Sources: docs/model.md §Hosts (reference hyperv-stimer.md
 * §5.1–§5.4; ../shared/real-kernel logs for QEMU).
 *
 * @module
 */

import type { HostFeatures, Platform } from "../../engine/config.ts";
import type { HostId } from "../../engine/ids.ts";

export type { HostFeatures, Platform } from "../../engine/config.ts";

/**
 * Which CPUID 0x40000003 register and bit each host feature lives in (the frequency MSRs are
 * announced twice: EAX bit 11 `HV_ACCESS_FREQUENCY_MSRS`, EDX bit 8
 * `HV_FEATURE_FREQUENCY_MSRS_AVAILABLE`).
 */
export const HOST_FEATURE_BITS: Readonly<
  Record<keyof HostFeatures, readonly (readonly ["eax" | "edx", number])[]>
> = {
  referenceCounter: [["eax", 1]],
  synic: [["eax", 2]],
  syntheticTimers: [["eax", 3]],
  referenceTscPage: [["eax", 9]],
  frequencyMsrs: [["eax", 11], ["edx", 8]],
  invariantTsc: [["eax", 15]],
  stimerDirectMode: [["edx", 19]],
};

const HYPERV_PLATFORM: Platform = {
  hpet: false,
  // [INFERRED from guest logs printing "Hyper-V: LAPIC Timer Frequency: 0xc3500" at HZ=250]
  apicHz: 200_000_000,
  cpu: null,
  vmbus: "always",
  // Depends on the Hyper-V version; not recorded for these hosts.
  vmbusVersion: null,
  vmbusMmio: true,
  framebuffer: true,
  // [ASSUMPTION] Hyper-V hosts run on server CPUs with constant_tsc.
  tscSynchronized: true,
  cpuidExtra: null,
  // [GAP] Hyper-V offers its guests no suspend to RAM; S4 is taken to be declared (hibernation
  // through the platform, the path hvtick modelled before the real logs): not checked on a host.
  sleepStates: [4],
  source: "reference hyperv-stimer.md §5; tick-deltas §3 (no HPET on Hyper-V)",
};

/**
 * QEMU's `pc` machine (i440FX) under TCG with `-cpu max`, as the rig runs it: an HPET at
 * 0xfed00000 with 3 comparators at 100 MHz, a 1 GHz APIC timer (`LAPIC Timer Frequency:
 * 0x3d0900` at HZ=250), the TCG CPU model (logs/public/pub-k*-offon.log, full dmesg).
 */
const QEMU_PLATFORM: Platform = {
  hpet: true,
  apicHz: 1_000_000_000,
  cpu: "AMD QEMU TCG CPU version 2.5+ (family: 0xf, model: 0x6b, stepping: 0x1)",
  vmbus: "device",
  // QEMU's vmbus-bridge offers VERSION_WIN10 (logs: "hv_vmbus: Vmbus version:4.0").
  vmbusVersion: "4.0",
  vmbusMmio: false,
  framebuffer: false,
  tscSynchronized: false,
  cpuidExtra: { high: 0x30, hints: 0x20 },
  // SeaBIOS's DSDT for the pc machine declares \_S3 and \_S4: /sys/power/state reads
  // "freeze mem disk" and /sys/power/disk "[platform] …" (logs/k*-hv-direct-hibernate.log:10-11).
  sleepStates: [3, 4],
  source: "../shared/real-kernel/logs (every boot's dmesg); rig/acpi/sb-crs.asl (VMBS in \\_SB)",
};

/** One Hyper-V host generation. */
export interface HostVersion {
  /** The id users pass to `.hyperv()`. */
  readonly id: HostId;
  /** Human name, e.g. "Hyper-V 2012 R2". */
  readonly label: string;
  /** CPUID 0x40000002: build, major.minor, service pack, branch, number. */
  readonly build: readonly [number, number, number, number, number, number];
  /** Max virtual processors per VM for a Generation 1 and a Generation 2 VM (null: no Gen2). */
  readonly maxVcpus: { readonly gen1: number; readonly gen2: number | null };
  /** CPUID 0x40000003 EAX/EDX as seen in a real guest log, or null when only the modelled bits are known. */
  readonly loggedCpuid: { readonly eax: number; readonly edx: number } | null;
  /** The host's default features. */
  readonly features: HostFeatures;
  /** The platform its VMs have. */
  readonly platform: Platform;
  /**
   * The newest VMBus protocol the host offers (`major.minor`), as include/linux/hyperv.h names
   * each version's host (6.18.9:252-261); a kernel negotiates the newest it knows of these.
   */
  readonly vmbusProtocol: string;
  /** Where the facts come from. */
  readonly source: string;
}

const LEGACY_HOST: HostFeatures = {
  referenceCounter: true,
  synic: true,
  syntheticTimers: true,
  referenceTscPage: false,
  frequencyMsrs: false,
  invariantTsc: false,
  stimerDirectMode: false,
};
// Each host's features are its predecessor's with what it added: the TSC page and frequency MSRs
// (2012), Direct Mode stimers (2016), the invariant TSC (2022).
const TSC_PAGE_HOST: HostFeatures = { ...LEGACY_HOST, referenceTscPage: true, frequencyMsrs: true };
const DIRECT_MODE_HOST: HostFeatures = { ...TSC_PAGE_HOST, stimerDirectMode: true };
const INVARIANT_TSC_HOST: HostFeatures = { ...DIRECT_MODE_HOST, invariantTsc: true };

/**
 * Every Hyper-V host hvtick knows, oldest first.
 *
 * @example
 * ```ts
 * import { HOSTS } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(HOSTS.find((h) => h.id === "2025")?.maxVcpus.gen2, 2048);
 * ```
 */
export const HOSTS: readonly HostVersion[] = [
  {
    id: "2008R2",
    label: "Hyper-V 2008 R2",
    build: [7601, 6, 1, 0, 0, 0],
    maxVcpus: { gen1: 4, gen2: null },
    loggedCpuid: null,
    features: LEGACY_HOST,
    platform: HYPERV_PLATFORM,
    // hyperv.h: 1.1 (Windows 7, WS2008 R2).
    vmbusProtocol: "1.1",
    source: "build: common knowledge [GAP]; 4 vCPUs: S24; message-mode stimers only: S21",
  },
  {
    id: "2012",
    label: "Hyper-V 2012",
    build: [9200, 6, 2, 0, 0, 0],
    maxVcpus: { gen1: 64, gen2: null },
    loggedCpuid: null,
    features: TSC_PAGE_HOST,
    platform: HYPERV_PLATFORM,
    // hyperv.h: 2.4 (Windows 8, WS2012).
    vmbusProtocol: "2.4",
    source: "build: [GAP]; 64 vCPUs: S24; message-mode stimers only: S21",
  },
  {
    id: "2012R2",
    label: "Hyper-V 2012 R2",
    build: [9600, 6, 3, 0, 0, 0],
    maxVcpus: { gen1: 64, gen2: 64 },
    loggedCpuid: null,
    features: TSC_PAGE_HOST,
    platform: HYPERV_PLATFORM,
    // hyperv.h: 3.0 (Windows 8.1, WS2012 R2).
    vmbusProtocol: "3.0",
    source: "build: [GAP]; 64 vCPUs: S24; message-mode stimers only (TLFS 2013, S21)",
  },
  {
    id: "2016",
    label: "Hyper-V 2016",
    build: [14393, 10, 0, 0, 0, 280],
    maxVcpus: { gen1: 64, gen2: 240 },
    loggedCpuid: { eax: 0x2aff, edx: 0x80d12 },
    features: DIRECT_MODE_HOST,
    platform: HYPERV_PLATFORM,
    // hyperv.h: 4.0 (Windows 10) [INFERRED: Server 2016 is Windows 10 1607's build, 14393].
    vmbusProtocol: "4.0",
    source: "guest log 14393-10.0-0-0.280 and CPUID (S25); 240/64 vCPUs (S23)",
  },
  {
    id: "2019",
    label: "Hyper-V 2019",
    build: [17763, 10, 0, 0, 0, 737],
    maxVcpus: { gen1: 64, gen2: 240 },
    loggedCpuid: { eax: 0x2e7f, edx: 0xbed7b2 },
    features: DIRECT_MODE_HOST,
    platform: HYPERV_PLATFORM,
    // hyperv.h: 5.2 (Windows Server 2019, RS5).
    vmbusProtocol: "5.2",
    source: "guest log 17763-10.0-0-0.737 and CPUID (S25); 240 vCPUs per the 2016/2019 page, " +
      "250 per the 2024 page (S23 disagree; 240 used)",
  },
  {
    id: "2022",
    label: "Hyper-V 2022",
    build: [20348, 10, 0, 1, 0, 1138],
    maxVcpus: { gen1: 64, gen2: 1024 },
    loggedCpuid: { eax: 0xae7f, edx: 0xc0bed7b2 },
    features: INVARIANT_TSC_HOST,
    platform: HYPERV_PLATFORM,
    // hyperv.h: 5.3 (Windows Server 2022).
    vmbusProtocol: "5.3",
    source: "guest log 20348-10.0-1-0.1138 and CPUID (S25); 1,024/64 vCPUs (S23)",
  },
  {
    id: "2025",
    label: "Hyper-V 2025",
    build: [26100, 10, 0, 2, 0, 2605],
    maxVcpus: { gen1: 64, gen2: 2048 },
    loggedCpuid: { eax: 0xae7f, edx: 0xe0bed7b6 },
    features: INVARIANT_TSC_HOST,
    platform: HYPERV_PLATFORM,
    // [INFERRED] at least 2022's 5.3, the newest any modelled kernel knows (connection.c:54).
    vmbusProtocol: "5.3",
    source: "guest log 26100-10.0-2-0.2605 (S25; build shared with Windows 11 24H2); " +
      "2,048/64 vCPUs (S23)",
  },
  {
    id: "qemu",
    label: "QEMU/KVM with Hyper-V enlightenments",
    // QEMU's default hv-version-id: build 14393, 10.0 (target/i386/kvm/hyperv-proto.h); the guest
    // prints "Hyper-V: Host Build 10.0.14393.0-0-0" (logs/public/pub-k6.1-*.log).
    build: [14393, 10, 0, 0, 0, 0],
    // The pc machine's limit (hw/i386/pc_piix.c max_cpus = 255).
    maxVcpus: { gen1: 255, gen2: 255 },
    // -cpu max,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,hv-frequencies,
    // hv-vendor-id=Microsoft Hv: "privilege flags low 0xa6e, high 0x30, hints 0x20, misc 0x108"
    // (+0x80000 with hv-stimer-direct).
    loggedCpuid: { eax: 0xa6e, edx: 0x108 },
    // The rig's hv-* flags give what Hyper-V 2016 gives (hv-stimer-direct: Direct Mode).
    features: DIRECT_MODE_HOST,
    platform: QEMU_PLATFORM,
    // QEMU's vmbus-bridge offers VERSION_WIN10 (logs: "hv_vmbus: Vmbus version:4.0").
    vmbusProtocol: "4.0",
    source: "../shared/real-kernel (QEMU 7.2 with the rig's Hyper-V-under-TCG patch; each " +
      "log's host.txt holds the -cpu flags)",
  },
];

/** The platform of the "none" baseline: QEMU's `pc` machine without Hyper-V enlightenments. */
export const BASELINE_PLATFORM: Platform = { ...QEMU_PLATFORM, vmbus: "device", cpuidExtra: null };

/** The platform a host id gives its VMs. */
export function platformOf(id: string): Platform {
  return findHost(id)?.platform ?? BASELINE_PLATFORM;
}

export { HYPERV_IDS, type HypervId } from "../../engine/ids.ts";

/** Max vCPUs for the "none" baseline (x86 `NR_CPUS` of a typical distribution kernel, 8192). */
export const BASELINE_MAX_CPUS = 8192;

/**
 * Returns the host with this id, or undefined.
 *
 * @example
 * ```ts
 * import { findHost } from "./hosts.ts";
 * import assert from "node:assert/strict";
 * assert.equal(findHost("2012R2")?.build[0], 9600);
 * ```
 */
export function findHost(id: string): HostVersion | undefined {
  return HOSTS.find((h) => h.id === id);
}

/**
 * CPUID 0x40000003 EAX/EDX for a host with (possibly overridden) features: the logged value when
 * one exists, with the modelled bits set or cleared to match `features`.
 *
 * @example
 * ```ts
 * import { cpuidFeatures, findHost } from "./hosts.ts";
 * import assert from "node:assert/strict";
 * const host = findHost("2019")!;
 * assert.equal(cpuidFeatures(host, host.features).edx, 0xbed7b2);
 * const off = cpuidFeatures(host, { ...host.features, stimerDirectMode: false });
 * assert.equal(off.edx & (1 << 19), 0);
 * ```
 */
export function cpuidFeatures(
  host: HostVersion,
  features: HostFeatures,
): { eax: number; edx: number } {
  const regs = { eax: host.loggedCpuid?.eax ?? 0, edx: host.loggedCpuid?.edx ?? 0 };
  for (const [name, bits] of Object.entries(HOST_FEATURE_BITS)) {
    const on = features[name as keyof HostFeatures];
    for (const [reg, bit] of bits) {
      regs[reg] = on ? (regs[reg] | (1 << bit)) >>> 0 : (regs[reg] & ~(1 << bit)) >>> 0;
    }
  }
  return regs;
}
