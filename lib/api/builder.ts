/**
 * `vm()`: the fluent builder. Setters only record; `build()` validates everything at once and
 * throws one {@linkcode ConfigError} listing every problem, so nothing is half-built.
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
import { didYouMean } from "../util/hint.ts";
import {
  BASELINE_MAX_CPUS,
  findHost,
  HOST_FEATURE_BITS,
  HYPERV_IDS,
} from "../platform/hyperv/hosts.ts";
import { KERNEL_IDS } from "../kernels/lines.ts";
import { Machine } from "./machine.ts";

export type { VmOptions } from "../engine/config.ts";

const GUEST_FEATURES = ["arat", "tscDeadline"] as const;
const FEATURE_NAMES = [...Object.keys(HOST_FEATURE_BITS), ...GUEST_FEATURES];

/** Builds a VM configuration step by step.  *
 * @example
 * ```ts
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const b = vm().hyperv("2016").cpus(2);
 * assert.equal(b.options().cpus, 2);
 * assert.equal(b.build().boundDevice(1), "Hyper-V clockevent");
 * ```
 */
export class VmBuilder {
  #o: VmOptions;

  /** Starts from `options` (see {@linkcode VmOptions}). */
  constructor(options: VmOptions = {}) {
    this.#o = { ...options, features: { ...options.features } };
  }

  /** Sets the Hyper-V host version ("none": plain x86 baseline with LAPIC + HPET). */
  hyperv(version: string): this {
    this.#o.hyperv = version;
    return this;
  }
  /** Sets the architecture. */
  arch(arch: string): this {
    this.#o.arch = arch;
    return this;
  }
  /** Sets the kernel line. */
  kernel(line: string): this {
    this.#o.kernel = line;
    return this;
  }
  /** Sets the VM generation. */
  generation(generation: number): this {
    this.#o.generation = generation;
    return this;
  }
  /** Sets the vCPU count. */
  cpus(count: number): this {
    this.#o.cpus = count;
    return this;
  }
  /** Sets CONFIG_HZ. */
  hz(hz: number): this {
    this.#o.hz = hz;
    return this;
  }
  /** Overrides features (merged with earlier calls). */
  features(features: Partial<Features>): this {
    this.#o.features = { ...this.#o.features, ...features };
    return this;
  }
  /** Sets the CPUs that have a VMbus channel bound. */
  vmbusChannels(cpus: number[]): this {
    this.#o.vmbusChannels = [...cpus];
    return this;
  }
  /** Boots with `cpu0_hotplug` (x86). */
  cpu0Hotplug(on = true): this {
    this.#o.cpu0Hotplug = on;
    return this;
  }
  /** Builds with `CONFIG_CPU_HOTPLUG_STATE_CONTROL=y` (any named state is a valid target). */
  hotplugStateControl(on = true): this {
    this.#o.hotplugStateControl = on;
    return this;
  }
  /** Records every tick in the trace. */
  traceTicks(on = true): this {
    this.#o.traceTicks = on;
    return this;
  }
  /** Sets the trace buffer capacity (events). */
  traceBuffer(events: number): this {
    this.#o.traceBuffer = events;
    return this;
  }

