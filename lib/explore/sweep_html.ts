/**
 * A sweep's verdict table as files: the `.hvt` script of every counterexample (named after the
 * table's base name, the configuration, the invariant and the kind of operation) and a
 * self-contained HTML page — one row per configuration, one column per invariant, each cell
 * always / sometimes / never, linking to the scripts of its counterexamples.
 *
 * @module
 */

import type { SweepRow, SweepTable } from "./sweep.ts";

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The file name of a row's counterexample script, beside the table `base` names (a file name
 * without directory or extension).
 *
 * @example
 * ```ts
 * import { scriptName } from "./sweep_html.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   scriptName("sweep", "2019/5.4/x86_64/default/2cpu/hz250", "no-hang", "offline"),
 *   "sweep.2019_5.4_x86_64_default_2cpu_hz250.no-hang.offline.hvt",
 * );
 * ```
 */
export function scriptName(base: string, id: string, invariant: string, during: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9.-]+/g, "_");
  return `${base}.${safe(id)}.${safe(invariant)}.${safe(during)}.hvt`;
}

/**
 * Every counterexample script of `table`, as files named by {@linkcode scriptName}.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 * import { sweepScripts } from "./sweep_html.ts";
 * import assert from "node:assert/strict";
 * const t = sweep({ hosts: ["2019"], kernels: ["5.4"], arches: ["x86_64"], cpus: [2], hz: [250] }, { depth: 1 });
 * const files = sweepScripts(t, "out");
 * assert.ok(files.some((f) => f.name === "out.2019_5.4_x86_64_default_2cpu_hz250.no-hang.offline.hvt"));
 * ```
 */
export function sweepScripts(table: SweepTable, base: string): { name: string; text: string }[] {
  return table.rows.flatMap((row) =>
    row.counterexamples.map((c) => ({
      name: scriptName(base, row.id, c.invariant, c.during),
      text: c.script,
    }))
  );
}

function cell(row: SweepRow, invariant: string, base: string): string {
  const holds = row.verdicts[invariant];
  if (holds === undefined) return `<td class="none">-</td>`;
  const links = row.counterexamples.filter((c) => c.invariant === invariant).map((c) =>
    `<a href="${escape(scriptName(base, row.id, c.invariant, c.during))}" title="${
      escape(c.operations.join("; "))
    }">${escape(c.during)}</a>`
  );
  return `<td class="${holds}">${holds}${links.length ? `<br>${links.join(" ")}` : ""}</td>`;
}

/**
 * The table as a self-contained HTML page (no scripts, no outside resources); its links lead to
 * the `.hvt` files {@linkcode sweepScripts} names for `base`.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 * import { sweepHtml } from "./sweep_html.ts";
 * import assert from "node:assert/strict";
 * const t = sweep({ hosts: ["2019"], kernels: ["5.4"], arches: ["x86_64"], cpus: [2], hz: [250] }, { depth: 1 });
 * const html = sweepHtml(t, "out");
 * assert.match(html, /<td class="sometimes">sometimes<br><a href="out\.2019_5\.4_x86_64_default_2cpu_hz250\.no-hang\.offline\.hvt"/);
 * ```
 */
export function sweepHtml(table: SweepTable, base: string): string {
  const invariants = [...new Set(table.rows.flatMap((r) => Object.keys(r.verdicts)))];
  const s = table.search;
  const slice = table.shard ? `shard ${table.shard.index}/${table.shard.count} of ` : "";
  const head = `<tr><th>configuration</th><th>design</th><th>states</th>${
    invariants.map((i) => `<th>${escape(i)}</th>`).join("")
  }</tr>`;
  const rows = table.rows.map((r) =>
    `<tr><th>${escape(r.id)}</th><td>${escape(r.design)}</td><td>${r.states}${
      r.stopped ? ` (stopped: ${escape(r.stopped)})` : ""
    }</td>${invariants.map((i) => cell(r, i, base)).join("")}</tr>`
  );
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8"><title>hvtick sweep</title><style>',
    "body{font:13px sans-serif;margin:1em}table{border-collapse:collapse}",
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}",
    ".always{background:#dfd}.sometimes{background:#ffd}.never{background:#fdd}",
    "</style></head><body>",
    `<h1>hvtick sweep</h1><p>${slice}${table.size} configurations; explore to depth ${s.depth} ` +
    `with ${escape(s.ops.join(", "))} (at most ${s.maxStates} states each). Each cell: whether ` +
    `the invariant holds always, sometimes or never; its links are the shortest ` +
    `counterexamples (.hvt scripts), by kind of last operation.</p>`,
    `<table>${head}${rows.join("\n")}</table>`,
    "</body></html>",
    "",
  ].join("\n");
}
