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

const DEFAULT_DIR = new URL("../tests/real/", import.meta.url).pathname;

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
  const paths = positionals.length ? positionals : [DEFAULT_DIR];
  const files: { log: string; text: string; host: string | null }[] = [];
  for (const p of paths) {
    let found: string[];
    try {
      found = logsIn(p);
    } catch (e) {
      console.error(`${p}: ${(e as Error).message}`);
      Deno.exit(2);
    }
    for (const log of found) {
      const hostPath = log.replace(/\.log$/, ".host.txt");
      let host: string | null = null;
      try {
        host = Deno.readTextFileSync(hostPath);
      } catch { /* reported by runFidelity */ }
      files.push({ log, text: Deno.readTextFileSync(log), host });
    }
  }
  const { report, ok } = runFidelity(files, { mismatches: shown });
  console.log(report.trimEnd());
  Deno.exit(ok ? 0 : 1);
}
