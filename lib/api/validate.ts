/**
 * Checking a VM description: every problem at once, each saying the field, the value and what is
 * valid; the result is the machine's configuration.
 *
 * @module
 */

import {
  ARCHES,
  type Features,
  HZ_VALUES,
  type MachineConfig,
  type VmOptions,
} from "../engine/config.ts";
import { ConfigError } from "../util/errors.ts";
import { parseDuration } from "../util/duration.ts";
import { didYouMean } from "../util/hint.ts";
import { isPlainObject, show } from "../util/check.ts";
import {
  BASELINE_MAX_CPUS,
  findHost,
  HOST_FEATURE_BITS,
  HYPERV_IDS,
  platformOf,
} from "../platform/hyperv/hosts.ts";
import { KERNEL_IDS, KERNEL_LINES } from "../kernels/lines.ts";
import { CONFIG_IDS, CONFIG_PRESETS, configFacts, configLines } from "../kernels/configs.ts";
import { findPreset, PRESET_IDS } from "../kernels/presets.ts";
import { isOneOf } from "../engine/ids.ts";

const GUEST_FEATURES = ["arat", "tscDeadline"] as const;
const FEATURE_NAMES = [...Object.keys(HOST_FEATURE_BITS), ...GUEST_FEATURES];
const MODULES = ["udev", "manual"] as const;

function oneOf(problems: string[], field: string, value: unknown, valid: readonly string[]): void {
  if (typeof value !== "string" || !valid.includes(value)) {
    const hint = typeof value === "string" ? didYouMean(value, valid) : "";
    problems.push(`${field}: ${show(value)} is not valid${hint}; valid: ${valid.join(", ")}`);
  }
}

/**
 * `o` with its preset's options under the ones it gives (lib/kernels/presets.ts); an unknown
 * preset is a problem and sets nothing.
 */
function withPreset(o: VmOptions, problems: string[]): VmOptions {
  if (o.preset === undefined) return o;
  oneOf(problems, "preset", o.preset, PRESET_IDS);
  const preset = findPreset(o.preset);
  if (!preset) return o;
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return { ...preset.options, ...given };
}

/** The isolation types `isolation` takes. */
const ISOLATIONS = ["none", "tdx"] as const;

/** The hosts hvtick lets run a TDX VM (docs/model.md §Hyper-V: which hosts do is a [GAP]). */
const TDX_HOSTS = ["2022", "2025"];

/** What keeps this VM from being a TDX guest without a paravisor. */
function tdxProblems(
  arch: unknown,
  hyperv: string,
  generation: unknown,
  kernel: string,
  overrides: unknown,
): string[] {
  const out: string[] = [];
  const what = 'isolation: "tdx" (an Intel TDX VM without a paravisor)';
  if (arch !== "x86_64") out.push(`${what} is x86_64 only, not ${show(arch)}`);
  if (!TDX_HOSTS.includes(hyperv)) {
    out.push(
      `${what} needs a Hyper-V host that runs TDX VMs, not ${show(hyperv)}; valid: hyperv ${
        TDX_HOSTS.join(", ")
      }`,
    );
  }
  if (generation === 1) out.push(`${what} is a Generation 2 VM, not 1`);
  const line = isOneOf(KERNEL_IDS, kernel) ? KERNEL_LINES[kernel] : undefined;
  if (line && !line.hypervTdxGuest) {
    out.push(
      `${what} is not valid with kernel ${kernel}: Linux ${line.version} cannot run as a Hyper-V ` +
        `TDX guest (no HV_ISOLATION_TYPE_TDX in arch/x86/kernel/cpu/mshyperv.c); valid: kernel ${
          KERNEL_IDS.filter((id) => KERNEL_LINES[id].hypervTdxGuest).join(", ")
        }`,
    );
  }
  if (isPlainObject(overrides) && overrides.referenceTscPage === true) {
    out.push(
      `features: referenceTscPage cannot be on with ${what}: the guest clears ` +
        "HV_MSR_REFERENCE_TSC_AVAILABLE (arch/x86/kernel/cpu/mshyperv.c, 6.6.150:509)",
    );
  }
  return out;
}

/** The largest trace buffer, in events. */
const MAX_TRACE_BUFFER = 2_000_000;

/**
 * Validates options into a configuration.
 *
 * @example
 * ```ts
 * import { validate } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(validate({ kernel: "6.1" }).kconfig, "debian");
 * assert.equal(validate({ kernel: "5.5" }).kconfig, "minimal");
 * assert.throws(() => validate({ kernel: "5.5", kconfig: "debian" }), /kconfig: debian/);
 * ```
 * @throws {ConfigError} listing every problem.
 */
