/**
 * Hyper-V host versions as data: host build (CPUID 0x40000002), VM limits and the CPUID
 * 0x40000003 feature bits a Linux guest acts on. Sources: docs/model.md §Hosts
 * (reference hyperv-stimer.md §5.1–§5.4).
 *
 * @module
 */

import type { HostFeatures } from "../../engine/config.ts";

export type { HostFeatures } from "../../engine/config.ts";

/** Which CPUID register and bit each host feature lives in. */
export const HOST_FEATURE_BITS: Readonly<
  Record<keyof HostFeatures, readonly ["eax" | "edx", number]>
> = {
  referenceCounter: ["eax", 1],
  synic: ["eax", 2],
  syntheticTimers: ["eax", 3],
  referenceTscPage: ["eax", 9],
  frequencyMsrs: ["eax", 11],
  invariantTsc: ["eax", 15],
  stimerDirectMode: ["edx", 19],
};

/** One Hyper-V host generation. */
export interface HostVersion {
  /** The id users pass to `.hyperv()`. */
  readonly id: string;
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

/** Every Hyper-V host hvtick knows, oldest first.  *
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
    source: "build: common knowledge [GAP]; 4 vCPUs: S24; message-mode stimers only: S21",
  },
  {
    id: "2012",
    label: "Hyper-V 2012",
    build: [9200, 6, 2, 0, 0, 0],
    maxVcpus: { gen1: 64, gen2: null },
    loggedCpuid: null,
    features: { ...LEGACY_HOST, referenceTscPage: true, frequencyMsrs: true },
    source: "build: [GAP]; 64 vCPUs: S24; message-mode stimers only: S21",
  },
  {
    id: "2012R2",
    label: "Hyper-V 2012 R2",
    build: [9600, 6, 3, 0, 0, 0],
    maxVcpus: { gen1: 64, gen2: 64 },
    loggedCpuid: null,
    features: { ...LEGACY_HOST, referenceTscPage: true, frequencyMsrs: true },
    source: "build: [GAP]; 64 vCPUs: S24; message-mode stimers only (TLFS 2013, S21)",
  },
  {
    id: "2016",
    label: "Hyper-V 2016",
    build: [14393, 10, 0, 0, 0, 280],
    maxVcpus: { gen1: 64, gen2: 240 },
    loggedCpuid: { eax: 0x2aff, edx: 0x80d12 },
    features: {
      ...LEGACY_HOST,
      referenceTscPage: true,
      frequencyMsrs: true,
      stimerDirectMode: true,
    },
    source: "guest log 14393-10.0-0-0.280 and CPUID (S25); 240/64 vCPUs (S23)",
  },
  {
    id: "2019",
    label: "Hyper-V 2019",
    build: [17763, 10, 0, 0, 0, 737],
    maxVcpus: { gen1: 64, gen2: 240 },
    loggedCpuid: { eax: 0x2e7f, edx: 0xbed7b2 },
    features: {
      ...LEGACY_HOST,
      referenceTscPage: true,
      frequencyMsrs: true,
      stimerDirectMode: true,
    },
    source: "guest log 17763-10.0-0-0.737 and CPUID (S25); 240 vCPUs per the 2016/2019 page, " +
      "250 per the 2024 page (S23 disagree; 240 used)",
  },
  {
    id: "2022",
    label: "Hyper-V 2022",
    build: [20348, 10, 0, 1, 0, 1138],
    maxVcpus: { gen1: 64, gen2: 1024 },
    loggedCpuid: { eax: 0xae7f, edx: 0xc0bed7b2 },
    features: {
      ...LEGACY_HOST,
      referenceTscPage: true,
      frequencyMsrs: true,
      invariantTsc: true,
      stimerDirectMode: true,
    },
    source: "guest log 20348-10.0-1-0.1138 and CPUID (S25); 1,024/64 vCPUs (S23)",
  },
  {
    id: "2025",
    label: "Hyper-V 2025",
    build: [26100, 10, 0, 2, 0, 2605],
    maxVcpus: { gen1: 64, gen2: 2048 },
    loggedCpuid: { eax: 0xae7f, edx: 0xe0bed7b6 },
    features: {
      ...LEGACY_HOST,
      referenceTscPage: true,
      frequencyMsrs: true,
      invariantTsc: true,
      stimerDirectMode: true,
    },
    source: "guest log 26100-10.0-2-0.2605 (S25; build shared with Windows 11 24H2); " +
      "2,048/64 vCPUs (S23)",
  },
];

/** The ids accepted by `.hyperv()`: every host plus "none" (a plain x86 KVM/bare-metal baseline).  *
 * @example
 * ```ts
 * import { HYPERV_IDS } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(HYPERV_IDS.includes("none"));
 * ```
 */
export const HYPERV_IDS: readonly string[] = [...HOSTS.map((h) => h.id), "none"];

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
  for (const [name, [reg, bit]] of Object.entries(HOST_FEATURE_BITS)) {
    const on = features[name as keyof HostFeatures];
    regs[reg] = on ? (regs[reg] | (1 << bit)) >>> 0 : (regs[reg] & ~(1 << bit)) >>> 0;
  }
  return regs;
}
