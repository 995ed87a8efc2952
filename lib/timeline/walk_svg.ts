/**
 * The walks panel of a timeline: hotplug takes no simulated time, so each walk gets an inset on
 * an axis of its own below the lanes — its callbacks as a flame graph (a callback's bar spans the
 * callbacks it ran inside, one row deeper: the AP's steps under `bringup_cpu`/`takedown_cpu`),
 * the CPU's tick device under them, and a label at each change, worded as the REPL prints it.
 * Walks of one operation that did the same on several CPUs share one inset.
 *
 * @module
 */

import type { Mark, Walk, WalkChange } from "./record.ts";
import { alarming, EXPECTED, RED } from "./marks_svg.ts";
import { escapeXml, wrapText } from "./xml.ts";
import { cpulistFormat } from "../hotplug/sysfs.ts";

/**
 * The REPL's words for a change (repl/commands/machine.ts hotplugText).
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { changeText } from "./walk_svg.ts";
 * import assert from "node:assert/strict";
 * const [walk] = record({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }, ["offline 1"]).walks;
 * assert.equal(changeText(walk, walk.changes[0]), "lapic <- Hyper-V clockevent   during teardown of 177 hyperv/vmbus:online");
 * ```
 */
export function changeText(w: Walk, c: WalkChange): string {
  const step = c.step === null ? null : w.steps[c.step];
  const where = step
    ? `${step.teardown ? "teardown" : "startup"} of ${step.state} ${step.stateName}`
    : "no callback (between the walk's callbacks)";
  return `${c.device ?? "(none)"} <- ${c.previous ?? "(none)"}   during ${where}`;
}

/** What the panel needs from the picture around it. */
export interface WalkPanel {
  /** Left edge of the insets and their width, px. */
  readonly left: number;
  readonly plot: number;
  /** Full picture width, px. */
  readonly width: number;
  /** A device's fill. */
  readonly colour: (device: string | null) => string;
  /** A simulated time as the axis shows it. */
  readonly time: (ns: number) => string;
  /** The marks (hangs, violations) that name a callback of a walk, with its index. */
  readonly marksAt: (walk: Walk) => readonly { readonly mark: Mark; readonly step: number }[];
}

/** One operation's walks, numbered as its tag above the lanes. */
export interface OperationWalks {
  readonly tag: number;
  readonly line: string;
  readonly time: number;
  readonly walks: readonly Walk[];
}

const ROW = 10;
const CHAR = 5.6; // px per character at font-size 9 (sans-serif, generous)

/** Walks that did the same thing (all but the CPU), in order of their first. */
function groups(walks: readonly Walk[]): { cpus: number[]; walk: Walk; all: Walk[] }[] {
  const out = new Map<string, { cpus: number[]; walk: Walk; all: Walk[] }>();
  for (const w of walks) {
    const key = JSON.stringify([
      w.pass,
      w.steps.map((s) => [s.state, s.callback, s.teardown, s.depth, s.before, s.after, s.hung]),
      w.enter,
      w.exit,
      w.changes,
    ]);
    const g = out.get(key);
    if (g) {
      g.cpus.push(w.cpu);
      g.all.push(w);
    } else out.set(key, { cpus: [w.cpu], walk: w, all: [w] });
  }
  return [...out.values()];
}

/**
 * Draws the panel from `y`; returns its SVG and height.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { walkPanel } from "./walk_svg.ts";
 * import assert from "node:assert/strict";
 * const rec = record({ hyperv: "2012R2", kernel: "5.2", cpus: 4 }, ["offline 2", "online 2"]);
 * const ops = rec.run.operations.map((o, i) => ({ tag: i + 1, line: o.line, time: o.time, walks: rec.walks.filter((w) => w.op === i) }));
 * const panel = { left: 84, plot: 400, width: 514, colour: () => "#fff", time: String, marksAt: () => [] };
 * const { svg } = walkPanel(ops, panel, 0);
 * assert.match(svg, /<title>lapic &lt;- \(none\)   during startup of 85 cpu:bringup<\/title>/);
 * ```
 */
export function walkPanel(
  ops: readonly OperationWalks[],
  p: WalkPanel,
  y: number,
): { svg: string; height: number } {
  const out: string[] = [];
  const top = y;
  if (ops.length) {
    out.push(`<text x="8" y="${y + 12}" font-weight="bold">Hotplug walks</text>`);
    y += 14;
    const note = "Each inset: one walk's callbacks in the order they ran (no simulated time " +
      "passes), nested ones a row lower, and the CPU's tick device under them.";
    for (const line of wrapText(note, Math.floor((p.width - 16) / CHAR))) {
      out.push(`<text x="8" y="${y + 10}" fill="#555" font-size="9">${escapeXml(line)}</text>`);
      y += 11;
    }
    y += 6;
  }
  for (const op of ops) {
    out.push(
      `<g class="walk-op" data-op="${op.tag - 1}"><text x="8" y="${y + 10}">${
        escapeXml(`${op.tag}. ${op.line} at ${p.time(op.time)}`)
      }</text></g>`,
    );
    y += 14;
    for (const g of groups(op.walks)) {
      // A mark on any of the walks, once per kind and callback.
      const marks = new Map<string, { mark: Mark; step: number }>();
      for (const w of g.all) {
        for (const m of p.marksAt(w)) marks.set(`${m.mark.what} ${m.step}`, m);
      }
      const drawn = inset(g.walk, g.cpus, p, y, [...marks.values()]);
      out.push(drawn.svg);
      y += drawn.height;
    }
    y += 4;
  }
  return { svg: out.join("\n"), height: y - top };
}

