/**
 * The timeline picture: one lane per CPU over simulation time. In each lane the tick device as
 * coloured spans (legend: the kernel's device names; hatched while bound but shut down), the
 * hotplug state as a thin band, each operation's hotplug walks as a marker with a numbered tag,
 * ticks as marks (aggregated when denser than a pixel), hangs and unexpected violations as red
 * markers and expected ones in grey, each with its name, hibernated stretches shaded. Hotplug
 * takes no simulated time, so below the lanes each walk has an inset on its own axis
 * (lib/timeline/walk_svg.ts). Hand-built SVG, no external assets.
 *
 * @module
 */

import type { Mark, Recording } from "./record.ts";
import { formatTime } from "../util/duration.ts";
import { checkRecording } from "./recording_check.ts";
import { checkTimelineOptions, type TimelineOptions } from "./window.ts";
import { escapeXml, wrapText } from "./xml.ts";
import { type OperationWalks, walkPanel } from "./walk_svg.ts";
import { timeAxis } from "./axis.ts";
import { EXPECTED, marks, RED } from "./marks_svg.ts";
import { ticks } from "./ticks_svg.ts";

export type { TimelineOptions } from "./window.ts";

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"];
const KNOWN: Readonly<Record<string, string>> = {
  "Hyper-V clockevent": "#4e79a7",
  "lapic": "#f28e2b",
  "lapic-deadline": "#e15759",
  "arch_sys_timer": "#59a14f",
  "hpet": "#b07aa1",
  "pit": "#9c755f",
  "dummy_timer": "#bab0ac",
};
const NONE = "#ffffff";
const STATE_FILL = { online: "#8cd17d", offline: "#d3d3d3", between: "#f1ce63" };
const HATCH = "hvtick-shutdown";

function stateKind(name: string): keyof typeof STATE_FILL {
  return name === "online" ? "online" : name === "offline" ? "offline" : "between";
}

/**
 * Renders a recording as SVG text.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { timelineSvg } from "./svg.ts";
 * import assert from "node:assert/strict";
 * const r = record({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }, ["advance 8ms", "offline 1", "advance 8ms"]);
 * const svg = timelineSvg(r);
 * assert.match(svg, /^<svg /);
 * // The offline's walk, in an inset of its own, labelled where the LAPIC takes over.
 * assert.match(svg, /<title>lapic &lt;- Hyper-V clockevent   during teardown of 177 hyperv\/vmbus:online<\/title>/);
 * ```
 * @throws {RangeError} for an empty window, an unknown CPU or a width under 300;
 * `TypeError` / `RangeError` for what is not a recording or unknown options (naming where).
 */
export function timelineSvg(rec: Recording, options: TimelineOptions = {}): string {
  const o = checkTimelineOptions(options, "options");
  return drawTimeline(checkRecording(rec, "recording"), o);
}

/**
 * {@linkcode timelineSvg} of a recording and options already checked (the report and the
 * comparison draw with it).
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { drawTimeline, timelineSvg } from "./svg.ts";
 * import assert from "node:assert/strict";
 * const r = record({ cpus: 2 }, ["advance 4ms"]);
 * assert.equal(drawTimeline(r, {}), timelineSvg(r));
 * ```
 */
