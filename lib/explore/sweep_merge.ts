/**
 * Merging a sweep's shards (sweep.ts): the tables must be the disjoint, complete slices of one
 * sweep.
 *
 * @module
 */

import { sweepMatrix, type SweepTable } from "./sweep.ts";
import { sweepAxes, sweepSearch } from "./sweep_axes.ts";
import { isPlainObject, readInput, show } from "../util/check.ts";

// A table read from a file: its parts of the right kinds (the merge checks how they fit).
function tableOf(v: unknown, i: number): SweepTable {
  const at = `sweep merge: table ${i + 1}`;
  if (!isPlainObject(v) || v.format !== "hvtick-sweep/1") {
    throw new TypeError(
      `${at} is not a sweep table (format ${
        show(isPlainObject(v) ? v.format : v)
      }; expected "hvtick-sweep/1")`,
    );
  }
  sweepAxes(v.axes as never);
  sweepSearch(v.search as never);
  const shard = v.shard as { index?: unknown; count?: unknown } | null;
  if (!Number.isSafeInteger(v.size) || (v.size as number) < 0) {
    throw new TypeError(`${at}: size ${show(v.size)} is not a count of configurations`);
  }
  if (
    shard !== null &&
    !(isPlainObject(shard) && Number.isInteger(shard.index) && Number.isInteger(shard.count))
  ) {
    throw new TypeError(`${at}: shard ${show(shard)} is not null or { index, count }`);
  }
  if (!Array.isArray(v.rows) || v.rows.some((r) => !isPlainObject(r) || typeof r.id !== "string")) {
    throw new TypeError(`${at}: rows is not a list of rows with their configuration's id`);
  }
  return v as unknown as SweepTable;
}

/**
 * Joins the tables of a sweep's shards into the whole table. They must be of one sweep (the same
 * axes and search), each a different shard of the same count, all of them there.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 * import { sweepMerge } from "./sweep_merge.ts";
 * import assert from "node:assert/strict";
 * const axes = { hosts: ["2019"], kernels: ["5.4", "5.5", "6.1"], arches: ["x86_64"], cpus: [2], hz: [250] };
 * const whole = sweep(axes, { depth: 1 });
 * const parts = [1, 2].map((index) => sweep(axes, { depth: 1 }, { index, count: 2 }));
 * assert.deepEqual(sweepMerge(parts), whole);
 * assert.throws(() => sweepMerge([parts[0]]), /shard 2\/2 is missing/);
 * ```
 * @throws {RangeError} naming what does not fit; {@linkcode TypeError} for what is not a table.
 */
export function sweepMerge(input: readonly SweepTable[]): SweepTable {
  const read = readInput(input, "tables");
  if (!Array.isArray(read)) {
    throw new TypeError(`sweep merge: tables ${show(read)} is not a list of shards' tables`);
  }
  if (read.length === 0) throw new RangeError(`sweep merge: give at least one shard's table`);
  const tables = read.map(tableOf);
  const first = tables[0];
  const same = (t: SweepTable) => JSON.stringify([t.axes, t.search, t.size]);
  const count = first.shard?.count;
  const seen = new Map<number, number>();
  tables.forEach((t, i) => {
    if (same(t) !== same(first)) {
      throw new RangeError(
        `sweep merge: table ${i + 1} is of another sweep than table 1 (axes, search or matrix ` +
          `size differ): ${same(t)} vs ${same(first)}`,
      );
    }
    if (t.shard === null || t.shard.count !== count) {
      throw new RangeError(
        `sweep merge: table ${i + 1} is ${
          t.shard ? `shard ${t.shard.index}/${t.shard.count}` : "a whole sweep"
        }, table 1 ${first.shard ? `shard ${first.shard.index}/${count}` : "a whole sweep"}: ` +
          `merge the shards of one split`,
      );
    }
    const before = seen.get(t.shard.index);
    if (before !== undefined) {
      throw new RangeError(
        `sweep merge: tables ${before + 1} and ${i + 1} are both shard ${t.shard.index}/${count}`,
      );
    }
    seen.set(t.shard.index, i);
  });
  for (let index = 1; index <= count!; index++) {
    if (!seen.has(index)) throw new RangeError(`sweep merge: shard ${index}/${count} is missing`);
  }
  const rows = tables.flatMap((t) => t.rows).sort((x, y) => x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  const expected = sweepMatrix(first.axes).map((e) => e.id);
  if (rows.length !== expected.length || rows.some((r, i) => r.id !== expected[i])) {
    throw new RangeError(
      `sweep merge: the shards' rows are not the matrix's ${expected.length} configurations ` +
        `(${rows.length} rows): a shard's table was cut or edited`,
    );
  }
  return { ...first, shard: null, rows };
}
