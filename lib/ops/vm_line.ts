/**
 * The `vm` line (`vm --hyperv 2019 --cpus 4 …`): its flags as one table, each with its grammar,
 * how it sets the builder's options and how a configuration writes it back. The REPL's `vm`
 * command, scripts, counterexample replays and `compare --a KEY=VALUE` all use it.
 *
 * @module
 */

import type { VmOptions } from "../engine/config.ts";
import type { MachineConfig } from "../engine/config.ts";
import { ARCHES, HZ_VALUES } from "../engine/config.ts";
import { HYPERV_IDS } from "../platform/hyperv/hosts.ts";
import { KERNEL_IDS } from "../kernels/lines.ts";
import { CONFIG_IDS } from "../kernels/configs.ts";
import { PRESET_IDS } from "../kernels/presets.ts";
import type { Grammar, OptionSpec } from "./grammar.ts";
import { shellWord } from "./lexer.ts";

/** One flag of the `vm` line. */
interface VmFlag {
  /** Its grammar. */
  readonly option: OptionSpec;
  /** The `compare --a KEY=VALUE` key that changes it, if any. */
  readonly field?: string;
  /** Sets the builder option from the flag's value (a string, true, or a list). */
  set(o: VmOptions, value: unknown, label: string): void;
  /** Its words on the `vm` line that boots `config` (built from `options`). */
  write(config: MachineConfig, options: VmOptions): string[];
}

/** A whole number given to `label`. @throws {RangeError} */
function wholeNumber(label: string, value: unknown): number {
  const text = String(value);
  if (!/^\d+$/.test(text)) {
    throw new RangeError(`--${label} ${JSON.stringify(text)}: expected a whole number`);
  }
  return Number(text);
}

/** A flag whose value is passed on as the option's string. */
function text(
  key: "hyperv" | "arch" | "kernel" | "kconfig",
  value: string,
  help: string,
  complete: readonly string[],
): VmFlag {
  return {
    option: { type: "string", value, help, complete },
    field: key,
    set: (o, v) => {
      o[key] = String(v);
    },
    write: (c) => [`--${key} ${c[key]}`],
  };
}

/** A flag whose value is a whole number. */
function whole(
  key: "generation" | "cpus" | "hz",
  value: string,
  help: string,
  complete?: readonly string[],
): VmFlag {
  return {
    option: { type: "string", value, help, ...(complete ? { complete } : {}) },
    field: key,
    set: (o, v, label) => {
      o[key] = wholeNumber(label, v);
    },
    write: (c) => [`--${key} ${c[key]}`],
  };
}

/** A boolean flag. */
function bool(
  key: "cpu0Hotplug" | "hotplugStateControl" | "traceTicks",
  flag: string,
  help: string,
  written: boolean,
): VmFlag {
  return {
    option: { type: "boolean", help },
    set: (o, v) => {
      if (v) o[key] = true;
    },
    write: (c) => written && c[key] ? [`--${flag}`] : [],
  };
}

/** A feature override: `NAME=on|off`. */
function feature(o: VmOptions, item: string, label: string): void {
  const m = /^([A-Za-z]+)=(on|off|true|false|1|0)$/.exec(item);
  if (!m) {
    throw new RangeError(
      `--${label} ${
        JSON.stringify(item)
      }: expected NAME=on or NAME=off (e.g. stimerDirectMode=off)`,
    );
  }
  o.features = { ...o.features, [m[1]]: ["on", "true", "1"].includes(m[2]) };
}

/** CPU numbers separated by commas, or "" for none. */
function channels(o: VmOptions, value: unknown, label: string): void {
  const list = String(value);
  if (!/^(\d+(,\d+)*)?$/.test(list)) {
    throw new RangeError(
      `--${label} ${JSON.stringify(list)}: expected CPU numbers separated by commas, or ""`,
    );
  }
  o.vmbusChannels = list === "" ? [] : list.split(",").map(Number);
}

