/**
 * `vm()`: the fluent builder. Setters only record; `build()` validates everything at once and
 * throws one {@linkcode ConfigError} listing every problem, so nothing is half-built. What is not
 * an option at all (an unknown key, a string for a number) is refused at once with a `TypeError`,
 * the builder left as it was.
 *
 * @module
 */

import type { Arch, Features, MachineConfig, VmOptions } from "../engine/config.ts";
import type { ConfigId, HypervId, KernelId, PresetId, Suggested } from "../engine/ids.ts";
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
   * Starts from a preset: a distribution's kernel, config and host. Options set beside it win,
   * before or after this call.
   * @param id A preset of `VM_PRESETS` (`"debian-12"`, `"ubuntu-24.04-azure"`…). Default: none.
   */
  preset(id: Suggested<PresetId>): this {
    return this.#set("preset", id);
  }
  /**
   * Sets the Hyper-V host.
   * @param version A host of `HYPERV_IDS` ("2008R2" … "2025", "qemu" for QEMU with hv-* flags) or
   * "none" (the plain x86 baseline with LAPIC + HPET). Default: `"2019"`.
   */
  hyperv(version: Suggested<HypervId>): this {
    return this.#set("hyperv", version);
  }
  /**
   * Sets the guest architecture.
   * @param arch `"x86_64"` or `"arm64"` (`ARCHES`). Default: `"x86_64"`.
   */
  arch(arch: Suggested<Arch>): this {
    return this.#set("arch", arch);
  }
  /**
   * Sets the kernel line.
   * @param line A line of `KERNEL_IDS` (`"5.4"`, `"6.12"`…), each one exact release. Default: `"5.5"`.
   */
  kernel(line: Suggested<KernelId>): this {
    return this.#set("kernel", line);
  }
  /**
   * Sets the VM generation.
   * @param generation 1 or 2 (arm64 VMs are Generation 2). Default: `2`.
   */
  generation(generation: number): this {
    return this.#set("generation", generation);
  }
  /**
   * Sets the vCPU count.
   * @param count 1 to the host's limit of virtual processors per VM. Default: `4`.
   */
  cpus(count: number): this {
    return this.#set("cpus", count);
  }
  /**
   * Sets `CONFIG_HZ`.
   * @param hz 100, 250, 300 or 1000 (`HZ_VALUES`). Default: `250`.
   */
  hz(hz: number): this {
    return this.#set("hz", hz);
  }
  /**
   * Overrides features, merged with earlier calls.
   * @param features Host CPUID bits (`stimerDirectMode`…) and guest CPU features (`arat`,
   * `tscDeadline`). Default: none (the host's own, `HOSTS`; a Hyper-V guest sees neither ARAT nor
   * TSC-deadline, QEMU's CPU has ARAT).
   */
  features(features: Partial<Features>): this {
    return this.#set("features", { ...this.#o.features, ...checkOption("features", features) });
  }
  /**
   * Sets the CPUs that have a VMbus channel bound.
   * @param cpus CPU numbers. Default: `[0]` on Hyper-V, none on QEMU or the baseline.
   */
  vmbusChannels(cpus: number[]): this {
    return this.#set("vmbusChannels", cpus);
  }
  /**
   * Boots with `cpu0_hotplug` (x86). Lines from 6.6 on ignore it, as their kernels do: x86 CPU0 is
   * never hotpluggable there (e59e74dc48a3; the line's `x86Cpu0Hotplug`).
   * @param on `true` when omitted. Default (not called): `false`.
   */
  cpu0Hotplug(on = true): this {
    return this.#set("cpu0Hotplug", on);
  }
  /**
   * Builds with `CONFIG_CPU_HOTPLUG_STATE_CONTROL=y` (any named state is a valid target).
   * @param on `true` when omitted. Default (not called): `false`.
   */
  hotplugStateControl(on = true): this {
    return this.#set("hotplugStateControl", on);
  }
  /**
   * Sets the kernel config.
   * @param preset A config of `CONFIG_IDS`: "debian" (Hyper-V as modules), "ubuntu-azure",
   * "azure-linux", "wsl2", "rig-build" (the kernels built here) or "minimal" (built-in Hyper-V).
   * Default: "debian" where Debian has the line on x86_64, else "minimal".
   */
  kconfig(preset: Suggested<ConfigId>): this {
    return this.#set("kconfig", preset);
  }
  /**
   * How modules get loaded.
   * @param how "udev" (at boot) or "manual" (only by `modprobe`). Default: `"udev"`.
   */
  modules(how: Suggested<"udev" | "manual">): this {
    return this.#set("modules", how);
  }
  /**
   * Whether the host offers VMbus (a QEMU host needs `-device vmbus-bridge`).
   * @param on `true` when omitted. Default (not called): on a Hyper-V host yes; on "qemu" (no
   * vmbus-bridge) and "none", no.
   */
  vmbus(on = true): this {
    return this.#set("vmbus", on);
  }
  /**
   * Sets the kernel command line.
   * @param text The options hvtick models are read (`ftrace=`, `trace_event=`, `quiet`,
   * `loglevel=`…). Default: `""`.
   */
  cmdline(text: string): this {
    return this.#set("cmdline", text);
  }
  /**
   * Sets the user's shell: the writer a trace shows.
   * @param task `COMM-PID`. Default: `"bash-1000"`.
   */
  shell(task: string): this {
    return this.#set("shell", task);
  }
  /**
   * Which CPU's VMbus init work item runs first where they race (6.12).
   * @param cpu A CPU number. Default: `0`.
   */
  synicFirst(cpu: number): this {
    return this.#set("synicFirst", cpu);
  }
  /**
   * Sets the VM's isolation.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm({ kernel: "6.12", hyperv: "2022" }).isolation("tdx").build();
   * assert.equal(m.boundDevice(0), "lapic");
   * ```
   * @param type "none" or "tdx", an Intel TDX confidential VM without a paravisor. Default:
   * `"none"`.
   */
  isolation(type: Suggested<"none" | "tdx">): this {
    return this.#set("isolation", type);
  }
  /**
   * Sets the VM's memory.
   * @param mib MiB (QEMU `-m`). Default: `1024`.
   */
  memory(mib: number): this {
    return this.#set("memory", mib);
  }
  /**
   * Gives the VM a virtio disk (QEMU `-drive …,if=virtio`; the "qemu" host and the baseline).
   * @param on `true` when omitted. Default (not called): `false`.
   */
  virtioDisk(on = true): this {
    return this.#set("virtioDisk", on);
  }
  /**
   * Whether a swap device is active from boot (without one, `swapon` one before hibernating).
   * @param on `true` when omitted. Default (not called): `true`.
   */
  swap(on = true): this {
    return this.#set("swap", on);
  }
  /**
   * Records every tick in the trace.
   * @param on `true` when omitted. Default (not called): `false`.
   */
  traceTicks(on = true): this {
    return this.#set("traceTicks", on);
  }
  /**
   * Sets the trace buffer's capacity.
   * @param events Events. Default: `32768`.
   */
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
