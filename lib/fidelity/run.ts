/**
 * The harness over a set of logs (pure: the task reads the files): reads each log and its host
 * file, builds the machine, replays, and reports. A log whose guest never reached userspace (no
 * `RIG-BEGIN` line: the boot failed) is listed and not counted.
 *
 * A hibernation spans two logs: the boot that wrote the image (its log ends in the `echo disk`
 * that powered the VM off) and the boot that resumes it (it writes `/sys/power/resume`, and the
 * image's script carries on: `RIG-HIBERNATE-RETURNED`). They share the VM's disk (the same
 * `-drive file=…` in their host files), which is how the harness pairs them: the writer is
 * replayed first, and the resume log's boot is that machine powered on again with the resume
 * log's own options. A resume log whose writer is not among the inputs is not compared, and the
 * report says why.
 *
 * @module
 */

import { LogFormatError } from "./blocks.ts";
import { parseHostFile, type RigHost } from "./host.ts";
import { describe, raceSides, rigOptions } from "./machine.ts";
import { type LogResult, replayTo } from "./replay.ts";
import { fidelityReport } from "./report.ts";
import { readTranscript, type Transcript } from "./transcript.ts";
import { runTiming } from "./timing.ts";
import { bootTotalram } from "./boot_memory.ts";
import type { VmOptions } from "../engine/config.ts";
import { Machine } from "../api/machine.ts";

/** One log and its host file (null when missing). */
export interface LogFile {
  /** The log's path. */
  readonly log: string;
  /** Its text. */
  readonly text: string;
  /** The host file's text, or null. */
  readonly host: string | null;
}

/** A log read and ready to replay. */
interface Prepared {
  readonly file: LogFile;
  readonly transcript: Transcript;
  readonly options: VmOptions;
  readonly machine: string;
  /** The `file=` of its virtio disk, if it has one. */
  readonly disk: string | null;
  /** It ends inside `echo disk > /sys/power/state`: the image was written and the VM powered off. */
  readonly writesImage: boolean;
  /** It writes `/sys/power/resume` and the image's script carries on (`RIG-HIBERNATE-RETURNED`). */
  readonly resumesImage: boolean;
}

function prepare(f: LogFile): Prepared {
  if (f.host === null) {
    throw new LogFormatError(
      f.log.replace(/\.log$/, ".host.txt"),
      0,
      "missing: the rig writes NAME.host.txt beside NAME.log, with the QEMU command line",
    );
  }
  const host: RigHost = parseHostFile(f.host, f.log.replace(/\.log$/, ".host.txt"));
  const transcript = readTranscript(f.text, f.log);
  const o = rigOptions(host, f.text, f.log);
  const writes = transcript.steps.filter((s) => s.kind === "write");
  const last = writes.at(-1);
  const returned = /^RIG-HIBERNATE-RETURNED /m.test(f.text);
  return {
    file: f,
    transcript,
    options: { ...o, timing: runTiming(transcript, o), ...totalramOf(transcript) },
    machine: describe(transcript, o),
    disk: host.drives.find((d) => d.if === "virtio")?.file ?? null,
    writesImage: !returned && last?.kind === "write" && last.path === "/sys/power/state" &&
      last.value === "disk" && last.rc === null,
    resumesImage: returned &&
      writes.some((w) => w.kind === "write" && w.path === "/sys/power/resume"),
  };
}

/**
 * The replay of the race sides the log does not name that explains it best (machine.ts
 * `raceSides`: the defaults first, so a tie keeps them), from a fresh boot or, for a resume, from
 * the machine its image's writer left.
 */
function bestRace(p: Prepared, start?: Machine): { result: LogResult; machine: Machine } {
  let best: { result: LogResult; machine: Machine } | null = null;
  for (const side of raceSides(p.options)) {
    const label = p.machine + (side.label ? ` [${side.label}]` : "");
    // A resume boots a new kernel, whose races are its own: each side starts from a copy of the
    // writer's hibernated machine.
    const from = start && new Machine(start.config).restore(start.snapshot());
    const x = replayTo(p.transcript, side.options, label, from, side.parkRace);
    if (!best || x.result.matched > best.result.matched) best = x;
    if (best.result.matched === best.result.readings) break;
  }
  return best!;
}

/** Runs the harness over logs: the report, and whether everything matched and was read. */
export function runFidelity(
  files: readonly LogFile[],
  options: { mismatches: number },
): { report: string; ok: boolean; results: LogResult[] } {
  const notes: string[] = [];
  let ok = true;
  const prepared = new Map<LogFile, Prepared>();
  for (const f of files) {
    if (!/^RIG-BEGIN /m.test(f.text)) {
      notes.push(`${f.log}: not compared: the guest never reached userspace (no RIG-BEGIN line)`);
      continue;
    }
    try {
      prepared.set(f, prepare(f));
    } catch (e) {
      ok = false;
      notes.push(`${f.log}: cannot read: ${(e as Error).message}`);
    }
  }
  const done = new Map<LogFile, { result: LogResult; machine: Machine } | Error>();
  const run = (p: Prepared): { result: LogResult; machine: Machine } | Error => {
    const known = done.get(p.file);
    if (known) return known;
    let out: { result: LogResult; machine: Machine } | Error;
    try {
      let start: Machine | undefined;
      if (p.resumesImage) {
        const writers = [...prepared.values()].filter((w) =>
          w !== p && w.writesImage && w.disk !== null && w.disk === p.disk
        );
        if (writers.length !== 1) {
          throw new Error(
            writers.length === 0
              ? `not compared: it resumes the hibernation image on its disk (${
                p.disk ?? "no virtio -drive"
              }), written by a boot whose log is not among the inputs; give that log too`
              : `not compared: ${writers.length} logs wrote an image to its disk (${p.disk}): ${
                writers.map((w) => w.file.log).join(", ")
              }`,
          );
        }
        const writer = run(writers[0]);
        if (writer instanceof Error) {
          throw new Error(
            `not compared: the log that wrote its image (${
              writers[0].file.log
            }) could not be replayed`,
          );
        }
        if (writer.machine.power !== "hibernated") {
          throw new Error(
            `not compared: the model of the boot that wrote its image (${
              writers[0].file.log
            }) did not hibernate, so there is no image to resume`,
          );
        }
        start = writer.machine;
      }
      out = bestRace(p, start);
    } catch (e) {
      out = e as Error;
    }
    done.set(p.file, out);
    return out;
  };
  const results: LogResult[] = [];
  for (const f of files) {
    const p = prepared.get(f);
    if (!p) continue;
    const out = run(p);
    if (out instanceof Error) {
      ok = false;
      notes.push(
        `${f.log}: ${out.message.startsWith("not compared") ? "" : "cannot read: "}${out.message}`,
      );
      continue;
    }
    results.push(out.result);
    if (out.result.matched !== out.result.readings) ok = false;
  }
  const report = fidelityReport(results, options) + notes.map((n) => n + "\n").join("");
  return { report, ok, results };
}

// The run's own totalram_pages() where its kernel log gives it (lib/fidelity/boot_memory.ts).
function totalramOf(t: Transcript): { totalram?: number } {
  const pages = bootTotalram(t);
  return pages === null ? {} : { totalram: pages };
}