/** Every flag of the `vm` line, in the order help lists and a `vm` line writes them. */
const VM_FLAGS: Readonly<Record<string, VmFlag>> = {
  // A preset only gives defaults; the line a machine writes back names every field itself.
  preset: {
    option: {
      type: "string",
      value: "NAME",
      help: "a distribution's kernel, config and host (see the presets below); flags win",
      complete: PRESET_IDS,
    },
    set: (o, v) => {
      o.preset = String(v);
    },
    write: () => [],
  },
  hyperv: text("hyperv", "VERSION", "Hyper-V host", HYPERV_IDS),
  arch: text("arch", "ARCH", "guest architecture", ARCHES),
  kernel: text("kernel", "LINE", "kernel line", KERNEL_IDS),
  kconfig: text(
    "kconfig",
    "PRESET",
    "kernel config (default: debian where a Debian kernel exists, else minimal)",
    CONFIG_IDS,
  ),
  modules: {
    option: {
      type: "string",
      value: "HOW",
      help: "module loading: udev (at boot, default) or manual (modprobe)",
      complete: ["udev", "manual"],
    },
    field: "modules",
    set: (o, v) => {
      o.modules = String(v);
    },
    write: (c) => c.modules === "udev" ? [] : [`--modules ${c.modules}`],
  },
  vmbus: {
    option: { type: "boolean", help: "the host offers VMbus (a qemu host's -device vmbus-bridge)" },
    set: (o, v) => {
      if (v) o.vmbus = true;
    },
    write: (c) => c.vmbus && c.platform.vmbus === "device" ? ["--vmbus"] : [],
  },
  generation: whole("generation", "1|2", "VM generation", ["1", "2"]),
  cpus: whole("cpus", "N", "number of vCPUs"),
  hz: whole("hz", "HZ", "CONFIG_HZ", HZ_VALUES.map(String)),
  feature: {
    option: {
      type: "string",
      multiple: true,
      value: "NAME=on|off",
      help: "override a host or guest CPU feature",
    },
    set: (o, v, label) => (v as string[]).forEach((item) => feature(o, item, label)),
    // Overrides as the user gave them, so the line reads like one a person would type.
    write: (_c, options) =>
      Object.entries(options.features ?? {}).map(([n, on]) =>
        `--feature ${n}=${on ? "on" : "off"}`
      ),
  },
  channels: {
    option: {
      type: "string",
      value: "CPUS",
      help: "CPUs with a VMbus channel, e.g. 0,2 (default 0)",
    },
    field: "channels",
    set: (o, v, label) => channels(o, v, label),
    write: (c) => [`--channels ${c.vmbusChannels.length ? c.vmbusChannels.join(",") : '""'}`],
  },
  isolation: {
    option: {
      type: "string",
      value: "TYPE",
      help: "none (default) or tdx: an Intel TDX confidential VM without a paravisor (6.6+)",
      complete: ["none", "tdx"],
    },
    field: "isolation",
    set: (o, v) => {
      o.isolation = String(v);
    },
    write: (c) => c.isolation ? [`--isolation ${c.isolation}`] : [],
  },
  "cpu0-hotplug": bool("cpu0Hotplug", "cpu0-hotplug", "boot with cpu0_hotplug (x86)", true),
  "state-control": bool(
    "hotplugStateControl",
    "state-control",
    "CONFIG_CPU_HOTPLUG_STATE_CONTROL=y",
    true,
  ),
  cmdline: {
    option: {
      type: "string",
      value: "TEXT",
      help: "kernel command line (ftrace=, ftrace_filter=, trace_event= are modelled)",
    },
    field: "cmdline",
    set: (o, v) => {
      o.cmdline = String(v);
    },
    write: (c) => c.cmdline === "" ? [] : [`--cmdline ${shellWord(c.cmdline)}`],
  },
  shell: {
    option: {
      type: "string",
      value: "COMM-PID",
      help: "the shell that writes files, as a trace names it (default bash-1000)",
    },
    field: "shell",
    set: (o, v) => {
      o.shell = String(v);
    },
    write: (c) => {
      const t = `${c.shell.comm}-${c.shell.pid}`;
      return t === "bash-1000" ? [] : [`--shell ${shellWord(t)}`];
    },
  },
  "synic-first": {
    option: {
      type: "string",
      value: "CPU",
      help: "the CPU whose VMbus init work item runs first (6.12; default 0)",
    },
    field: "synicFirst",
    set: (o, v, label) => {
      o.synicFirst = wholeNumber(label, v);
    },
    write: (c) => c.synicFirst === 0 ? [] : [`--synic-first ${c.synicFirst}`],
  },
  "trace-ticks": bool("traceTicks", "trace-ticks", "record every tick in the trace", false),
  memory: {
    option: { type: "string", value: "MIB", help: "the VM's memory, MiB (QEMU -m; default 1024)" },
    field: "memory",
    set: (o, v, label) => {
      o.memory = wholeNumber(label, v);
    },
    write: (c) => c.memoryMiB === 1024 ? [] : [`--memory ${c.memoryMiB}`],
  },
  "virtio-disk": {
    option: { type: "boolean", help: "a virtio disk, /dev/vda (a qemu host's -drive if=virtio)" },
    set: (o, v) => {
      if (v) o.virtioDisk = true;
    },
    write: (c) => c.virtioDisk ? ["--virtio-disk"] : [],
  },
  "no-swap": {
    option: { type: "boolean", help: "no swap device at boot (hibernation needs swapon first)" },
    set: (o, v) => {
      if (v) o.swap = false;
    },
    write: (c) => c.swap ? [] : ["--no-swap"],
  },
  "trace-buffer": {
    option: { type: "string", value: "N", help: "trace buffer size, events" },
    set: (o, v, label) => {
      o.traceBuffer = wholeNumber(label, v);
    },
    write: () => [],
  },
};

