/**
 * `vm()`: the fluent builder. Setters only record; `build()` validates everything at once and
 * throws one {@linkcode ConfigError} listing every problem, so nothing is half-built. What is not
 * an option at all (an unknown key, a string for a number) is refused at once with a `TypeError`,
 * the builder left as it was.
 *
 * @module
 */

import type { Features, MachineConfig, VmOptions } from "../engine/config.ts";
import { Machine } from "./machine.ts";
import { validate } from "./validate.ts";
import { checkOption, checkOptions } from "./config_check.ts";

export type { VmOptions } from "../engine/config.ts";

/**
 * Builds a VM configuration step by step. A setter given a value of the wrong kind throws a
 * `TypeError` and records nothing.
 *
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

  /**
   * Starts from `options` (see {@linkcode VmOptions}).
   * @throws {TypeError} for what is not an object of options of their kinds.
   */
  constructor(options: VmOptions = {}) {
    const o = checkOptions(options, "options");
    this.#o = { ...o, features: { ...o.features } };
  }

  /** Records option `key` (checked by kind; its value is build()'s to check). */
  #set<K extends keyof VmOptions>(key: K, value: unknown): this {
    this.#o[key] = checkOption(key, value);
    return this;
  }

  /**
   * Starts from a preset: a distribution's kernel, config and host (`"debian-12"`,
   * `"ubuntu-24.04-azure"`…; lib/kernels/presets.ts). Options set beside it win.
   */
  preset(id: string): this {
    return this.#set("preset", id);
  }
  /** Sets the Hyper-V host version ("none": plain x86 baseline with LAPIC + HPET). */
  hyperv(version: string): this {
    return this.#set("hyperv", version);
  }
  /** Sets the architecture. */
  arch(arch: string): this {
    return this.#set("arch", arch);
  }
  /** Sets the kernel line. */
  kernel(line: string): this {
    return this.#set("kernel", line);
  }
  /** Sets the VM generation. */
  generation(generation: number): this {
    return this.#set("generation", generation);
  }
  /** Sets the vCPU count. */
  cpus(count: number): this {
    return this.#set("cpus", count);
  }
  /** Sets CONFIG_HZ. */
  hz(hz: number): this {
    return this.#set("hz", hz);
  }
  /** Overrides features (merged with earlier calls). */
  features(features: Partial<Features>): this {
    return this.#set("features", { ...this.#o.features, ...checkOption("features", features) });
  }
  /** Sets the CPUs that have a VMbus channel bound. */
  vmbusChannels(cpus: number[]): this {
    return this.#set("vmbusChannels", cpus);
  }
  /**
   * Boots with `cpu0_hotplug` (x86). Lines from 6.6 on ignore it, as their kernels do: x86 CPU0 is
   * never hotpluggable there (e59e74dc48a3; the line's `x86Cpu0Hotplug`).
   */
  cpu0Hotplug(on = true): this {
    return this.#set("cpu0Hotplug", on);
  }
  /** Builds with `CONFIG_CPU_HOTPLUG_STATE_CONTROL=y` (any named state is a valid target). */
  hotplugStateControl(on = true): this {
    return this.#set("hotplugStateControl", on);
  }
  /** Sets the kernel config preset: "debian", "ubuntu-azure", "azure-linux", "wsl2", "rig-build" or "minimal" (lib/kernels/configs.ts). */
  kconfig(preset: string): this {
    return this.#set("kconfig", preset);
  }
  /** How modules get loaded: "udev" (at boot, the default) or "manual" (only by `modprobe`). */
  modules(how: string): this {
    return this.#set("modules", how);
  }
  /** Whether the host offers VMbus (a QEMU host needs `-device vmbus-bridge`). */
  vmbus(on = true): this {
    return this.#set("vmbus", on);
  }
  /** Sets the kernel command line. */
  cmdline(text: string): this {
    return this.#set("cmdline", text);
  }
  /** Sets the user's shell as `COMM-PID` (the writer a trace shows; default "bash-1000"). */
  shell(task: string): this {
    return this.#set("shell", task);
  }
  /** Which CPU's VMbus init work item runs first where they race (6.12); default 0. */
  synicFirst(cpu: number): this {
    return this.#set("synicFirst", cpu);
  }
  /**
   * The VM's isolation: "none" (default) or "tdx", an Intel TDX confidential VM without a
   * paravisor.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm({ kernel: "6.12", hyperv: "2022" }).isolation("tdx").build();
   * assert.equal(m.boundDevice(0), "lapic");
   * ```
   */
  isolation(type: string): this {
    return this.#set("isolation", type);
  }
  /** Sets the VM's memory, MiB (QEMU `-m`). */
  memory(mib: number): this {
    return this.#set("memory", mib);
  }
  /** Gives the VM a virtio disk (QEMU `-drive …,if=virtio`; the "qemu" host and the baseline). */
  virtioDisk(on = true): this {
    return this.#set("virtioDisk", on);
  }
  /** Whether a swap device is active from boot (default yes; without, `swapon` one first). */
  swap(on = true): this {
    return this.#set("swap", on);
  }
  /** Records every tick in the trace. */
  traceTicks(on = true): this {
    return this.#set("traceTicks", on);
  }
  /** Sets the trace buffer capacity (events). */
  traceBuffer(events: number): this {
    return this.#set("traceBuffer", events);
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
 * assert.throws(() => vm({ hyperV: "2016" } as never), /unknown key "hyperV" \(did you mean "hyperv"\?\)/);
 * ```
 * @throws {TypeError} for what is not an object of options of their kinds (values: `build()`).
 */
export function vm(options: VmOptions = {}): VmBuilder {
  return new VmBuilder(options);
}
