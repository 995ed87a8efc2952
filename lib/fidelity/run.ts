/**
 * The harness over a set of logs (pure: the task reads the files): reads each log and its host
 * file, builds the machine, replays, and reports. A log whose guest never reached userspace (no
 * `RIG-BEGIN` line: the boot failed) is listed and not counted.
 *
 * @module
 */

import { LogFormatError } from "./blocks.ts";
import { parseHostFile } from "./host.ts";
import { describe, raceSides, rigOptions } from "./machine.ts";
import { type LogResult, replay } from "./replay.ts";
import { fidelityReport } from "./report.ts";
import { readTranscript } from "./transcript.ts";
import { runTiming } from "./timing.ts";

/** One log and its host file (null when missing). */
export interface LogFile {
  /** The log's path. */
  readonly log: string;
  /** Its text. */
  readonly text: string;
  /** The host file's text, or null. */
  readonly host: string | null;
}

/** Runs the harness over logs: the report, and whether everything matched and was read. */
export function runFidelity(
  files: readonly LogFile[],
  options: { mismatches: number },
): { report: string; ok: boolean; results: LogResult[] } {
  const results: LogResult[] = [];
  const notes: string[] = [];
  let ok = true;
  for (const f of files) {
    if (!/^RIG-BEGIN /m.test(f.text)) {
      notes.push(`${f.log}: not compared: the guest never reached userspace (no RIG-BEGIN line)`);
      continue;
    }
    try {
      if (f.host === null) {
        throw new LogFormatError(
          f.log.replace(/\.log$/, ".host.txt"),
          0,
          "missing: the rig writes NAME.host.txt beside NAME.log, with the QEMU command line",
        );
      }
      const host = parseHostFile(f.host, f.log.replace(/\.log$/, ".host.txt"));
      const transcript = readTranscript(f.text, f.log);
      const o = rigOptions(host, f.text, f.log);
      const timing = runTiming(transcript, o);
      // The race sides the log does not name: the one that explains it best (machine.ts).
      let r: LogResult | null = null;
      for (const side of raceSides(o)) {
        const label = describe(transcript, o) + (side.label ? ` [${side.label}]` : "");
        const x = replay(transcript, { ...side.options, timing }, label, side.parkRace);
        if (!r || x.matched > r.matched) r = x;
        if (r.matched === r.readings) break;
      }
      results.push(r!);
      if (r!.matched !== r!.readings) ok = false;
    } catch (e) {
      ok = false;
      notes.push(`${f.log}: cannot read: ${(e as Error).message}`);
    }
  }
  const report = fidelityReport(results, options) + notes.map((n) => n + "\n").join("");
  return { report, ok, results };
}