/** The `vm` line's grammar: its flags. */
export const VM_GRAMMAR: Grammar = {
  options: Object.fromEntries(Object.entries(VM_FLAGS).map(([flag, f]) => [flag, f.option])),
};

/**
 * The builder options a `vm` line's flag values give.
 *
 * @example
 * ```ts
 * import { vmOptions } from "./vm_line.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(vmOptions({ kernel: "5.4", cpus: "2", channels: "0,1" }), {
 *   kernel: "5.4",
 *   cpus: 2,
 *   vmbusChannels: [0, 1],
 * });
 * ```
 * @throws {RangeError} for a value that is not of the flag's form.
 */
export function vmOptions(values: Readonly<Record<string, unknown>>): VmOptions {
  const o: VmOptions = {};
  for (const [flag, f] of Object.entries(VM_FLAGS)) {
    if (values[flag] !== undefined) f.set(o, values[flag], flag);
  }
  return o;
}

/**
 * The `vm` line that boots `config`: the fields that define the machine, with feature overrides
 * as the user gave them (`options.features`).
 *
 * @example
 * ```ts
 * import { vmLine } from "./vm_line.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const options = { kernel: "5.4", cpus: 2 };
 * assert.equal(
 *   vmLine(vm(options).config(), options),
 *   "vm --hyperv 2019 --arch x86_64 --kernel 5.4 --kconfig minimal --generation 2 --cpus 2 --hz 250 --channels 0",
 * );
 * ```
 */
export function vmLine(config: MachineConfig, options: VmOptions): string {
  return ["vm", ...Object.values(VM_FLAGS).flatMap((f) => f.write(config, options))].join(" ");
}

const FIELDS = Object.values(VM_FLAGS).flatMap((f) => (f.field ? [f.field] : []));

/**
 * `compare --a kernel=5.4,hyperv=2016`: `base` with those fields changed (`channels` lists CPUs
 * with `:` between them); a key that is not a field is a feature (`NAME=on|off`).
 *
 * @example
 * ```ts
 * import { withFields } from "./vm_line.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(withFields({ cpus: 4 }, "kernel=5.4,channels=0:2,arat=on", "a"), {
 *   cpus: 4,
 *   kernel: "5.4",
 *   vmbusChannels: [0, 2],
 *   features: { arat: true },
 * });
 * ```
 * @throws {RangeError} naming the flag, the item and what is valid.
 */
export function withFields(base: VmOptions, spec: unknown, flag: string): VmOptions {
  const o: VmOptions = structuredClone(base);
  if (spec === undefined) return o;
  for (const item of String(spec).split(",")) {
    const m = /^([A-Za-z0-9]+)=(.*)$/.exec(item);
    if (!m) {
      throw new RangeError(
        `--${flag} ${JSON.stringify(item)}: expected KEY=VALUE (e.g. kernel=5.4, hyperv=2016)`,
      );
    }
    const [, key, value] = m;
    const f = Object.values(VM_FLAGS).find((x) => x.field === key);
    if (f) f.set(o, key === "channels" ? value.replaceAll(":", ",") : value, `${flag} ${key}`);
    else if (/^(on|off)$/.test(value)) feature(o, item, flag);
    else {
      throw new RangeError(
        `--${flag} ${JSON.stringify(item)}: ${key} is not ${
          FIELDS.join(", ")
        } or a feature set to on/off`,
      );
    }
  }
  return o;
}
