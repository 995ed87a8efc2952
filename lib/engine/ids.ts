/**
 * The names a user gives a VM's parts — kernel lines, Hyper-V hosts, kernel configs and presets —
 * as literal tuples, so that editors complete them and a typo in code is a type error. Each table
 * is typed by its union, so a row naming anything else does not compile: the releases' tables
 * (lib/kernels/release.ts `Tables.id`), the hosts (lib/platform/hyperv/hosts.ts `HOSTS`), the
 * configs (lib/kernels/configs.ts) and the presets (lib/kernels/presets.ts, whose options name a
 * line, a config and a host). tests/api_types_test.ts checks that each table holds exactly its
 * tuple's ids, in its order. They live in the engine so that `MachineConfig` can name them.
 *
 * @module
 */

/**
 * Kernel line ids, oldest first: what `.kernel()` and `vm --kernel` take.
 *
 * @example
 * ```ts
 * import { KERNEL_IDS, vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(KERNEL_IDS, [
 *   "5.2", "5.4", "5.5", "5.10", "5.15", "6.1", "6.6", "6.8", "6.12", "6.18",
 * ]);
 * assert.equal(vm().kernel(KERNEL_IDS[0]).config().kernel, "5.2");
 * ```
 */
export const KERNEL_IDS = [
  "5.2",
  "5.4",
  "5.5",
  "5.10",
  "5.15",
  "6.1",
  "6.6",
  "6.8",
  "6.12",
  "6.18",
] as const;

/** A kernel line id (`"5.4"`, `"6.12"`…): one of {@linkcode KERNEL_IDS}. */
export type KernelId = typeof KERNEL_IDS[number];

/**
 * The ids `.hyperv()` takes, oldest host first: every host of `HOSTS`, then "none" (the baseline
 * without Hyper-V: QEMU's `pc` machine, as the rig's `plain` profile runs it).
 *
 * @example
 * ```ts
 * import { HOSTS, HYPERV_IDS } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(HYPERV_IDS, [...HOSTS.map((h) => h.id), "none"]);
 * ```
 */
export const HYPERV_IDS = [
  "2008R2",
  "2012",
  "2012R2",
  "2016",
  "2019",
  "2022",
  "2025",
  "qemu",
  "none",
] as const;

/** A Hyper-V host id `.hyperv()` takes: one of {@linkcode HYPERV_IDS}. */
export type HypervId = typeof HYPERV_IDS[number];

/** The id of a host in `HOSTS`: every {@linkcode HypervId} but the "none" baseline. */
export type HostId = Exclude<HypervId, "none">;

/**
 * The kernel config ids `.kconfig()` takes, in the order `CONFIG_PRESETS` lists them.
 *
 * @example
 * ```ts
 * import { CONFIG_IDS, CONFIG_PRESETS } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(CONFIG_IDS, CONFIG_PRESETS.map((c) => c.id));
 * ```
 */
export const CONFIG_IDS = [
  "minimal",
  "debian",
  "ubuntu-azure",
  "azure-linux",
  "wsl2",
  "rig-build",
] as const;

/** A kernel config id `.kconfig()` takes: one of {@linkcode CONFIG_IDS}. */
export type ConfigId = typeof CONFIG_IDS[number];

/**
 * The preset ids `.preset()` and `vm --preset` take, in the order `VM_PRESETS` lists them.
 *
 * @example
 * ```ts
 * import { PRESET_IDS, VM_PRESETS } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(PRESET_IDS, VM_PRESETS.map((p) => p.id));
 * ```
 */
export const PRESET_IDS = [
  "debian-11",
  "debian-12",
  "debian-13",
  "ubuntu-22.04-azure",
  "ubuntu-24.04-azure",
  "azure-linux-3",
  "wsl2-5.15",
  "wsl2-6.6",
] as const;

/** A preset id `.preset()` takes: one of {@linkcode PRESET_IDS}. */
export type PresetId = typeof PRESET_IDS[number];

/**
 * One of the strings `T` (which editors offer as completions) or any other string: the type of a
 * builder option that arrives as text (a REPL line, a log, JSON) and that `build()` checks,
 * refusing a value outside `T` with a `ConfigError` that names the valid ones.
 *
 * @example
 * ```ts
 * import type { KernelId, Suggested } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const typed: Suggested<KernelId> = "6.12";
 * const read: Suggested<KernelId> = String(["6", "12"].join("."));
 * assert.equal(typed, read);
 * ```
 */
export type Suggested<T extends string> = T | (string & Record<never, never>);

/**
 * Whether `value` is one of `ids` (narrowing it to their union).
 *
 * @example
 * ```ts
 * import { isOneOf, KERNEL_IDS } from "./ids.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isOneOf(KERNEL_IDS, "6.1"), true);
 * assert.equal(isOneOf(KERNEL_IDS, "6.2"), false);
 * ```
 */
export function isOneOf<T extends string>(ids: readonly T[], value: unknown): value is T {
  return (ids as readonly unknown[]).includes(value);
}
