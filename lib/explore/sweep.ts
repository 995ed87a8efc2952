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

import { vm, type VmOptions } from "../api/builder.ts";
import { ConfigError } from "../util/errors.ts";
import { explore } from "./search.ts";
import { check, nullable, object, readInput, show } from "../util/check.ts";
import { type SweepAxes, sweepAxes, type SweepSearch, sweepSearch } from "./sweep_axes.ts";

export {
  SWEEP_AXES,
  type SweepAxes,
  sweepAxes,
  type SweepSearch,
  sweepSearch,
} from "./sweep_axes.ts";

// The shard's kinds (its values are checked in sweepPlan).
const given = <T>() => check<T>("(checked below)", (v) => v as T);
const SHARD_INPUT = nullable(object<{ index: number; count: number }>({
  index: given<number>(),
  count: given<number>(),
}, "a shard { index, count }"));

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
