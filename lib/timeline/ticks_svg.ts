/**
 * A lane's ticks: a mark each when there is room, else per-pixel counts in density levels.
 *
 * @module
 */

/**
 * Draws a lane's ticks into `out`: a mark each when there is room, else per-pixel counts merged
 * into runs.
 *
 * @example
 * ```ts
 * import { ticks } from "./ticks_svg.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * ticks(out, Float64Array.from([1, 2, 3]), 0, 10, (t) => t * 10, 100, 0, 20, 0);
 * assert.match(out[0], /<path class="ticks" d="M10.0 4v12M20.0 4v12M30.0 4v12"/);
 * ```
 */
export function ticks(
  out: string[],
  times: Float64Array,
  since: number,
  until: number,
  x: (t: number) => number,
  plot: number,
  y: number,
  barH: number,
  cpu: number,
): void {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < since) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < times.length && times[end] <= until) end++;
  const count = end - lo;
  if (count === 0) return;
  const markY = y + Math.round(barH * 0.2);
  const markH = Math.max(1, Math.round(barH * 0.6));
  if (count <= plot / 3) {
    const path: string[] = [];
    for (let i = lo; i < end; i++) path.push(`M${x(times[i]).toFixed(1)} ${markY}v${markH}`);
    out.push(
      `<path class="ticks" d="${
        path.join("")
      }" stroke="#000" stroke-opacity="0.6" stroke-width="0.7"><title>CPU${cpu}: ${count} ticks</title></path>`,
    );
    return;
  }
  // Per-pixel counts in four density levels; a run of columns at one level is one rect whose
  // opacity says how dense (adjacent columns of 9 and 10 ticks share a level and a rect).
  const columns = new Uint32Array(Math.ceil(plot) + 1);
  const left = x(since);
  for (let i = lo; i < end; i++) columns[Math.floor(x(times[i]) - left)]++;
  let max = 0;
  for (const n of columns) if (n > max) max = n;
  const level = (n: number) => (n === 0 ? 0 : Math.ceil((4 * n) / max));
  let start = 0;
  let sum = 0;
  for (let c = 0; c <= columns.length; c++) {
    if (c < columns.length && level(columns[c]) === level(columns[start])) {
      sum += columns[c];
      continue;
    }
    const l = level(columns[start]);
    if (l > 0) {
      out.push(
        `<rect class="ticks" x="${(left + start).toFixed(1)}" y="${markY}" width="${
          c - start
        }" height="${markH}" fill="#000" fill-opacity="${
          (0.1 + 0.15 * l).toFixed(2)
        }"><title>CPU${cpu}: ${sum} ticks</title></rect>`,
      );
    }
    start = c;
    sum = c < columns.length ? columns[c] : 0;
  }
}
