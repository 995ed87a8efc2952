/**
 * Checking what describes a machine when it comes from outside: builder options (`vm(options)`,
 * the setters, `powerOn(options)`) by kind at once, their values left to `build()`; and a machine
 * configuration (`new Machine(config)`, a snapshot's, a recording's): its shape, then that it is
 * exactly what `vm()` builds from its own options, so that it passed the same validation.
 *
 * @module
 */

import {
  ARCHES,
  type Features,
  HZ_VALUES,
  type MachineConfig,
  type Platform,
  type VmOptions,
} from "../engine/config.ts";
import {
  arrayOf,
  boolean,
  type Check,
  check,
  type Fields,
  integer,
  invalid,
  isPlainObject,
  nullable,
  object,
  oneOf,
  optional,
  readInput,
  show,
  string,
} from "../util/check.ts";
import { ConfigError } from "../util/errors.ts";
import { CONFIG_IDS, HYPERV_IDS, KERNEL_IDS } from "../engine/ids.ts";
import { didYouMean } from "../util/hint.ts";
import { defaultFeatures, validate } from "./validate.ts";

/** A number, any (NaN and ranges are build()'s to report, with every other problem). */
const number: Check<number> = check("a number", (v, at) => {
  if (typeof v !== "number") invalid(at, v, "a number", "type");
  return v as number;
});

/** An object of plain values, any keys (names and values are build()'s to check). */
function plainRecord<T>(want: string, keys?: readonly string[]): Check<T> {
  return check(want, (v, at) => {
    if (!isPlainObject(v)) invalid(at, v, want, "type");
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (keys && !keys.includes(k)) {
        throw new TypeError(
          `${at}: unknown key ${show(k)}${didYouMean(k, keys)}; valid: ${keys.join(", ")}`,
        );
      }
      if (x !== null && !["string", "number", "boolean", "undefined"].includes(typeof x)) {
        invalid(`${at}.${k}`, x, "a string, number or boolean", "type");
      }
    }
    return v as T;
  });
}

/** Each builder option's kind (its value is checked by build(), with every other problem). */
const OPTION_KINDS: { readonly [K in keyof VmOptions]-?: Check<NonNullable<VmOptions[K]>> } = {
  hyperv: string(),
  arch: string(),
  kernel: string(),
  generation: number,
  cpus: number,
  hz: number,
  features: plainRecord("an object of features (names and true or false)"),
  vmbusChannels: arrayOf(number),
  cpu0Hotplug: boolean,
  hotplugStateControl: boolean,
  traceTicks: boolean,
  traceBuffer: number,
  kconfig: string(),
  modules: string(),
  vmbus: boolean,
  vmbusMmio: boolean,
  cmdline: string(),
  memory: number,
  totalram: number,
  virtioDisk: boolean,
  swap: boolean,
  shell: string(),
  synicFirst: number,
  isolation: string(),
  timing: plainRecord("an object of timings ({ boot?, callback? }, durations)", [
    "boot",
    "callback",
  ]),
  preset: string(),
};

/** The builder options, each optional. */
const VM_OPTIONS: Check<VmOptions> = object<VmOptions>(
  Object.fromEntries(
    Object.entries(OPTION_KINDS).map(([k, c]) => [k, optional(c as Check<unknown>)]),
  ) as Fields<VmOptions>,
  "an object of VM options",
);

/**
 * Builder options from outside, checked at `at` by kind (an unknown key, or a string for a
 * number, is refused here; values are `build()`'s to check, every problem at once): a copy.
 *
 * @example
 * ```ts
 * import { checkOptions } from "./config_check.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkOptions({ cpus: 2 }, "options"), { cpus: 2 });
 * assert.throws(() => checkOptions({ hyperV: "2016" }, "options"), /unknown key "hyperV" \(did you mean "hyperv"\?\)/);
 * assert.throws(() => checkOptions({ cpus: "4" }, "options"), /options.cpus: "4" is not a number/);
 * ```
 * @throws {TypeError} for what is not an object of options of their kinds.
 */