export function drawTimeline(rec: Recording, options: TimelineOptions): string {
  const since = options.since ?? 0;
  const until = options.until ?? Math.max(rec.end, since + 1);
  if (!(until > since)) {
    throw new RangeError(`Invalid window ${since}..${until} ns: the end must be after the start`);
  }
  const cpus = options.cpus ?? rec.lanes.map((l) => l.cpu);
  for (const cpu of cpus) {
    if (!rec.lanes[cpu]) {
      throw new RangeError(
        `Invalid CPU ${cpu}: this recording has CPUs 0 to ${rec.lanes.length - 1}`,
      );
    }
  }
  const width = options.width ?? 1200;
  if (!Number.isInteger(width) || width < 300) {
    throw new RangeError(`Invalid width ${width}: expected a whole number of pixels, at least 300`);
  }
  if (width > 100_000) throw new RangeError(`Invalid width ${width}: at most 100000 pixels`);
  const left = 84;
  const plot = width - left - 30;
  const x = (t: number) => left + ((t - since) / (until - since)) * plot;
  const inWindow = (from: number, to: number) => to >= since && from <= until;
  const clip = (t: number) => Math.min(until, Math.max(since, t));
  const axis = timeAxis(since, until, Math.max(2, Math.floor(plot / 90)));

  const devices = new Set<string>();
  for (const cpu of cpus) {
    for (const d of rec.lanes[cpu].devices) if (d.device) devices.add(d.device);
  }
  for (const w of rec.walks) {
    for (const c of w.changes) for (const d of [c.device, c.previous]) if (d) devices.add(d);
  }
  const colours = new Map<string, string>();
  [...devices].sort().forEach((name, i) => colours.set(name, KNOWN[name] ?? PALETTE[i % 7]));
  const colour = (device: string | null) => (device ? colours.get(device)! : NONE);

  const head: string[] = [];
  const out: string[] = [];
  // The title in lines that fit (13 px bold: at most 7.8 px a character).
  const title = options.title ??
    `Linux ${rec.config.kernel} on Hyper-V ${rec.config.hyperv}, ${rec.config.arch}, ${rec.config.cpus} vCPUs, HZ=${rec.config.hz}: ${rec.design}`;
  let y = 4;
  for (const line of wrapText(title, Math.floor((width - 16) / 7.8))) {
    y += 16;
    head.push(
      `<text class="title" x="8" y="${y}" font-size="13" font-weight="bold">${
        escapeXml(line)
      }</text>`,
    );
  }
  y += 8;

  // Legend entries flow into rows that fit the width (11 px: at most 6.6 px a character).
  let lx = 8;
  // One entry: its swatch drawn at (x, y), its text after it.
  const entry = (swatch: (x: number, y: number) => string, text: string) => {
    const w = Math.ceil(16 + text.length * 6.6 + 12);
    if (lx > 8 && lx + w > width - 8) {
      lx = 8;
      y += 18;
    }
    head.push(
      `<g class="legend">${swatch(lx, y)}<text x="${lx + 16}" y="${y + 10}">${
        escapeXml(text)
      }</text></g>`,
    );
    lx += w;
  };
  const square = (fill: string) => (x: number, y: number) =>
    `<rect x="${x}" y="${y}" width="12" height="12" fill="${fill}" stroke="#555"/>`;
  const band = (fill: string) => (x: number, y: number) =>
    `<rect x="${x}" y="${y + 3}" width="12" height="6" fill="${fill}"/>`;
  for (const name of colours.keys()) entry(square(colour(name)), name);
  entry(square(NONE), "(no tick device)");
  entry(
    (x, y) =>
      square("#ddd")(x, y) +
      `<rect x="${x}" y="${y}" width="12" height="12" fill="url(#${HATCH})"/>`,
    "bound but shut down",
  );
  entry(band(STATE_FILL.online), "hotplug: online");
  entry(band(STATE_FILL.offline), "offline");
  entry(band(STATE_FILL.between), "between states (hung)");
  entry(band(RED), "hang / unexpected violation");
  entry(band(EXPECTED), "expected on this design");
  entry(band("#999"), "hibernated");
  entry(
    (x, y) => `<rect x="${x}" y="${y}" width="12" height="12" rx="3" fill="#333"/>`,
    "hotplug walk (inset below)",
  );
  y += 22;

  // Operations with walks in view: numbered tags above the lanes, kept apart.
  const ops: OperationWalks[] = [];
  rec.run.operations.forEach((op, i) => {
    const walks = rec.walks.filter((w) => w.op === i && cpus.includes(w.cpu));
    if (!walks.length || op.time < since || op.time > until) return;
    ops.push({ tag: ops.length + 1, line: op.line, time: op.time, walks });
  });
  const tagY = y;
  const top = tagY + (ops.length ? 20 : 0);
  const laneH = Math.max(4, Math.min(48, Math.floor(640 / cpus.length)));
  const detailed = laneH >= 24;
  let tagEnd = -Infinity;
  for (const op of ops) {
    const w = 8 + String(op.tag).length * 7;
    const at = x(op.time);
    const tx = Math.min(width - 4 - w, Math.max(at - w / 2, tagEnd + 2));
    tagEnd = tx + w;
    out.push(
      `<g class="walk-tag" data-op="${ops.indexOf(op)}"><line x1="${at.toFixed(1)}" y1="${
        tagY + 14
      }" x2="${(tx + w / 2).toFixed(1)}" y2="${tagY + 12}" stroke="#333"/><line x1="${
        at.toFixed(1)
      }" y1="${tagY + 14}" x2="${at.toFixed(1)}" y2="${top}" stroke="#333"/><rect x="${
        tx.toFixed(1)
      }" y="${tagY}" width="${w}" height="13" rx="3" fill="#333"/><text x="${
        (tx + w / 2).toFixed(1)
      }" y="${tagY + 10}" text-anchor="middle" fill="#fff" font-size="10">${op.tag}</text><title>${
        escapeXml(`${op.tag}. ${op.line} at ${axis.label(op.time)}`)
      }</title></g>`,
    );
  }

  // Time axis.
  const axisY = top + cpus.length * laneH + 4;
  out.push(`<line x1="${left}" y1="${axisY}" x2="${left + plot}" y2="${axisY}" stroke="#333"/>`);
  for (let t = Math.ceil(since / axis.step) * axis.step; t <= until; t += axis.step) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${axisY}" x2="${x(t).toFixed(1)}" y2="${
        axisY + 4
      }" stroke="#333"/>`,
      `<text class="axis" x="${x(t).toFixed(1)}" y="${axisY + 16}" text-anchor="middle">${
        axis.label(t)
      }</text>`,
    );
  }

  cpus.forEach((cpu, row) => {
    const lane = rec.lanes[cpu];
    const y = top + row * laneH;
    const barH = Math.max(2, Math.round(laneH * (detailed ? 0.45 : 0.7)));
    const bandY = y + barH + 1;
    const bandH = Math.max(1, Math.round(laneH * 0.12));
    out.push(`<g class="lane" data-cpu="${cpu}">`);
    out.push(
      `<text x="${left - 6}" y="${y + barH - 1}" text-anchor="end" font-size="${
        Math.min(11, laneH)
      }">CPU${cpu}</text>`,
    );
    for (const d of lane.devices) {
      if (d.to <= d.from || !inWindow(d.from, d.to)) continue;
      const x0 = x(clip(d.from));
      const w = Math.max(0.5, x(clip(d.to)) - x0).toFixed(1);
      const what = d.device === null
        ? "no tick device"
        : d.shutdown
        ? `${d.device}, bound but shut down (it does not tick)`
        : d.device;
      out.push(
        `<rect class="device${d.shutdown ? " shutdown" : ""}" x="${
          x0.toFixed(1)
        }" y="${y}" width="${w}" height="${barH}" fill="${
          colour(d.device)
        }" stroke="#888" stroke-width="0.3"><title>CPU${cpu}: ${escapeXml(what)} from ${
          formatTime(d.from)
        } to ${formatTime(d.to)}</title></rect>`,
      );
      if (d.shutdown) {
        out.push(
          `<rect x="${
            x0.toFixed(1)
          }" y="${y}" width="${w}" height="${barH}" fill="url(#${HATCH})" pointer-events="none"/>`,
        );
      }
    }
    // Hotplug state band.
    let state: { state: number; name: string } = lane.startState;
    let from = 0;
    const bandRect = (a: number, b: number, name: string) => {
      if (b <= a || !inWindow(a, b)) return;
      out.push(
        `<rect x="${x(clip(a)).toFixed(1)}" y="${bandY}" width="${
          Math.max(0.5, x(clip(b)) - x(clip(a))).toFixed(1)
        }" height="${bandH}" fill="${
          STATE_FILL[stateKind(name)]
        }"><title>CPU${cpu} hotplug state: ${escapeXml(name)}</title></rect>`,
      );
    };
    for (const t of lane.transitions) {
      bandRect(from, t.time, state.name);
      state = { state: t.to, name: t.toName };
      from = t.time;
    }
    bandRect(from, rec.end, state.name);
    ticks(out, lane.ticks, since, until, x, plot, y, barH, cpu);
    for (const t of lane.transitions) {
      if (t.time < since || t.time > until) continue;
      const tx = x(t.time);
      out.push(
        `<g class="transition"><line x1="${tx.toFixed(1)}" y1="${y}" x2="${tx.toFixed(1)}" y2="${
          bandY + bandH
        }" stroke="#000" stroke-width="1"/><title>${
          escapeXml(
            `${t.line} at ${formatTime(t.time)}: CPU${cpu} ${t.from} -> ${t.to} ${t.toName}`,
          )
        }</title></g>`,
      );
    }
    out.push(`</g>`);
  });

  // Hibernated stretches over every lane, then markers on top.
  for (const h of rec.hibernated) {
    if (!inWindow(h.from, h.to)) continue;
    out.push(
      `<rect class="hibernated" x="${x(clip(h.from)).toFixed(1)}" y="${top}" width="${
        Math.max(1, x(clip(h.to)) - x(clip(h.from))).toFixed(1)
      }" height="${
        cpus.length * laneH
      }" fill="#999" fill-opacity="0.35"><title>hibernated (powered off) from ${
        formatTime(h.from)
      } to ${formatTime(h.to)}</title></rect>`,
    );
  }
  marks(out, rec.marks, { since, until, cpus, top, laneH, detailed, x, right: width - 4 });

  const at = new Map<object, { mark: Mark; step: number }[]>();
  for (const mark of rec.marks) {
    if (!mark.at) continue;
    const walk = rec.walks[mark.at.walk];
    at.set(walk, [...(at.get(walk) ?? []), { mark, step: mark.at.step }]);
  }
  const marksAt = (w: object) => at.get(w) ?? [];
  const panel = walkPanel(
    ops,
    { left, plot, width, colour, time: axis.label, marksAt },
    axisY + 26,
  );
  const height = axisY + 26 + panel.height + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<defs><pattern id="${HATCH}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2.5" height="6" fill="#222" fill-opacity="0.55"/></pattern></defs>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...head,
    ...out,
    panel.svg,
    `</svg>`,
  ].join("\n");
}
