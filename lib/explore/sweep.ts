/**
 * Sweeps: `explore` over a matrix of configurations — hosts × kernel lines × architectures ×
 * kernel config presets × vCPU counts × HZ, from the data tables, each axis filterable — with one
 * verdict table as the result. A sweep can be cut into deterministic shards (configuration `i`
 * of the sorted matrix goes to shard `i mod N`), run anywhere, and the shards' tables merged; the
 * merge checks that they are the disjoint, complete slices of one sweep. Pure: running in
 * parallel and writing files is `deno task sweep`'s (tasks/sweep.ts).
 *
 * @module
 */

import { ARCHES, HZ_VALUES } from "../engine/config.ts";
import { HYPERV_IDS } from "../platform/hyperv/hosts.ts";
import { KERNEL_IDS } from "../kernels/lines.ts";
import { CONFIG_IDS } from "../kernels/configs.ts";
import { vm, type VmOptions } from "../api/builder.ts";
import { ConfigError } from "../util/errors.ts";
import { OPERATION_KINDS, type OperationKind } from "../ops/moves.ts";
import { explore } from "./search.ts";
import { didYouMean } from "../util/hint.ts";
import { arrayOf, check, nullable, object, optional, readInput, show } from "../util/check.ts";

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
const SHARD_INPUT = nullable(object<{ index: number; count: number }>({
  index: given<number>(),
  count: given<number>(),
}, "a shard { index, count }"));

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

/** One configuration of the matrix. */
export interface SweepEntry {
  /** Its name: host/kernel/arch/kconfig/Ncpu/hzN (sorted on it). */
  readonly id: string;
  /** The options `vm()` takes (Generation 1 where the host runs no other). */
  readonly options: VmOptions;
}

/** One configuration's verdicts. */
export interface SweepRow {
  /** The configuration's name. */
  readonly id: string;
  /** Its options. */
  readonly options: VmOptions;
  /** Its stimer design, in words. */
  readonly design: string;
  /** States (orbits with symmetry) explored. */
  readonly states: number;
  /** Null when complete, else why the search stopped. */
  readonly stopped: string | null;
  /** Per invariant: "always", "sometimes" or "never". */
  readonly verdicts: Readonly<Record<string, "always" | "sometimes" | "never">>;
  /** Shortest counterexamples, with the `.hvt` script that replays each. */
  readonly counterexamples: readonly {
    readonly invariant: string;
    readonly during: string;
    readonly operations: readonly string[];
    readonly script: string;
  }[];
}

/** A sweep's verdict table (one shard's, or merged: `shard` null). */
export interface SweepTable {
  /** Format tag. */
  readonly format: "hvtick-sweep/1";
  /** The matrix's axes as resolved, and the search. */
  readonly axes: Required<SweepAxes>;
  /** The search made on each configuration. */
  readonly search: Required<SweepSearch>;
  /** How many configurations the whole matrix has. */
  readonly size: number;
  /** The slice this table holds: shard `index` (1-based) of `count`, or null for the whole. */
  readonly shard: { readonly index: number; readonly count: number } | null;
  /** The rows, in matrix order. */
  readonly rows: readonly SweepRow[];
}

const AXES: {
  readonly [K in keyof SweepAxes]-?: {
    readonly flag: string;
    readonly valid: readonly (string | number)[];
    readonly def: readonly (string | number)[];
  };
} = {
  hosts: { flag: "hosts", valid: HYPERV_IDS, def: HYPERV_IDS },
  kernels: { flag: "kernels", valid: KERNEL_IDS, def: KERNEL_IDS },
  arches: { flag: "arches", valid: ARCHES, def: ARCHES },
  kconfigs: { flag: "kconfigs", valid: ["default", ...CONFIG_IDS], def: ["default"] },
  cpus: { flag: "cpus", valid: [], def: [2, 4] },
  hz: { flag: "hz", valid: HZ_VALUES, def: HZ_VALUES },
};

/** The axis names, as `SweepAxes` keys (and `deno task sweep` flags). */
export const SWEEP_AXES = Object.keys(AXES) as (keyof SweepAxes)[];

/**
 * The axes with defaults filled in, each value checked.
 *
 * @example
 * ```ts
 * import { sweepAxes } from "./sweep.ts";
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
      if (typeof v !== (numeric ? "number" : "string")) {
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
 * import { sweepSearch } from "./sweep.ts";
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

/**
 * The configurations of the matrix `axes` spans that `vm()` accepts (Generation 1 where the host
 * runs no other; combinations no VM can have, such as arm64 on the x86 baseline, left out),
 * sorted by id.
 *
 * @example
 * ```ts
 * import { sweepMatrix } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const m = sweepMatrix({ hosts: ["2012", "2019"], kernels: ["5.4"], cpus: [2], hz: [250] });
 * assert.deepEqual(m.map((e) => e.id), [
 *   "2012/5.4/x86_64/default/2cpu/hz250",
 *   "2019/5.4/arm64/default/2cpu/hz250",
 *   "2019/5.4/x86_64/default/2cpu/hz250",
 * ]);
 * assert.equal(m[0].options.generation, 1);
 * ```
 * @throws {RangeError|TypeError} for a bad axis value, as {@linkcode sweepAxes}.
 */
