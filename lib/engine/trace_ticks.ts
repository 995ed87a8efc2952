/**
 * A batched run's `tick` events into the packed trace ring (lib/time/tick_rounds.ts): the events
 * the ring keeps of a run of rounds, written straight into its columns, with no event object. A
 * traced 2048-vCPU run keeps ~40,000 of them per advance; as objects they cost more than the run's
 * ticks (~50 ns each, and their collection).
 *
 * @module
 */

import { i16, TICK } from "./trace_columns.ts";
import { NONE } from "./trace_names.ts";
import type { TraceRing } from "./trace_ring.ts";

/**
 * Appends the `tick` events `first .. total - 1` of a run of rounds of `n = cpus.length` ticks
 * through `handler`: event `e` is at `time + floor(e / n) * period`, on CPU `cpus[e % n]` through
 * the device named `devices[e % n]`. The ring then holds what {@linkcode TraceRing.push} of each
 * `{ type: "tick", time, cpu, device, handler }` would leave.
 *
 * @example
 * ```ts
 * import { pushTickRounds } from "./trace_ticks.ts";
 * import { TraceRing } from "./trace_ring.ts";
 * import assert from "node:assert/strict";
 * const ring = new TraceRing();
 * pushTickRounds(ring, 5, 10, Int32Array.of(0, 1), ["a", "b"], "h", 1, 4);
 * assert.deepEqual(ring.events(0).map((e) => [e.time, e.cpu]), [[5, 1], [15, 0], [15, 1]]);
 * ```
 */
export function pushTickRounds(
  ring: TraceRing,
  time: number,
  period: number,
  cpus: Int32Array,
  devices: readonly string[],
  handler: string,
  first: number,
  total: number,
): void {
  const n = cpus.length;
  const at = (e: number) => time + Math.floor(e / n) * period;
  const push = (e: number) =>
    ring.push({ type: "tick", time: at(e), cpu: cpus[e % n], device: devices[e % n], handler });
  if (first >= total) return;
  // The first event one by one: in an empty ring it sets the oldest's time.
  push(first);
  let e = first + 1;
  // Each device's name id, as push() interned them.
  const ids = new Uint16Array(n);
  const handlerId = ring.nameId(handler);
  // Safe integer times: the sums of the differences give each back exactly.
  let packs = handlerId !== NONE && (period | 0) === period && Number.isSafeInteger(time) &&
    Number.isSafeInteger(at(total - 1));
  for (let i = 0, name: string | null = null, id = NONE; i < n; i++) {
    if (devices[i] !== name) id = ring.nameId(name = devices[i]);
    ids[i] = id;
    packs &&= id !== NONE && i16(cpus[i]);
  }
  const slot = packs && e < total ? ring.reserve(total - e, at(e), at(total - 1)) : -1;
  if (slot < 0) {
    for (; e < total; e++) push(e);
    return;
  }
  for (let gap = ring.columns.dt[slot]; e < total; gap = period) {
    const from = e % n, to = Math.min(n, from + (total - e));
    writeRound(ring, slot, e - first - 1, ids, handlerId, cpus, from, to, gap);
    e += to - from;
  }
}

// One round's events, CPUs `from .. to - 1`, at `offset` events past slot `start` of the ring's
// columns, the first `gap` after the event before and the others at its time. A call per
// round: V8 optimises a function called this often early in a run of advances, where a loop over
// the whole run (one call an advance) ran its first calls unoptimised, waiting for on-stack
// replacement. The layout is packTick()'s (lib/engine/trace_columns.ts).
function writeRound(
  ring: TraceRing,
  start: number,
  offset: number,
  ids: Uint16Array,
  handler: number,
  cpus: Int32Array,
  from: number,
  to: number,
  gap: number,
): void {
  const { dt, kind, cpu, a, s } = ring.columns;
  const cap = dt.length;
  let slot = start + offset;
  slot -= slot >= cap ? cap : 0;
  for (let i = from; i < to; i++) {
    dt[slot] = i === from ? gap : 0;
    kind[slot] = TICK;
    cpu[slot] = cpus[i];
    a[slot] = handler;
    s[slot] = ids[i];
    // The wrap as a subtraction made every call, as in TraceRing's #next().
    slot = slot + 1 - (slot + 1 >= cap ? cap : 0);
  }
}
