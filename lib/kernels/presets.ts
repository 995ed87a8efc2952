/**
 * VM presets a user recognises: a distribution's kernel on the host it runs on, each a named
 * (kernel release, kernel config, Hyper-V host) triple with its provenance. A preset only chooses
 * defaults: any option given beside it wins. `vm --preset NAME` and `vm().preset(NAME)`.
 *
 * @module
 */

/** The options a preset sets (each one a `vm` flag of the same name). */
export interface PresetOptions {
  /** Kernel line (lib/kernels/lines.ts). */
  readonly kernel: string;
  /** Kernel config preset (lib/kernels/configs.ts). */
  readonly kconfig: string;
  /** Hyper-V host (lib/platform/hyperv/hosts.ts). */
  readonly hyperv: string;
  /** `CONFIG_HZ` of the distribution's config. */
  readonly hz: number;
  /** Architecture. */
  readonly arch: string;
}

/** One preset. */
export interface VmPreset {
  /** The id users pass to `--preset`. */
  readonly id: string;
  /** What it is, as its users name it. */
  readonly label: string;
  /** The options it sets. */
  readonly options: PresetOptions;
  /** Where the triple comes from: the release, the config file, the host. */
  readonly provenance: string;
}

/**
 * Every preset, in the order `help vm` and the README list them.
 *
 * @example
 * ```ts
 * import { VM_PRESETS, vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const p = VM_PRESETS.find((x) => x.id === "debian-13")!;
 * assert.equal(vm().preset(p.id).config().kernel, p.options.kernel);
 * ```
 */
export const VM_PRESETS: readonly VmPreset[] = [
  {
    id: "debian-11",
    label: "Debian 11 (bullseye): linux-image-5.10.0-46-amd64 on Hyper-V 2019",
    options: { kernel: "5.10", kconfig: "debian", hyperv: "2019", hz: 250, arch: "x86_64" },
    provenance: "bullseye's kernel 5.10.262-1 and its config-5.10.0-46-amd64 (booted: " +
      "tests/real/public/pub-k5.10-*); the host is a choice (Debian runs on any Hyper-V): " +
      "Windows Server 2019, hvtick's default",
  },
  {
    id: "debian-12",
    label: "Debian 12 (bookworm): linux-image-6.1.0-56-amd64 on Hyper-V 2019",
    options: { kernel: "6.1", kconfig: "debian", hyperv: "2019", hz: 250, arch: "x86_64" },
    provenance: "bookworm's kernel 6.1.192-2 and its config-6.1.0-56-amd64 (booted: " +
      "tests/real/public/pub-k6.1-*)",
  },
  {
    id: "debian-13",
    label: "Debian 13 (trixie): linux-image-6.12.117+deb13-amd64 on Hyper-V 2019",
    options: { kernel: "6.12", kconfig: "debian", hyperv: "2019", hz: 250, arch: "x86_64" },
    provenance: "trixie's kernel 6.12.117-1 and its config-6.12.117+deb13-amd64 (booted: " +
      "tests/real/public/pub-k6.12-*)",
  },
];

/**
 * The ids `--preset` accepts.
 *
 * @example
 * ```ts
 * import { PRESET_IDS } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(PRESET_IDS.includes("debian-12"));
 * ```
 */
export const PRESET_IDS: readonly string[] = VM_PRESETS.map((p) => p.id);

/**
 * A preset by id, or undefined.
 *
 * @example
 * ```ts
 * import { findPreset } from "./presets.ts";
 * import assert from "node:assert/strict";
 * assert.equal(findPreset("debian-12")?.options.kernel, "6.1");
 * assert.equal(findPreset("debian-99"), undefined);
 * ```
 */
export function findPreset(id: string): VmPreset | undefined {
  return VM_PRESETS.find((p) => p.id === id);
}