export function checkOptions(value: unknown, at: string): VmOptions {
  return VM_OPTIONS(readInput(value, at), at);
}

/**
 * One builder option from a setter, checked by kind (a copy).
 *
 * @example
 * ```ts
 * import { checkOption } from "./config_check.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkOption("vmbusChannels", [0, 1]), [0, 1]);
 * assert.throws(() => checkOption("vmbusChannels", 0), /vmbusChannels: 0 is not an array/);
 * ```
 * @throws {TypeError} for a value not of the option's kind.
 */
export function checkOption<K extends keyof VmOptions>(
  key: K,
  value: unknown,
): NonNullable<VmOptions[K]> {
  return (OPTION_KINDS[key] as Check<NonNullable<VmOptions[K]>>)(readInput(value, key), key);
}

const FEATURES: Fields<Features> = {
  referenceCounter: boolean,
  synic: boolean,
  syntheticTimers: boolean,
  referenceTscPage: boolean,
  frequencyMsrs: boolean,
  invariantTsc: boolean,
  stimerDirectMode: boolean,
  arat: boolean,
  tscDeadline: boolean,
};

const PLATFORM: Fields<Platform> = {
  hpet: boolean,
  apicHz: integer(),
  cpu: nullable(string()),
  vmbus: oneOf(["always", "device"] as const),
  vmbusMmio: boolean,
  vmbusVersion: nullable(string()),
  framebuffer: boolean,
  tscSynchronized: boolean,
  cpuidExtra: nullable(
    object<{ readonly high: number; readonly hints: number }>({
      high: integer(0, 2 ** 32 - 1),
      hints: integer(0, 2 ** 32 - 1),
    }),
  ),
  sleepStates: arrayOf(oneOf([3, 4] as const)),
  source: string(),
};

/** The shape of a configuration (types and plain ranges; what combines is validate()'s). */
const SHAPE: Check<MachineConfig> = object<MachineConfig>({
  hyperv: oneOf(HYPERV_IDS, "a Hyper-V host"),
  arch: oneOf(ARCHES, "an architecture"),
  kernel: oneOf(KERNEL_IDS, "a kernel line"),
  generation: oneOf([1, 2] as const, "a VM generation"),
  cpus: integer(1),
  hz: oneOf(HZ_VALUES, "a CONFIG_HZ"),
  features: object(FEATURES, "the features"),
  vmbusChannels: arrayOf(integer()),
  cpu0Hotplug: boolean,
  hotplugStateControl: boolean,
  traceTicks: boolean,
  traceBuffer: integer(),
  kconfig: oneOf(CONFIG_IDS, "a kernel config"),
  modules: oneOf(["udev", "manual"] as const),
  vmbus: boolean,
  vmbusMmio: boolean,
  cmdline: string(),
  shell: object<MachineConfig["shell"]>({ comm: string(), pid: integer() }, "a task"),
  synicFirst: integer(),
  isolation: optional(oneOf(["tdx"] as const)),
  memoryMiB: integer(),
  totalramPages: optional(integer()),
  virtioDisk: boolean,
  swap: boolean,
  platform: object(PLATFORM, "the host's platform"),
  timing: object<MachineConfig["timing"]>({ bootNs: integer(), callbackNs: integer() }),
}, "a machine configuration");

/**
 * The builder options that give `config` (features as overrides of the host's defaults): the
 * inverse of `validate()`.
 *
 * @example
 * ```ts
 * import { optionsOf } from "./config_check.ts";
 * import { validate } from "./validate.ts";
 * import assert from "node:assert/strict";
 * const config = validate({ kernel: "5.4", cpus: 2, features: { stimerDirectMode: false } });
 * assert.deepEqual(optionsOf(config).features, { stimerDirectMode: false });
 * assert.deepEqual(validate(optionsOf(config)), config);
 * ```
 */