  /** The options recorded so far (a copy). */
  options(): VmOptions {
    return structuredClone(this.#o);
  }

  /** Validates and returns the configuration. @throws {ConfigError} listing every problem. */
  config(): MachineConfig {
    return validate(this.#o);
  }

  /** Validates, boots and returns the machine, every CPU online. @throws {ConfigError} */
  build(): Machine {
    return new Machine(this.config());
  }
}

/**
 * Starts a VM description; `build()` boots it.
 *
 * @example
 * ```ts
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().hyperv("2012R2").kernel("5.5").cpus(2).build();
 * assert.equal(m.boundDevice(1), "Hyper-V clockevent");
 * ```
 */
export function vm(options: VmOptions = {}): VmBuilder {
  return new VmBuilder(options);
}

function oneOf(problems: string[], field: string, value: unknown, valid: readonly string[]): void {
  if (typeof value !== "string" || !valid.includes(value)) {
    const hint = typeof value === "string" ? didYouMean(value, valid) : "";
    problems.push(
      `${field}: ${JSON.stringify(value)} is not valid${hint}; valid: ${valid.join(", ")}`,
    );
  }
}

function validate(o: VmOptions): MachineConfig {
  const problems: string[] = [];
  const hyperv = o.hyperv ?? "2019";
  const arch = o.arch ?? "x86_64";
  const kernel = o.kernel ?? "5.5";
  oneOf(problems, "hyperv", hyperv, HYPERV_IDS);
  oneOf(problems, "arch", arch, ARCHES);
  oneOf(problems, "kernel", kernel, KERNEL_IDS);
  const host = findHost(hyperv);
  const generation = o.generation ?? 2;
  if (generation !== 1 && generation !== 2) {
    problems.push(`generation: ${JSON.stringify(generation)} is not valid; valid: 1, 2`);
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
  const hz = o.hz ?? 250;
  if (!HZ_VALUES.includes(hz as 100)) {
    problems.push(
      `hz: ${JSON.stringify(hz)} is not valid; valid: ${HZ_VALUES.join(", ")} (CONFIG_HZ)`,
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
      `cpus: ${JSON.stringify(cpus)} is not valid; valid: an integer from 1 to ${upTo}`,
    );
  } else if (knownLimit && cpus > limit) {
    problems.push(
      host
        ? `cpus: ${cpus} exceeds the ${limit} virtual processors per VM of ${host.label} (Generation ${generation})`
        : `cpus: ${cpus} exceeds NR_CPUS ${limit}`,
    );
  }
  const overrides = o.features ?? {};
  for (const [name, value] of Object.entries(overrides)) {
    if (!FEATURE_NAMES.includes(name)) {
      problems.push(
        `features: unknown feature ${JSON.stringify(name)}${
          didYouMean(name, FEATURE_NAMES)
        }; valid: ${FEATURE_NAMES.join(", ")}`,
      );
    } else if (typeof value !== "boolean") {
      problems.push(`features: ${name} must be true or false, not ${JSON.stringify(value)}`);
    } else if (name in HOST_FEATURE_BITS && hyperv === "none") {
      problems.push(
        `features: ${name} is a Hyper-V host feature; the "none" baseline has no Hyper-V`,
      );
    } else if ((GUEST_FEATURES as readonly string[]).includes(name) && arch === "arm64") {
      problems.push(`features: ${name} is an x86 CPU feature; it does not apply to arm64`);
    }
  }
  const channels = o.vmbusChannels ?? [0];
  const n = Number.isInteger(cpus) && cpus >= 1 ? cpus : Number.POSITIVE_INFINITY;
  if (!Array.isArray(channels) || channels.some((c) => !Number.isInteger(c) || c < 0 || c >= n)) {
    problems.push(
      `vmbusChannels: ${JSON.stringify(channels)} is not valid; valid: CPU numbers from 0 to ${
        n - 1
      }`,
    );
  }
  const traceBuffer = o.traceBuffer ?? 32768;
  if (!Number.isInteger(traceBuffer) || traceBuffer < 16 || traceBuffer > 10_000_000) {
    problems.push(
      `traceBuffer: ${
        JSON.stringify(traceBuffer)
      } is not valid; valid: an integer from 16 to 10000000 (events)`,
    );
  }
  for (const flag of ["cpu0Hotplug", "hotplugStateControl", "traceTicks"] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") {
      problems.push(`${flag}: ${JSON.stringify(o[flag])} is not valid; valid: true, false`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const baseline = hyperv === "none";
  const defaults: Features = {
    ...(host?.features ?? {
      referenceCounter: false,
      synic: false,
      syntheticTimers: false,
      referenceTscPage: false,
      frequencyMsrs: false,
      invariantTsc: false,
      stimerDirectMode: false,
    }),
    // Hyper-V guests see neither ARAT nor TSC-deadline [INFERRED]; KVM advertises ARAT (reference §3.2).
    arat: baseline,
    tscDeadline: baseline,
  };
  return {
    hyperv,
    arch: arch as MachineConfig["arch"],
    kernel,
    generation: generation as 1 | 2,
    cpus,
    hz: hz as MachineConfig["hz"],
    features: { ...defaults, ...overrides },
    vmbusChannels: [...new Set(channels)].sort((a, b) => a - b),
    cpu0Hotplug: o.cpu0Hotplug ?? false,
    hotplugStateControl: o.hotplugStateControl ?? false,
    traceTicks: o.traceTicks ?? false,
    traceBuffer,
  };
}
