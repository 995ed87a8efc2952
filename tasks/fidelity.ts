/**
 * `deno task fidelity [--mismatches N] [LOG|DIR…]`: replays rig logs (../shared/rig; the
 * `ops.sh` format and the older scenario logs) on hvtick and compares every reading. Each log
 * needs its `NAME.host.txt` beside it (the rig writes both). With no argument it runs the logs
 * committed in tests/real/. Prints one row per log and `fidelity: M/N readings match (P%) in K
 * logs`; exits 1 when something differs or a log cannot be read.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runFidelity } from "../lib/fidelity/run.ts";

import type { LogFile } from "../lib/fidelity/run.ts";

/** The logs committed in the project: `deno task fidelity` with no argument runs them. */
export const DEFAULT_DIR: string = new URL("../tests/real/", import.meta.url).pathname;

function logsIn(path: string): string[] {
  if (Deno.statSync(path).isFile) return [path];
  const out: string[] = [];
  for (const e of Deno.readDirSync(path)) {
    const p = `${path.replace(/\/$/, "")}/${e.name}`;
    if (e.isDirectory) out.push(...logsIn(p));
    else if (e.name.endsWith(".log")) out.push(p);
  }
  return out.sort();
}

/**
 * Every `.log` named or under a directory named, with its `NAME.host.txt` beside it (null when
 * there is none: runFidelity reports it).
 *
 * @example
 * ```ts
 * import { DEFAULT_DIR, readLogs } from "./fidelity.ts";
 * import assert from "node:assert/strict";
 * const logs = readLogs([DEFAULT_DIR]);
 * assert.ok(logs.every((l) => l.log.endsWith(".log") && l.host !== null));
 * ```
 * @throws {Error} naming a path that cannot be read.
 */
export function readLogs(paths: readonly string[]): LogFile[] {
  const files: LogFile[] = [];
  for (const p of paths) {
    let found: string[];
    try {
      found = logsIn(p);
    } catch (e) {
      throw new Error(`${p}: ${(e as Error).message}`);
    }
    for (const log of found) {
      let host: string | null = null;
      try {
        host = Deno.readTextFileSync(log.replace(/\.log$/, ".host.txt"));
      } catch { /* reported by runFidelity */ }
      files.push({ log, text: Deno.readTextFileSync(log), host });
    }
  }
  return files;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { mismatches: { type: "string", default: "5" } },
  });
  const shown = Number(values.mismatches);
  if (!Number.isInteger(shown) || shown < 0) {
    console.error(`--mismatches ${values.mismatches}: expected a whole number ≥ 0`);
    Deno.exit(2);
  }
  let files: LogFile[];
  try {
    files = readLogs(positionals.length ? positionals : [DEFAULT_DIR]);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
  const { report, ok } = runFidelity(files, { mismatches: shown });
  console.log(report.trimEnd());
  Deno.exit(ok ? 0 : 1);
}