// One inset: the label column, the callbacks by depth, the device row, the change labels.
function inset(
  w: Walk,
  cpus: readonly number[],
  p: WalkPanel,
  y: number,
  marks: readonly { mark: Mark; step: number }[],
) {
  const out: string[] = [];
  const unit = p.plot / Math.max(1, w.units);
  const ux = (u: number) => p.left + u * unit;
  const depth = w.steps.reduce((m, s) => Math.max(m, s.depth), 0);
  // `CPU1-3,7`: the kernel's cpulist format.
  const label = `CPU${cpulistFormat([...cpus].sort((a, b) => a - b))}`;
  out.push(
    `<g class="walk" data-op="${w.op}" data-cpus="${cpus.join(",")}" data-units="${w.units}">`,
    `<text x="${p.left - 6}" y="${y + 8}" text-anchor="end" font-size="10">${label}</text>`,
  );
  if (w.pass) {
    out.push(
      `<text x="${p.left - 6}" y="${
        y + 18
      }" text-anchor="end" font-size="8" fill="#555">${w.pass}</text>`,
    );
  }
  w.steps.forEach((s, i) => {
    const x0 = ux(w.enter[i]);
    const x1 = ux(w.exit[i] ?? w.units);
    const sy = y + s.depth * ROW;
    const text = `${s.state} ${s.stateName} ${s.callback} (${s.teardown ? "teardown" : "startup"})${
      s.hung ? ": never returns (hang)" : ""
    }`;
    const name = s.callback.length * CHAR < x1 - x0 - 2
      ? `<text x="${(x0 + 1.5).toFixed(1)}" y="${
        sy + 7
      }" font-size="7" fill="#222" pointer-events="none">${escapeXml(s.callback)}</text>`
      : "";
    out.push(
      `<rect class="step" x="${x0.toFixed(2)}" y="${sy}" width="${(x1 - x0).toFixed(2)}" height="${
        ROW - 1
      }" fill="${
        s.hung ? "#c00" : s.teardown ? "#e6e1f0" : "#e1ecf0"
      }" stroke="#999" stroke-width="0.3"><title>${escapeXml(text)}</title></rect>${name}`,
    );
  });
  // Hangs and violations at the callback they name: a small triangle on it, red or grey.
  for (const { mark, step } of marks) {
    const x0 = ux(w.enter[step]);
    const sy = y + w.steps[step].depth * ROW;
    out.push(
      `<path class="walk-mark" data-what="${escapeXml(mark.what)}" d="M${
        x0.toFixed(2)
      } ${sy} h6 l-3 5 z" fill="${alarming(mark) ? RED : EXPECTED}"><title>${
        escapeXml(
          `${mark.what}${mark.expected ? " (expected on this design)" : ""}: ${mark.reason}`,
        )
      }</title></path>`,
    );
  }
  // The tick device along the walk: before its first callback, then from each change on.
  const dy = y + (depth + 1) * ROW + 1;
  let device = w.steps[0]?.before ?? null;
  let from = 0;
  const segment = (a: number, b: number, d: string | null) => {
    if (b <= a) return;
    out.push(
      `<rect class="walk-device" data-device="${escapeXml(d ?? "")}" x="${
        ux(a).toFixed(2)
      }" y="${dy}" width="${(ux(b) - ux(a)).toFixed(2)}" height="8" fill="${
        p.colour(d)
      }" stroke="#888" stroke-width="0.3"/>`,
    );
  };
  for (const c of w.changes) {
    segment(from, c.unit, device);
    device = c.device;
    from = c.unit;
  }
  segment(from, w.units, device);
  // A label per change, on the first row where it fits.
  const rows: number[] = [];
  const ly = dy + 10;
  for (const c of w.changes) {
    const x = ux(c.unit);
    const step = c.step === null ? null : w.steps[c.step];
    const short = `${c.device ?? "(none)"} <- ${c.previous ?? "(none)"}${
      step ? ` in ${step.state} ${step.stateName}` : ""
    }`;
    const len = short.length * CHAR;
    // Starting at its change, or moved left as far as it must to end inside the picture.
    const a = Math.max(4, Math.min(x, p.width - 4 - len));
    const b = a + len;
    let row = rows.findIndex((end) => end + 6 <= a);
    if (row < 0) row = rows.push(-Infinity) - 1;
    rows[row] = b;
    const ty = ly + row * 11 + 8;
    out.push(
      `<g class="change" data-device="${escapeXml(c.device ?? "")}" data-previous="${
        escapeXml(c.previous ?? "")
      }" data-unit="${c.unit}"><title>${escapeXml(changeText(w, c))}</title>` +
        `<line x1="${x.toFixed(2)}" y1="${dy - 2}" x2="${x.toFixed(2)}" y2="${
          ty - 7
        }" stroke="#000" stroke-width="0.8"/>` +
        `<text x="${a.toFixed(2)}" y="${ty}" font-size="9">${escapeXml(short)}</text></g>`,
    );
  }
  out.push(`</g>`);
  const height = Math.max(w.pass ? 22 : 12, (depth + 1) * ROW + 10 + rows.length * 11) + 6;
  return { svg: out.join(""), height };
}
