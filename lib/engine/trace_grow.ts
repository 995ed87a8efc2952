/**
 * Growing a packed trace ring's columns (lib/engine/trace_ring.ts): its records moved, oldest
 * first, to the start of larger columns, and the events it keeps as objects re-keyed to their new
 * slots.
 *
 * @module
 */

import type { TraceEvent } from "./trace.ts";
import { type Columns, columns } from "./trace_columns.ts";

/** Grown columns, and the objects kept by their new slots (null when there are none). */
export interface Grown {
  /** The columns: the records from slot 0, oldest first. */
  readonly cols: Columns;
  /** The events kept as objects, by their new slots, or null. */
  readonly loose: Map<number, TraceEvent> | null;
}

/**
 * `old`, holding `count` records from slot `head` on (wrapping round its end), grown to twice its
 * slots (at least 64, at most `max`), with `loose` (objects by slot) re-keyed the same way.
 *
 * @example
 * ```ts
 * import { grownColumns } from "./trace_grow.ts";
 * import { columns } from "./trace_columns.ts";
 * import assert from "node:assert/strict";
 * const old = columns(4);
 * old.cpu.set([3, 0, 1, 2]); // slot 1 is the oldest record, slot 0 (wrapped) the newest
 * const e = { type: "tick_do_timer", time: 5, cpu: 0, from: 0, to: 70000 } as const;
 * const grown = grownColumns(old, 1, 4, 100, new Map([[2, e]]));
 * assert.deepEqual([...grown.cols.cpu.subarray(0, 4)], [0, 1, 2, 3]);
 * assert.equal(grown.cols.cpu.length, 64);
 * assert.deepEqual([...grown.loose!], [[1, e]]);
 * ```
 */
export function grownColumns(
  old: Columns,
  head: number,
  count: number,
  max: number,
  loose: Map<number, TraceEvent> | null,
): Grown {
  const cap = old.dt.length;
  const cols = columns(Math.min(max, Math.max(64, cap * 2)));
  // Oldest first from slot 0: the wrapped tail, then the head.
  const tail = Math.min(count, cap - head);
  for (const key of Object.keys(old) as (keyof Columns)[]) {
    const from = old[key], to = cols[key];
    to.set(from.subarray(head, head + tail) as never);
    to.set(from.subarray(0, count - tail) as never, tail);
  }
  if (!loose) return { cols, loose: null };
  const moved = new Map<number, TraceEvent>();
  for (let i = 0; i < count; i++) {
    const e = loose.get((head + i) % cap);
    if (e) moved.set(i, e);
  }
  return { cols, loose: moved };
}
