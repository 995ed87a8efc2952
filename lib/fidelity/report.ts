/**
 * The harness's report: one row per log, then one summary line,
 * `fidelity: M/N readings match (P%) in K logs` (`1 log`).
 *
 * @module
 */

import type { LogResult } from "./replay.ts";

/** Percentage with one decimal, never rounded up to 100 when something differs. */
export function percent(matched: number, readings: number): string {
  if (readings === 0) return "100.0";
  const p = Math.floor((matched / readings) * 1000) / 10;
  return p.toFixed(1);
}

/**
 * The per-log table and the summary line.
 *
 * @example
 * ```ts
 * import { fidelityReport } from "./report.ts";
 * import assert from "node:assert/strict";
 * const text = fidelityReport([
 *   { file: "a.log", machine: "6.1 qemu+hv 4 CPUs (ops)", readings: 10, matched: 10, mismatches: [] },
 * ], { mismatches: 0 });
 * assert.match(text, /fidelity: 10\/10 readings match \(100\.0%\) in 1 log\n$/);
 * ```
 */
export function fidelityReport(
  results: readonly LogResult[],
  options: { mismatches: number },
): string {
  const name = (f: string) => f.split("/").pop()!;
  const width = Math.max(3, ...results.map((r) => name(r.file).length));
  const out = [
    `${"log".padEnd(width)}  ${"machine".padEnd(28)}  ${"match".padStart(11)}  ${"%".padStart(6)}`,
  ];
  let readings = 0;
  let matched = 0;
  for (const r of results) {
    readings += r.readings;
    matched += r.matched;
    out.push(
      `${name(r.file).padEnd(width)}  ${r.machine.padEnd(28)}  ${
        `${r.matched}/${r.readings}`.padStart(11)
      }  ${percent(r.matched, r.readings).padStart(6)}`,
    );
    for (const m of r.mismatches.slice(0, options.mismatches)) {
      out.push(
        `    line ${m.line}: ${m.key}: expected ${JSON.stringify(m.expected)}, model ${
          JSON.stringify(m.got)
        }`,
      );
    }
    if (r.mismatches.length > options.mismatches && options.mismatches > 0) {
      out.push(`    … ${r.mismatches.length - options.mismatches} more`);
    }
  }
  out.push(
    `fidelity: ${matched}/${readings} readings match (${
      percent(matched, readings)
    }%) in ${results.length} log${results.length === 1 ? "" : "s"}`,
  );
  return out.join("\n") + "\n";
}