export function sweepMatrix(axes: SweepAxes = {}): SweepEntry[] {
  const a = sweepAxes(axes);
  const out: SweepEntry[] = [];
  for (const hyperv of a.hosts) {
    for (const kernel of a.kernels) {
      for (const arch of a.arches) {
        for (const kconfig of a.kconfigs) {
          for (const cpus of a.cpus) {
            for (const hz of a.hz) {
              const options: VmOptions = {
                hyperv,
                kernel,
                arch,
                cpus,
                hz,
                ...(kconfig === "default" ? {} : { kconfig }),
              };
              const valid = buildable(options) ?? buildable({ ...options, generation: 1 });
              if (valid) {
                out.push({
                  id: `${hyperv}/${kernel}/${arch}/${kconfig}/${cpus}cpu/hz${hz}`,
                  options: valid,
                });
              }
            }
          }
        }
      }
    }
  }
  return out.sort((x, y) => x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
}

function buildable(options: VmOptions): VmOptions | null {
  try {
    vm(options).config();
    return options;
  } catch (e) {
    if (e instanceof ConfigError) return null;
    throw e;
  }
}

/**
 * Parses a shard `I/N` (1 ≤ I ≤ N).
 *
 * @example
 * ```ts
 * import { parseShard } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
 * assert.throws(() => parseShard("3/2"), /Invalid shard "3\/2": expected I\/N with 1 <= I <= N/);
 * ```
 * @throws {RangeError} for anything else.
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = typeof text === "string" ? /^(\d+)\/(\d+)$/.exec(text.trim()) : null;
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || index < 1 || count < 1 || index > count) {
    throw new RangeError(
      `Invalid shard ${show(text)}: expected I/N with 1 <= I <= N (e.g. 2/4: the second of four)`,
    );
  }
  return { index, count };
}

/**
 * The entries of shard `index` of `count` (1-based): those at positions `index - 1`, then every
 * `count`th, of the sorted matrix.
 *
 * @example
 * ```ts
 * import { shardOf } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(shardOf([0, 1, 2, 3, 4], { index: 2, count: 2 }), [1, 3]);
 * ```
 */
export function shardOf<T>(entries: readonly T[], shard: { index: number; count: number }): T[] {
  return entries.filter((_, i) => i % shard.count === shard.index - 1);
}

/**
 * Explores one configuration and writes its row.
 *
 * @example
 * ```ts
 * import { sweepMatrix, sweepRow } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const [entry] = sweepMatrix({ hosts: ["2019"], kernels: ["5.4"], arches: ["x86_64"], cpus: [2], hz: [250] });
 * const row = sweepRow(entry, { depth: 1 });
 * assert.equal(row.verdicts["no-hang"], "sometimes");
 * assert.deepEqual(row.counterexamples.find((c) => c.invariant === "no-hang")!.operations, ["offline 1"]);
 * ```
 */
export function sweepRow(entry: SweepEntry, search: SweepSearch = {}): SweepRow {
  const s = sweepSearch(search);
  const r = explore(entry.options, { depth: s.depth, ops: s.ops, maxStates: s.maxStates });
  return {
    id: entry.id,
    options: entry.options,
    design: r.design,
    states: r.states,
    stopped: r.stopped,
    verdicts: Object.fromEntries(r.invariants.map((i) => [i.name, i.holds])),
    counterexamples: r.violations.map((v) => ({
      invariant: v.invariant,
      during: v.during,
      operations: v.operations,
      script: v.script,
    })),
  };
}

/**
 * A sweep's table, run here one configuration after another (`deno task sweep` runs them in
 * parallel workers): the whole matrix, or with `shard` its slice.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const t = sweep({ hosts: ["2019"], kernels: ["5.4", "5.5"], arches: ["x86_64"], cpus: [2], hz: [250] }, { depth: 2 });
 * assert.equal(t.rows.length, 2);
 * assert.equal(t.rows[0].verdicts["no-hang"], "sometimes");
 * assert.equal(t.rows[1].verdicts["no-hang"], "always");
 * ```
 * @throws {RangeError|TypeError} for bad axes, search or shard.
 */
export function sweep(
  axes: SweepAxes = {},
  search: SweepSearch = {},
  shard: { index: number; count: number } | null = null,
): SweepTable {
  const table = sweepPlan(axes, search, shard);
  return { ...table.table, rows: table.entries.map((e) => sweepRow(e, table.table.search)) };
}

/**
 * What a sweep will run: its table without rows, and the entries of its slice (for a runner
 * that explores them elsewhere, such as workers).
 *
 * @example
 * ```ts
 * import { sweepPlan } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const plan = sweepPlan({ hosts: ["2019"], kernels: ["5.4"] }, {}, { index: 1, count: 2 });
 * assert.equal(plan.entries.length, Math.ceil(plan.table.size / 2));
 * ```
 * @throws {RangeError|TypeError} for bad axes, search or shard.
 */
export function sweepPlan(
  axes: SweepAxes = {},
  search: SweepSearch = {},
  shard: { index: number; count: number } | null = null,
): { table: SweepTable; entries: SweepEntry[] } {
  const a = sweepAxes(axes);
  const s = sweepSearch(search);
  shard = SHARD_INPUT(readInput(shard, "shard"), "shard");
  if (
    shard !== null &&
    !(Number.isInteger(shard.index) && Number.isInteger(shard.count) && shard.index >= 1 &&
      shard.index <= shard.count)
  ) {
    throw new RangeError(
      `Invalid shard ${show(shard)}: expected { index, count } with 1 <= index <= count`,
    );
  }
  const matrix = sweepMatrix(a);
  return {
    table: { format: "hvtick-sweep/1", axes: a, search: s, size: matrix.length, shard, rows: [] },
    entries: shard ? shardOf(matrix, shard) : matrix,
  };
}