export function optionsOf(config: MachineConfig): VmOptions {
  const defaults = defaultFeatures(config.hyperv);
  const features: Partial<Record<keyof Features, boolean>> = {};
  for (const [name, on] of Object.entries(config.features) as [keyof Features, boolean][]) {
    if (defaults[name] !== on) features[name] = on;
  }
  return {
    hyperv: config.hyperv,
    arch: config.arch,
    kernel: config.kernel,
    generation: config.generation,
    cpus: config.cpus,
    hz: config.hz,
    features,
    vmbusChannels: [...config.vmbusChannels],
    cpu0Hotplug: config.cpu0Hotplug,
    hotplugStateControl: config.hotplugStateControl,
    traceTicks: config.traceTicks,
    traceBuffer: config.traceBuffer,
    kconfig: config.kconfig,
    modules: config.modules,
    vmbus: config.vmbus,
    vmbusMmio: config.vmbusMmio,
    cmdline: config.cmdline,
    memory: config.memoryMiB,
    ...(config.totalramPages !== undefined ? { totalram: config.totalramPages } : {}),
    virtioDisk: config.virtioDisk,
    swap: config.swap,
    shell: `${config.shell.comm}-${config.shell.pid}`,
    synicFirst: config.synicFirst,
    ...(config.isolation ? { isolation: config.isolation } : {}),
    timing: { boot: config.timing.bootNs, callback: config.timing.callbackNs },
  };
}

/** The first place where plain data `a` and `b` differ, or null. */
function difference(
  a: unknown,
  b: unknown,
  at: string,
): { at: string; a: unknown; b: unknown } | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return { at, a, b };
  }
  if (Array.isArray(a) !== Array.isArray(b)) return { at, a, b };
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const where = Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`;
    const d = difference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      where,
    );
    if (d) return d;
  }
  return null;
}

/**
 * Whether two configurations (of the right shape) are equal, field by field.
 *
 * @example
 * ```ts
 * import { sameConfig } from "./config_check.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sameConfig(vm({ cpus: 2 }).config(), vm({ cpus: 2 }).config()), true);
 * assert.equal(sameConfig(vm({ cpus: 2 }).config(), vm({ cpus: 3 }).config()), false);
 * ```
 */
export function sameConfig(a: MachineConfig, b: MachineConfig): boolean {
  return difference(a, b, "config") === null;
}

/**
 * A configuration from outside, checked at `at`: of the right shape, and what `vm()` builds from
 * its own options (the same validation, every field as it would set it).
 *
 * @example
 * ```ts
 * import { checkConfig } from "./config_check.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const config = vm({ cpus: 2 }).config();
 * assert.equal(checkConfig(config, "config"), config);
 * assert.throws(() => checkConfig({ ...config, hz: 200 }, "config"), /config.hz: 200 is not a CONFIG_HZ/);
 * assert.throws(
 *   () => checkConfig({ ...config, vmbusChannels: [5] }, "config"),
 *   /config.vmbusChannels: \[5\] is not valid/,
 * );
 * ```
 * @throws {TypeError} for a value of the wrong shape; {@linkcode RangeError} for one `vm()`
 * would not build, naming the field, its value and what is valid.
 */
export function checkConfig(value: unknown, at: string): MachineConfig {
  const config = SHAPE(value, at);
  let built: MachineConfig;
  try {
    built = validate(optionsOf(config));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new RangeError(
      `${at} is not a configuration vm() builds: ${e.problems.map((p) => `${at}.${p}`).join("; ")}`,
    );
  }
  const d = difference(config, built, at);
  if (d) {
    throw new RangeError(
      `${d.at}: ${show(d.a)} is not what vm() builds for this configuration (it gives ${
        show(d.b)
      })`,
    );
  }
  return config;
}

/**
 * {@linkcode checkConfig} as a {@linkcode Check}.
 *
 * @example
 * ```ts
 * import { CONFIG } from "./config_check.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => CONFIG(null, "rec.config"), /rec.config: null is not a machine configuration/);
 * ```
 */
export const CONFIG: Check<MachineConfig> = check("a configuration vm() builds", checkConfig);
