/**
 * The timeline picture: one lane per CPU over simulation time. In each lane the tick device as
 * coloured spans (legend: the kernel's device names), the hotplug state as a thin band, each
 * hotplug walk as a marker with a strip of its callbacks (hotplug takes no simulated time, so
 * the strip shows their order, each coloured by the tick device after it; names on hover),
 * ticks as marks (aggregated when denser than a pixel), hangs and violations as red markers with
 * their reason, hibernated stretches shaded. Hand-built SVG, no external assets.
 *
 * @module
 */

import type { Recording } from "./record.ts";
import { deviceChange, type StepRecord } from "../explore/scenario.ts";
import { formatSeconds } from "../util/duration.ts";
import { checkRecording } from "./recording_check.ts";
import { checkTimelineOptions, type TimelineOptions } from "./window.ts";

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

/** Escapes text for XML (and HTML) content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** A readable time label: s, ms or us, whichever keeps it short. */
function label(ns: number): string {
  if (ns === 0) return "0";
  if (ns % 1_000_000_000 === 0) return `${ns / 1e9} s`;
  if (ns % 1_000_000 === 0) return `${ns / 1e6} ms`;
  return `${ns / 1e3} us`;
}

/** The axis step: 1, 2 or 5 times a power of ten, about 8 labels across. */
function axisStep(span: number): number {
  const rough = Math.max(1, span / 8);
  const p = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= rough)!;
}

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
 * assert.match(svg, /<title>177 hyperv\/vmbus:online hv_synic_cleanup \(teardown\): Hyper-V clockevent -&gt; lapic<\/title>/);
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

  const devices = new Set<string>();
  for (const cpu of cpus) {
    for (const d of rec.lanes[cpu].devices) if (d.device) devices.add(d.device);
  }
  const colours = new Map<string, string>();
  [...devices].sort().forEach((name, i) => colours.set(name, KNOWN[name] ?? PALETTE[i % 7]));
  const colour = (device: string | null) => (device ? colours.get(device)! : NONE);

  // Lanes thin out with many CPUs; the legend and axis stay.
  const laneH = Math.max(4, Math.min(48, Math.floor(640 / cpus.length)));
  const detailed = laneH >= 24;
  const top = 86;
  const height = top + cpus.length * laneH + 40;
  const out: string[] = [];
  const title = options.title ??
    `Linux ${rec.config.kernel} on Hyper-V ${rec.config.hyperv}, ${rec.config.arch}, ${rec.config.cpus} vCPUs, HZ=${rec.config.hz}: ${rec.design}`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  );

  // Legend: devices, hotplug band, markers.
  let lx = 8;
  // One legend entry: a swatch (a square for devices, a band for hotplug) and its text.
  const entry = (fill: string, text: string, swatch: { y: number; h: number; stroke?: string }) => {
    const stroke = swatch.stroke ? ` stroke="${swatch.stroke}"` : "";
    out.push(
      `<g class="legend"><rect x="${lx}" y="${swatch.y}" width="12" height="${swatch.h}" fill="${fill}"${stroke}/><text x="${
        lx + 16
      }" y="${swatch.y + (swatch.h === 12 ? 10 : 8)}">${escapeXml(text)}</text></g>`,
    );
    lx = Math.round(lx + 28 + text.length * 6.2);
  };
  const square = { y: 30, h: 12, stroke: "#555" };
  for (const name of colours.keys()) entry(colour(name), name, square);
  entry(NONE, "(no tick device)", square);
  out.push(`<text x="8" y="60" fill="#333">hotplug:</text>`);
  lx = 64;
  const band = { y: 52, h: 6 };
  entry(STATE_FILL.online, "online", band);
  entry(STATE_FILL.offline, "offline", band);
  entry(STATE_FILL.between, "between states (hung)", band);
  entry("#c00", "hang / violation", band);
  entry("#999", "hibernated", band);

  // Time axis.
  const step = axisStep(until - since);
  const axisY = top + cpus.length * laneH + 4;
  out.push(`<line x1="${left}" y1="${axisY}" x2="${left + plot}" y2="${axisY}" stroke="#333"/>`);
  for (let t = Math.ceil(since / step) * step; t <= until; t += step) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${axisY}" x2="${x(t).toFixed(1)}" y2="${
        axisY + 4
      }" stroke="#333"/>`,
      `<text x="${x(t).toFixed(1)}" y="${axisY + 16}" text-anchor="middle">${label(t)}</text>`,
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
      const w = Math.max(0.5, x(clip(d.to)) - x0);
      out.push(
        `<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${
          colour(d.device)
        }" stroke="#888" stroke-width="0.3"><title>CPU${cpu}: ${
          escapeXml(d.device ?? "no tick device")
        } from ${formatSeconds(d.from)} to ${formatSeconds(d.to)} s</title></rect>`,
      );
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
            `${t.line} at ${formatSeconds(t.time)} s: CPU${cpu} ${t.from} -> ${t.to} ${t.toName}`,
          )
        }</title></g>`,
      );
      if (detailed) strip(out, t.steps, tx, bandY + bandH + 1, laneH - barH - bandH - 3, colour);
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
        formatSeconds(h.from)
      } to ${formatSeconds(h.to)} s</title></rect>`,
    );
  }
  for (const m of rec.marks) {
    if (m.time < since || m.time > until) continue;
    const row = m.cpu === null ? -1 : cpus.indexOf(m.cpu);
    if (m.cpu !== null && row < 0) continue;
    const mx = x(m.time).toFixed(1);
    const y0 = row < 0 ? top : top + row * laneH;
    const y1 = row < 0 ? top + cpus.length * laneH : y0 + laneH;
    const what = `${m.what}${m.expected ? " (expected on this design)" : ""}: ${m.reason}`;
    out.push(
      `<g class="mark"><line x1="${mx}" y1="${y0}" x2="${mx}" y2="${y1}" stroke="#c00" stroke-width="2"/><path d="M${mx} ${y0} l-4 -6 h8 z" fill="#c00"/><title>${
        escapeXml(what)
      }</title></g>`,
    );
  }
  out.push(`</svg>`);
  return out.join("\n");
}

// The callbacks of one walk, in order, each a small cell coloured by the tick device after it.
function strip(
  out: string[],
  steps: readonly StepRecord[],
  x0: number,
  y: number,
  h: number,
  colour: (device: string | null) => string,
): void {
  const cell = 3;
  steps.forEach((s, i) => {
    const moved = s.before === s.after ? "" : `: ${deviceChange(s)}`;
    const text = `${s.state} ${s.stateName} ${s.callback} (${
      s.teardown ? "teardown" : "startup"
    })${moved}${s.hung ? ": never returns (hang)" : ""}`;
    out.push(
      `<rect class="step" x="${(x0 + i * cell).toFixed(1)}" y="${y}" width="${cell}" height="${
        Math.max(2, h)
      }" fill="${s.hung ? "#c00" : colour(s.after)}" stroke="#333" stroke-width="0.2"><title>${
        escapeXml(text)
      }</title></rect>`,
    );
  });
}

// Ticks: a mark each when there is room, else per-pixel counts merged into runs.
function ticks(
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
