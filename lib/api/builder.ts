/**
 * `vm()`: the fluent builder. Setters only record; `build()` validates everything at once and
 * throws one {@linkcode ConfigError} listing every problem, so nothing is half-built.
 *
 * @module
 */

import type { Features, MachineConfig, VmOptions } from "../engine/config.ts";
import { Machine } from "./machine.ts";
import { validate } from "./validate.ts";

export type { VmOptions } from "../engine/config.ts";

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
  /** Sets the kernel config preset: "debian" or "minimal" (lib/kernels/configs.ts). */
  kconfig(preset: string): this {
    this.#o.kconfig = preset;
    return this;
  }
  /** How modules get loaded: "udev" (at boot, the default) or "manual" (only by `modprobe`). */
  modules(how: string): this {
    this.#o.modules = how;
    return this;
  }
  /** Whether the host offers VMbus (a QEMU host needs `-device vmbus-bridge`). */
  vmbus(on = true): this {
    this.#o.vmbus = on;
    return this;
  }
  /** Sets the kernel command line. */
  cmdline(text: string): this {
    this.#o.cmdline = text;
    return this;
  }
  /** Sets the user's shell as `COMM-PID` (the writer a trace shows; default "bash-1000"). */
  shell(task: string): this {
    this.#o.shell = task;
    return this;
  }
  /** Which CPU's VMbus init work item runs first where they race (6.12); default 0. */
  synicFirst(cpu: number): this {
    this.#o.synicFirst = cpu;

    return this;
  }
  /** Sets the VM's memory, MiB (QEMU `-m`). */
  memory(mib: number): this {
    this.#o.memory = mib;
    return this;
  }
  /** Gives the VM a virtio disk (QEMU `-drive …,if=virtio`; the "qemu" host and the baseline). */
  virtioDisk(on = true): this {
    this.#o.virtioDisk = on;
    return this;
  }
  /** Whether a swap device is active from boot (default yes; without, `swapon` one first). */
  swap(on = true): this {
    this.#o.swap = on;
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
