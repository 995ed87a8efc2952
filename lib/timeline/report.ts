/**
 * The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external assets)
 * with the timeline, the configuration, the CPUs at the end, the problems and marks, the
 * invariant verdicts and the operations.
 *
 * @module
 */

import type { Recording } from "./record.ts";
import { drawTimeline, type TimelineOptions } from "./svg.ts";
import { escapeXml } from "./xml.ts";
import { checkRecording } from "./recording_check.ts";
import { checkTimelineOptions } from "./window.ts";
import { formatTime } from "../util/duration.ts";
import { expectedNote } from "../explore/invariants.ts";

/** A cell: text (escaped), or HTML already made (a nested table). */
type Cell = string | { readonly html: string };

function table(head: readonly string[], rows: readonly (readonly Cell[])[], id: string): string {
  const cell = (c: Cell) => (typeof c === "string" ? escapeXml(c) : c.html);
  const tr = (cells: readonly Cell[], tag: string) =>
    `<tr>${cells.map((c) => `<${tag}>${cell(c)}</${tag}>`).join("")}</tr>`;
  return `<table${id ? ` id="${id}"` : ""}><thead>${tr(head, "th")}</thead><tbody>${
    rows.map((r) => tr(r, "td")).join("")
  }</tbody></table>`;
}

/**
 * A configuration value as a reader takes it in: a list as its items, an object (the host's
 * features, the platform) as a table of its fields, never raw JSON.
 */
function valueCell(v: unknown): Cell {
  if (v === null) return "(none)";
  if (Array.isArray(v)) return v.length ? v.map((x) => String(x)).join(", ") : "(none)";
  if (typeof v === "object") {
    const rows = Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, valueCell(x)]);
    return { html: table(["field", "value"], rows, "") };
  }
  return String(v);
}

const STYLE =
  `body{font-family:sans-serif;margin:16px;color:#222}h1{font-size:18px}h2{font-size:15px;margin-top:24px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
th{background:#f3f3f3}td table{font-size:11px}td table td,td table th{border-color:#e4e4e4}
.timeline{border:1px solid #ddd}.timeline svg{display:block;max-width:100%;height:auto}
li{font-size:12px}`;

/**
 * Renders a recording as a self-contained HTML page.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { reportHtml } from "./report.ts";
 * import assert from "node:assert/strict";
 * const html = reportHtml(record({ hyperv: "2019", kernel: "5.4", cpus: 2 }, ["offline 1"]));
 * assert.match(html, /^<!DOCTYPE html>/);
 * assert.match(html, /<svg /);
 * assert.ok(!/<script|src=|href="http/.test(html));
 * ```
 * @throws {TypeError|RangeError} for what is not a recording (naming where it is wrong) or
 * for bad options (as `timelineSvg()`).
 */
export function reportHtml(rec: Recording, options: TimelineOptions = {}): string {
  options = checkTimelineOptions(options, "options");
  rec = checkRecording(rec, "recording");
  const c = rec.config;
  const title = `hvtick: Linux ${c.kernel} on Hyper-V ${c.hyperv}, ${c.arch}, ${c.cpus} vCPUs`;
  const last = rec.run.operations.at(-1);
  const states = last?.states ?? rec.run.start.states;
  const bound = last?.bound ?? rec.run.start.bound;
  const config = Object.entries(c).map(([k, v]) => [k, valueCell(v)]);
  // A hang once: its mark (with the pass it came from and whether it is expected) stands for
  // the machine's problem of the same hang.
  const marked = rec.marks.some((m) => m.what === "hang");
  const problems = [
    ...rec.run.problems.filter((p) => !(marked && p.kind === "hang")).map((p) =>
      `${formatTime(p.time)} ${p.kind}${p.cpu === null ? "" : ` CPU${p.cpu}`}: ${p.message}`
    ),
    ...rec.marks.map((m) =>
      `${formatTime(m.time)} ${m.what}${m.cpu === null ? "" : ` CPU${m.cpu}`}${
        m.pass ? ` in hibernation's ${m.pass} pass` : ""
      }${m.expected ? " (expected on this design)" : ""}: ${m.reason}`
    ),
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${
    escapeXml(title)
  }</title><style>${STYLE}</style></head>
<body>
<h1>${escapeXml(title)}</h1>
<p>${escapeXml(rec.design)}. Simulated ${
    formatTime(rec.end)
  }; hotplug takes no simulated time, so each walk's callbacks are drawn in an inset of their own under the lanes, numbered as the tags above them.</p>
<h2>Timeline</h2>
<div class="timeline">${drawTimeline(rec, options)}</div>
<h2>Configuration</h2>
${table(["field", "value"], config, "config")}
<h2>CPUs at the end</h2>
${
    table(
      ["CPU", "hotplug state", "tick device", "ticks"],
      states.map((s, cpu) => [
        String(cpu),
        `${s.state} ${s.name}`,
        bound[cpu] ?? "(none)",
        String(rec.lanes[cpu].ticks.length),
      ]),
      "cpus",
    )
  }
<h2>Problems</h2>
${
    problems.length
      ? `<ul id="problems">${problems.map((p) => `<li>${escapeXml(p)}</li>`).join("")}</ul>`
      : `<p id="problems">none</p>`
  }
<h2>Invariants</h2>
${
    table(
      ["invariant", "holds", "violations", "checks", "note"],
      rec.run.invariants.map((i) => [
        i.name,
        i.holds,
        String(i.violations),
        String(i.checks),
        i.violations && i.expected ? expectedNote(i.name) : "",
      ]),
      "invariants",
    )
  }
<h2>Operations</h2>
${
    table(
      ["time", "operation", "outcome"],
      rec.run.operations.map((o) => [formatTime(o.time), o.line, o.message]),
      "operations",
    )
  }
</body></html>
`;
}