export function validate(options: VmOptions): MachineConfig {
  const problems: string[] = [];
  const o = withPreset(options, problems);
  const hyperv = o.hyperv ?? "2019";
  const arch = o.arch ?? "x86_64";
  const kernel = o.kernel ?? "5.5";
  oneOf(problems, "hyperv", hyperv, HYPERV_IDS);
  oneOf(problems, "arch", arch, ARCHES);
  oneOf(problems, "kernel", kernel, KERNEL_IDS);
  const host = findHost(hyperv);
  const generation = o.generation ?? 2;
  if (generation !== 1 && generation !== 2) {
    problems.push(`generation: ${show(generation)} is not valid; valid: 1, 2`);
  } else if (host && generation === 2 && host.maxVcpus.gen2 === null) {
    problems.push(
      `generation: 2 needs a Hyper-V 2012 R2 or later host; ${host.label} runs Generation 1 VMs only`,
    );
  } else if (arch === "arm64" && generation === 1) {
    problems.push("generation: arm64 VMs are Generation 2 (UEFI) only");
  }
  if (arch === "arm64" && hyperv === "none") {
    problems.push('arch: the "none" baseline is x86_64 only; arm64 needs a Hyper-V host');
  }
  if (arch === "arm64" && hyperv === "qemu") {
    problems.push('arch: the "qemu" host is x86_64 (QEMU\'s pc machine) only');
  }
  const line = isOneOf(KERNEL_IDS, kernel) ? KERNEL_LINES[kernel] : undefined;
  if (line && arch === "arm64" && line.registrantOrder.every((k) => !k.startsWith("arm64/"))) {
    problems.push(
      `arch: hvtick has no arm64 registrant table for Linux ${kernel}; arm64 is modelled for ${
        KERNEL_IDS.filter((id) =>
          KERNEL_LINES[id].registrantOrder.some((k) => k.startsWith("arm64/"))
        )
          .join(", ")
      }`,
    );
  }
  const debianDefault = configFacts("debian", kernel) !== null && arch === "x86_64";
  const kconfig = o.kconfig ?? (debianDefault ? "debian" : "minimal");
  oneOf(problems, "kconfig", kconfig, CONFIG_IDS);
  const preset = CONFIG_PRESETS.find((p) => p.id === kconfig);
  if (preset && line && configFacts(kconfig, kernel) === null) {
    const valid = CONFIG_PRESETS.filter((p) => configFacts(p.id, kernel) !== null).map((p) => p.id);
    problems.push(
      `kconfig: ${kconfig} is ${preset.label}, which exists for Linux ${
        configLines(kconfig).join(", ")
      }; for ${kernel} the valid configs are: ${valid.join(", ")}`,
    );
  } else if (
    preset && (ARCHES as readonly string[]).includes(arch) && !preset.arches.includes(arch)
  ) {
    problems.push(`kconfig: ${kconfig} is for ${preset.arches.join(", ")}; not ${arch}`);
  }
  const modules = o.modules ?? "udev";
  oneOf(problems, "modules", modules, MODULES);
  const platform = platformOf(hyperv);
  const vmbus = o.vmbus ?? (hyperv !== "none" && platform.vmbus === "always");
  if (typeof vmbus !== "boolean") {
    problems.push(`vmbus: ${show(vmbus)} is not valid; valid: true, false`);
  } else if (vmbus && hyperv === "none") {
    problems.push('vmbus: VMbus needs Hyper-V; the "none" baseline has none');
  } else if (!vmbus && platform.vmbus === "always" && hyperv !== "none") {
    problems.push(`vmbus: a ${findHost(hyperv)?.label} host always offers VMbus`);
  }
  const vmbusMmio = o.vmbusMmio ?? platform.vmbusMmio;
  if (typeof vmbusMmio !== "boolean") {
    problems.push(`vmbusMmio: ${show(vmbusMmio)} is not valid; valid: true, false`);
  }
  const timing = { bootNs: 0, callbackNs: 0 };
  const given = o.timing ?? {};
  if (!isPlainObject(given)) {
    problems.push(`timing: ${show(given)} is not valid; valid: { boot?, callback? } (durations)`);
  } else {
    for (const key of Object.keys(given)) {
      if (key !== "boot" && key !== "callback") {
        problems.push(
          `timing: ${show(key)} is not a timing${
            didYouMean(key, ["boot", "callback"])
          }; valid: boot, callback`,
        );
      }
    }
  }
  for (const [field, key] of [["boot", "bootNs"], ["callback", "callbackNs"]] as const) {
    const v = isPlainObject(given) ? given[field] : undefined;
    if (v === undefined) continue;
    try {
      timing[key] = parseDuration(v);
    } catch (e) {
      problems.push(`timing.${field}: ${(e as Error).message}`);
    }
  }
  const cmdline = o.cmdline ?? "";
  if (typeof cmdline !== "string") {
    problems.push(`cmdline: ${show(cmdline)} is not valid; valid: a string`);
  }
  const shellText = o.shell ?? "bash-1000";
  // TASK_COMM_LEN 16 (15 characters and the NUL); PIDs up to PID_MAX_LIMIT (4194304).
  const shellMatch = typeof shellText === "string" ? /^(.{1,15})-(\d{1,7})$/.exec(shellText) : null;
  const shell = shellMatch ? { comm: shellMatch[1], pid: Number(shellMatch[2]) } : null;
  if (!shell || shell.pid < 1 || shell.pid > 4194304) {
    problems.push(
      `shell: ${
        show(shellText)
      } is not valid; valid: COMM-PID, a name of 1 to 15 characters and a PID from 1 to 4194304 (e.g. "bash-1000")`,
    );
  }
  const memoryMiB = o.memory ?? 1024;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 128 || memoryMiB > 16 * 1024 * 1024) {
    problems.push(
      `memory: ${
        show(memoryMiB)
      } is not valid; valid: a whole number of MiB from 128 to 16777216 (QEMU -m)`,
    );
  }
  const totalram = o.totalram;
  if (
    totalram !== undefined &&
    (!Number.isInteger(totalram) || totalram < 0 || totalram > memoryMiB * 256)
  ) {
    problems.push(
      `totalram: ${show(totalram)} is not valid; valid: a whole number of pages up to the memory's`,
    );
  }
  if (o.virtioDisk && hyperv !== "qemu" && hyperv !== "none") {
    problems.push(
      `virtioDisk: a ${findHost(hyperv)?.label ?? show(hyperv)} host has no virtio devices; ` +
        'valid with the "qemu" host and the "none" baseline (QEMU -drive …,if=virtio)',
    );
  }
  const hz = o.hz ?? 250;
  if (!HZ_VALUES.includes(hz as 100)) {
    problems.push(
      `hz: ${show(hz)} is not valid; valid: ${HZ_VALUES.join(", ")} (CONFIG_HZ)`,
    );
  }
  const cpus = o.cpus ?? 4;
  const limit = host
    ? (generation === 1 ? host.maxVcpus.gen1 : host.maxVcpus.gen2 ?? host.maxVcpus.gen1)
    : BASELINE_MAX_CPUS;
  const knownLimit = host !== undefined || hyperv === "none";
  if (typeof cpus !== "number" || !Number.isInteger(cpus) || cpus < 1) {
    const upTo = knownLimit ? String(limit) : "the host's limit";
    problems.push(
      `cpus: ${show(cpus)} is not valid; valid: an integer from 1 to ${upTo}`,
    );
  } else if (knownLimit && cpus > limit) {
    problems.push(
      host
        ? `cpus: ${cpus} exceeds the ${limit} virtual processors per VM of ${host.label} (Generation ${generation})`
        : `cpus: ${cpus} exceeds NR_CPUS ${limit}`,
    );
  }
  const overrides = o.features ?? {};
  if (!isPlainObject(overrides)) {
    problems.push(
      `features: ${show(overrides)} is not valid; valid: an object of feature names and booleans`,
    );
  }
  for (const [name, value] of isPlainObject(overrides) ? Object.entries(overrides) : []) {
    if (!FEATURE_NAMES.includes(name)) {
      problems.push(
        `features: unknown feature ${show(name)}${didYouMean(name, FEATURE_NAMES)}; valid: ${
          FEATURE_NAMES.join(", ")
        }`,
      );
    } else if (typeof value !== "boolean") {
      problems.push(`features: ${name} must be true or false, not ${show(value)}`);
    } else if (name in HOST_FEATURE_BITS && hyperv === "none") {
      problems.push(
        `features: ${name} is a Hyper-V host feature; the "none" baseline has no Hyper-V`,
      );
    } else if ((GUEST_FEATURES as readonly string[]).includes(name) && arch === "arm64") {
      problems.push(`features: ${name} is an x86 CPU feature; it does not apply to arm64`);
    }
  }
  // Hyper-V offers synthetic devices, their channels bound to CPU0; QEMU's vmbus-bridge offers none.
  const channels = o.vmbusChannels ?? (platformOf(hyperv).vmbus === "always" ? [0] : []);
  const n = Number.isInteger(cpus) && cpus >= 1 ? cpus : Number.POSITIVE_INFINITY;
  if (!Array.isArray(channels) || channels.some((c) => !Number.isInteger(c) || c < 0 || c >= n)) {
    problems.push(
      `vmbusChannels: ${show(channels)} is not valid; valid: CPU numbers from 0 to ${n - 1}`,
    );
  }
  const synicFirst = o.synicFirst ?? 0;
  if (!Number.isInteger(synicFirst) || synicFirst < 0 || synicFirst >= n) {
    problems.push(
      `synicFirst: ${show(synicFirst)} is not valid; valid: a CPU number from 0 to ${n - 1}`,
    );
  }
  const traceBuffer = o.traceBuffer ?? 32768;
  // An event takes about 100 bytes of heap: the largest buffer holds about 200 MB, whose text
  // (`trace`) stays within what one string may hold.
  if (!Number.isInteger(traceBuffer) || traceBuffer < 16 || traceBuffer > MAX_TRACE_BUFFER) {
    problems.push(
      `traceBuffer: ${
        show(traceBuffer)
      } is not valid; valid: an integer from 16 to ${MAX_TRACE_BUFFER} (events, about 100 bytes each)`,
    );
  }
  for (
    const flag of [
      "cpu0Hotplug",
      "hotplugStateControl",
      "traceTicks",
      "virtioDisk",
      "swap",
    ] as const
  ) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") {
      problems.push(`${flag}: ${show(o[flag])} is not valid; valid: true, false`);
    }
  }
  const isolation = o.isolation ?? "none";
  oneOf(problems, "isolation", isolation, ISOLATIONS);
  if (isolation === "tdx") {
    problems.push(...tdxProblems(arch, hyperv, generation, kernel, overrides));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const defaults = defaultFeatures(hyperv);
  const tdx = isolation === "tdx";
  // Each of these passed oneOf() above (else problems were thrown).
  return {
    hyperv: hyperv as MachineConfig["hyperv"],
    arch: arch as MachineConfig["arch"],
    kernel: kernel as MachineConfig["kernel"],
    generation: generation as 1 | 2,
    cpus,
    hz: hz as MachineConfig["hz"],
    // A TDX guest without a paravisor clears HV_MSR_REFERENCE_TSC_AVAILABLE (6.6.150
    // arch/x86/kernel/cpu/mshyperv.c:507-509, 6.18.9:515).
    features: { ...defaults, ...overrides, ...(tdx ? { referenceTscPage: false } : {}) },
    vmbusChannels: [...new Set(channels)].sort((a, b) => a - b),
    cpu0Hotplug: o.cpu0Hotplug ?? false,
    hotplugStateControl: o.hotplugStateControl ?? false,
    traceTicks: o.traceTicks ?? false,
    traceBuffer,
    kconfig: kconfig as MachineConfig["kconfig"],
    modules: modules as MachineConfig["modules"],
    vmbus: vmbus as boolean,
    vmbusMmio: vmbusMmio as boolean,
    cmdline,
    shell: shell!,
    synicFirst,
    ...(tdx ? { isolation: "tdx" as const } : {}),
    memoryMiB,
    ...(totalram !== undefined ? { totalramPages: totalram } : {}),
    virtioDisk: o.virtioDisk ?? false,
    swap: o.swap ?? true,
    platform,
    timing,
  };
}

/**
 * The features a host gives before any override: its CPUID bits, and the guest CPU's.
 *
 * @example
 * ```ts
 * import { defaultFeatures } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultFeatures("2019").stimerDirectMode, true);
 * assert.equal(defaultFeatures("none").arat, true);
 * ```
 */
export function defaultFeatures(hyperv: string): Features {
  const baseline = hyperv === "none";
  return {
    ...(findHost(hyperv)?.features ?? {
      referenceCounter: false,
      synic: false,
      syntheticTimers: false,
      referenceTscPage: false,
      frequencyMsrs: false,
      invariantTsc: false,
      stimerDirectMode: false,
    }),
    // Hyper-V guests see neither ARAT nor TSC-deadline [INFERRED]. QEMU's TCG `max` CPU (the
    // baseline and the "qemu" host, as the rig runs them) has ARAT and no TSC-deadline timer: every
    // real-kernel log's cpuinfo flags list "arat" and no "tsc_deadline_timer".
    arat: baseline || hyperv === "qemu",
    tscDeadline: false,
  };
}
