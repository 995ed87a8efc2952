/**
 * A sweep's axes and search (sweep.ts): what each axis may hold, from the data tables, and the
 * defaults; every value checked with what is valid.
 *
 * @module
 */

import { ARCHES, HZ_VALUES } from "../engine/config.ts";
import { HYPERV_IDS } from "../platform/hyperv/hosts.ts";
import { KERNEL_IDS } from "../kernels/lines.ts";
import { CONFIG_IDS } from "../kernels/configs.ts";
import { OPERATION_KINDS, type OperationKind } from "../ops/moves.ts";
import { didYouMean } from "../util/hint.ts";
import { arrayOf, check, object, optional, readInput, show } from "../util/check.ts";

/** The axes of a sweep's matrix, each a list of values (absent: the default). */
export interface SweepAxes {
  /** Hyper-V hosts (default every one, with "qemu" and "none"). */
  readonly hosts?: readonly string[];
  /** Kernel lines (default every one). */
  readonly kernels?: readonly string[];
  /** Architectures (default x86_64 and arm64). */
  readonly arches?: readonly string[];
  /** Kernel config presets (default: the kernel line's own, "default"). */
  readonly kconfigs?: readonly string[];
  /** vCPU counts (default 2 and 4). */
  readonly cpus?: readonly number[];
  /** CONFIG_HZ values (default every one the model knows). */
  readonly hz?: readonly number[];
}

/** What each configuration's search does. */
export interface SweepSearch {
  /** Depth (default 6). */
  readonly depth?: number;
  /** Operation kinds (default online, offline, advance). */
  readonly ops?: readonly OperationKind[];
  /** State budget per configuration (default 1,000,000). */
  readonly maxStates?: number;
}

// Each value is checked by sweepAxes / sweepSearch, with its own message; here, the object, its
// keys, and that each axis is a list.
const given = <T>() => check<T>("(checked below)", (v) => v as T);
const AXES_INPUT = object<SweepAxes>({
  hosts: optional(arrayOf(given<string>())),
  kernels: optional(arrayOf(given<string>())),
  arches: optional(arrayOf(given<string>())),
  kconfigs: optional(arrayOf(given<string>())),
  cpus: optional(arrayOf(given<number>())),
  hz: optional(arrayOf(given<number>())),
}, "sweep axes");
const SEARCH_INPUT = object<SweepSearch>({
  depth: optional(given<number>()),
  ops: optional(arrayOf(given<OperationKind>())),
  maxStates: optional(given<number>()),
}, "a sweep's search");
const AXES: {
  readonly [K in keyof SweepAxes]-?: {
    readonly valid: readonly (string | number)[];
    readonly def: readonly (string | number)[];
  };
} = {
  hosts: { valid: HYPERV_IDS, def: HYPERV_IDS },
  kernels: { valid: KERNEL_IDS, def: KERNEL_IDS },
  arches: { valid: ARCHES, def: ARCHES },
  kconfigs: { valid: ["default", ...CONFIG_IDS], def: ["default"] },
  cpus: { valid: [], def: [2, 4] },
  hz: { valid: HZ_VALUES, def: HZ_VALUES },
};

/** The axis names, as `SweepAxes` keys (and `deno task sweep` flags). */
export const SWEEP_AXES = Object.keys(AXES) as (keyof SweepAxes)[];

/**
 * The axes with defaults filled in, each value checked.
 *
 * @example
 * ```ts
 * import { sweepAxes } from "./sweep_axes.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(sweepAxes({ hz: [100] }).cpus, [2, 4]);
 * assert.throws(() => sweepAxes({ arches: ["x86"] }), /Invalid arches value "x86"/);
 * ```
 * @throws {RangeError|TypeError} naming the axis, the value and what is valid.
 */
export function sweepAxes(input: SweepAxes = {}): Required<SweepAxes> {
  const axes = AXES_INPUT(readInput(input, "axes"), "axes");
  const out: Record<string, readonly (string | number)[]> = {};
  for (const key of Object.keys(axes)) {
    if (!(key in AXES)) {
      throw new RangeError(
        `Invalid sweep axis ${show(key)}${didYouMean(key, SWEEP_AXES)}; valid: ${
          SWEEP_AXES.join(", ")
        }`,
      );
    }
  }
  for (const key of SWEEP_AXES) {
    const axis = AXES[key];
    const given = axes[key] as readonly (string | number)[] | undefined;
    if (given === undefined) {
      out[key] = axis.def;
      continue;
    }
    if (given.length === 0) {
      throw new RangeError(`Invalid ${key} []: expected a non-empty list`);
    }
    for (const v of given) {
      const numeric = key === "cpus" || key === "hz";
      if (numeric ? typeof v !== "number" : typeof v !== "string") {
        throw new TypeError(
          `Invalid ${key} value ${show(v)}: expected ${numeric ? "a number" : "a string"}; ` +
            `valid: ${key === "cpus" ? "1 to 4096" : axis.valid.join(", ")}`,
        );
      }
      if (key === "cpus") {
        if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 4096) {
          throw new RangeError(`Invalid cpus ${show(v)}: expected whole numbers 1 to 4096`);
        }
      } else if (!axis.valid.includes(v)) {
        throw new RangeError(
          `Invalid ${key} value ${show(v)}${didYouMean(`${v}`, axis.valid.map(String))}; ` +
            `valid: ${axis.valid.join(", ")}`,
        );
      }
    }
    out[key] = [...new Set(given)];
  }
  return out as unknown as Required<SweepAxes>;
}

/**
 * The search of each configuration, with defaults.
 *
 * @example
 * ```ts
 * import { sweepSearch } from "./sweep_axes.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sweepSearch({}).depth, 6);
 * assert.throws(() => sweepSearch({ depth: 65 }), /Invalid depth 65/);
 * ```
 * @throws {RangeError} naming the bad value.
 */
export function sweepSearch(input: SweepSearch = {}): Required<SweepSearch> {
  const search = SEARCH_INPUT(readInput(input, "search"), "search");
  const depth = search.depth ?? 6;
  if (!Number.isInteger(depth) || depth < 0 || depth > 64) {
    throw new RangeError(`Invalid depth ${show(depth)}: expected an integer 0 to 64`);
  }
  const ops = [...(search.ops ?? ["online", "offline", "advance"])];
  for (const op of ops) {
    if (typeof op !== "string") {
      throw new TypeError(
        `Invalid operation ${show(op)} in search.ops: expected one of ${
          OPERATION_KINDS.join(", ")
        }`,
      );
    }
    if (!(OPERATION_KINDS as readonly string[]).includes(op)) {
      throw new RangeError(
        `Invalid operation ${show(op)}${didYouMean(op, OPERATION_KINDS)}; valid: ${
          OPERATION_KINDS.join(", ")
        }`,
      );
    }
  }
  if (ops.length === 0) throw new RangeError(`Invalid ops []: name at least one operation kind`);
  const maxStates = search.maxStates ?? 1_000_000;
  if (!Number.isSafeInteger(maxStates) || maxStates < 1) {
    throw new RangeError(`Invalid maxStates ${show(maxStates)}: expected a positive integer`);
  }
  return { depth, ops, maxStates };
}
