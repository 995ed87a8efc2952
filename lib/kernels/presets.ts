/**
 * VM presets a user recognises: a distribution's kernel on the host it runs on, each a named
 * (kernel release, kernel config, Hyper-V host) triple with its provenance. A preset only chooses
 * defaults: any option given beside it wins. `vm --preset NAME` and `vm().preset(NAME)`.
 *
 * @module
 */

import type { Arch, Hz } from "../engine/config.ts";
import type { ConfigId, HypervId, KernelId, PresetId } from "../engine/ids.ts";

/** The options a preset sets (each one a `vm` flag of the same name). */
export interface PresetOptions {
  /** Kernel line (lib/kernels/lines.ts). */
  readonly kernel: KernelId;
  /** Kernel config preset (lib/kernels/configs.ts). */
  readonly kconfig: ConfigId;
  /** Hyper-V host (lib/platform/hyperv/hosts.ts). */
  readonly hyperv: HypervId;
  /** `CONFIG_HZ` of the distribution's config. */
  readonly hz: Hz;
  /** Architecture. */
  readonly arch: Arch;
}

/** One preset. */
export interface VmPreset {
  /** The id users pass to `--preset`. */
  readonly id: PresetId;
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
  {
    id: "ubuntu-22.04-azure",
    label: "Ubuntu 22.04 LTS on Azure: linux-azure 6.8 (HWE, e.g. 6.8.0-1012-azure)",
    options: { kernel: "6.8", kconfig: "ubuntu-azure", hyperv: "2022", hz: 1000, arch: "x86_64" },
    provenance: "jammy's linux-azure-6.8 (debian.azure-6.8/changelog 6.8.0-1012.14~22.04.1) " +
      "includes noble's debian.azure/config/annotations with only toolchain overrides; the code is " +
      "modelled on noble's 6.8.0-31 source (6.8.1), HZ_1000 from noble's annotations; the host: " +
      "Azure's hosts run a Hyper-V of the Windows Server 2022 family (guests print Host Build " +
      "10.0.20279/20348, microsoft/lisa#1340)",
  },
  {
    id: "ubuntu-24.04-azure",
    label: "Ubuntu 24.04 LTS on Azure: linux-azure 6.8 (e.g. 6.8.0-1012-azure)",
    options: { kernel: "6.8", kconfig: "ubuntu-azure", hyperv: "2022", hz: 1000, arch: "x86_64" },
    provenance: "noble's linux-azure: debian.azure/config/annotations over debian.master's " +
      "(6.8.0-31.31); the code is modelled on noble's 6.8.0-31 source (6.8.1); host as " +
      "ubuntu-22.04-azure",
  },
  {
    id: "azure-linux-3",
    label: "Azure Linux 3.0 on Azure: kernel 6.6 (e.g. 6.6.134.1-2.azl3)",
    options: { kernel: "6.6", kconfig: "azure-linux", hyperv: "2022", hz: 250, arch: "x86_64" },
    provenance: "microsoft/azurelinux 3.0 SPECS/kernel/config and kernel.spec (6.6.134.1-2, May " +
      "2026), modelled on upstream 6.6.150 (the same 6.6 LTS line; Azure Linux moves along it " +
      "monthly); host as ubuntu-22.04-azure",
  },
  {
    id: "wsl2-5.15",
    label: "WSL2 with its 5.15 kernel (e.g. 5.15.146.1-microsoft-standard-WSL2) on Windows 11",
    options: { kernel: "5.15", kconfig: "wsl2", hyperv: "2025", hz: 100, arch: "x86_64" },
    provenance: "config-wsl of linux-msft-wsl-5.15.y (5.15.146.1), modelled on upstream " +
      "5.15.215; the host: Windows 11 24H2's Hyper-V (build 26100, shared with Windows Server 2025)",
  },
  {
    id: "wsl2-6.6",
    label: "WSL2 with its 6.6 kernel (e.g. 6.6.29.1-microsoft-standard-WSL2) on Windows 11",
    options: { kernel: "6.6", kconfig: "wsl2", hyperv: "2025", hz: 250, arch: "x86_64" },
    provenance: "config-wsl of linux-msft-wsl-6.6.y (6.6.29.1), modelled on upstream 6.6.150; " +
      "host as wsl2-5.15",
  },
];

export { PRESET_IDS, type PresetId } from "../engine/ids.ts";

/**
 * The `vm` flags a preset stands for.
 *
 * @example
 * ```ts
 * import { findPreset, presetFlags } from "./presets.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   presetFlags(findPreset("debian-12")!),
 *   "--kernel 6.1 --kconfig debian --hyperv 2019 --hz 250 --arch x86_64",
 * );
 * ```
 */
export function presetFlags(p: VmPreset): string {
  const o = p.options;
  return `--kernel ${o.kernel} --kconfig ${o.kconfig} --hyperv ${o.hyperv} --hz ${o.hz} --arch ${o.arch}`;
}

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
