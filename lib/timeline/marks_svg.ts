/**
 * A timeline's marks: hangs and invariant violations as lines over their lane, red for a hang or
 * a violation this design does not expect, grey for one it does, with their names.
 *
 * @module
 */

import type { Mark } from "./record.ts";
import { escapeXml } from "./xml.ts";

/** Red: a hang or a violation not expected on this design. */
export const RED = "#c00";
/** Grey: a violation expected on this design (an invariant claimed for another). */
export const EXPECTED = "#8a8a8a";

/**
 * Whether a mark is drawn red (a hang, or a violation this design does not expect).
 *
 * @example
 * ```ts
 * import { alarming } from "./marks_svg.ts";
 * import assert from "node:assert/strict";
 * assert.equal(alarming({ what: "lapic-never-bound", expected: true }), false);
 * assert.equal(alarming({ what: "hang", expected: true }), true);
 * ```
 */
export function alarming(m: Pick<Mark, "what" | "expected">): boolean {
  return m.what === "hang" || !m.expected;
}

/** Where marks are drawn: the window, the lanes' CPUs and geometry, time to x. */
export interface MarkView {
  readonly since: number;
  readonly until: number;
  readonly cpus: readonly number[];
  readonly top: number;
  readonly laneH: number;
  readonly detailed: boolean;
  readonly x: (t: number) => number;
  readonly right: number;
}

/**
 * Draws the marks into `out`: a line over the lane (or every lane), red or grey, and on lanes
 * tall enough their names beside it.
 *
 * @example
 * ```ts
 * import { marks } from "./marks_svg.ts";
 * import assert from "node:assert/strict";
 * const out: string[] = [];
 * const mark = { time: 5, cpu: 0, pass: "", at: null, what: "lapic-never-bound", reason: "r", expected: true };
 * marks(out, [mark], { since: 0, until: 10, cpus: [0], top: 0, laneH: 48, detailed: true, x: (t) => t * 10, right: 200 });
 * assert.match(out[0], /stroke="#8a8a8a"/);
 * assert.match(out[1], />lapic-never-bound</);
 * ```
 */
export function marks(out: string[], all: readonly Mark[], v: MarkView): void {
  const names = new Map<string, { x: number; y: number; text: string[] }>();
  // Red over grey where they share an instant.
  for (const m of [...all.filter((m) => !alarming(m)), ...all.filter(alarming)]) {
    if (m.time < v.since || m.time > v.until) continue;
    const row = m.cpu === null ? -1 : v.cpus.indexOf(m.cpu);
    if (m.cpu !== null && row < 0) continue;
    const mx = v.x(m.time);
    const y0 = row < 0 ? v.top : v.top + row * v.laneH;
    const y1 = row < 0 ? v.top + v.cpus.length * v.laneH : y0 + v.laneH;
    const fill = alarming(m) ? RED : EXPECTED;
    const what = `${m.what}${m.expected ? " (expected on this design)" : ""}${
      m.pass ? ` in the ${m.pass} pass` : ""
    }: ${m.reason}`;
    out.push(
      `<g class="mark" data-what="${escapeXml(m.what)}" data-expected="${m.expected}"><line x1="${
        mx.toFixed(1)
      }" y1="${y0}" x2="${mx.toFixed(1)}" y2="${y1}" stroke="${fill}" stroke-width="2"/><path d="M${
        mx.toFixed(1)
      } ${y0 + 6} l-4 -6 h8 z" fill="${fill}"/><title>${escapeXml(what)}</title></g>`,
    );
    const key = `${mx.toFixed(0)} ${y0}`;
    const n = names.get(key) ?? { x: mx, y: y0, text: [] };
    if (!n.text.includes(m.what)) n.text.push(m.what);
    names.set(key, n);
  }
  if (!v.detailed) return;
  // The names beside the marker (ending at it near the right edge), white-edged to stay legible.
  for (const n of names.values()) {
    const text = n.text.join(", ");
    const fits = n.x + 4 + text.length * 5.6 <= v.right;
    out.push(
      `<text class="mark-label" x="${(fits ? n.x + 4 : n.x - 4).toFixed(1)}" y="${
        n.y + 10
      }" font-size="9"${
        fits ? "" : ` text-anchor="end"`
      } stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(text)}</text>`,
    );
  }
}
