/**
 * Replays a log's steps on the model and compares every reading (lib/fidelity/guest.ts renders
 * the model's side of each). The machine is built from the log's host file
 * (lib/fidelity/machine.ts); time follows the log's uptime marks.
 *
 * @module
 */

import type { VmOptions } from "../engine/config.ts";
import { vm } from "../api/builder.ts";
import { traceReadings } from "./trace.ts";
import { FTRACE_ACTIONS } from "./rig_tracing.ts";
import type { Machine } from "../api/machine.ts";
import { KernelError } from "../util/errors.ts";
import { compared, type ExclusionContext } from "./exclusions.ts";
import { type Guest, READERS } from "./guest.ts";
import { type Reading, reading } from "./reading.ts";
import { parseSnapshot } from "./snapshot.ts";
import type { Step } from "./steps.ts";
import type { Transcript } from "./transcript.ts";
import { relevantLines } from "./dmesg.ts";

/** One reading that did not match. */
export interface Mismatch {
  /** Log line. */
  readonly line: number;
  /** The reading's key. */
  readonly key: string;
  /** What the real kernel printed ("(none)": the model printed a reading the log does not have). */
  readonly expected: string;
  /** What the model printed ("(none)": the model has no such reading). */
  readonly got: string;
}

/** The outcome of one log. */
export interface LogResult {
  /** The log file. */
  readonly file: string;
  /** The machine, in a few words. */
  readonly machine: string;
  /** Readings compared. */
  readonly readings: number;
  /** Readings that matched. */
  readonly matched: number;
  /** The ones that did not. */
  readonly mismatches: readonly Mismatch[];
}

const CE_ROWS = /^(?:0|LOC|HVS|HYP|HRE|CAL)$/;

/** `moved`/`nonzero` readings of the timer interrupt rows against the previous snapshot. */
function irqMovement(
  counts: ReadonlyMap<string, ReadonlyMap<string, number>>,
  prev: ReadonlyMap<string, ReadonlyMap<string, number>> | null,
  at: number,
): Reading[] {
  const out: Reading[] = [];
  for (const [row, cols] of counts) {
    if (!CE_ROWS.test(row)) continue;
    for (const [col, n] of cols) {
      const before = prev?.get(row)?.get(col);
      if (before === undefined) {
        out.push(reading(`interrupts ${row} ${col} nonzero`, n > 0 ? "yes" : "no", at));
      } else out.push(reading(`interrupts ${row} ${col} moved`, n > before ? "yes" : "no", at));
    }
  }
  return out;
}

/** Compares two reading lists by key; counts into `r`. */
function compare(
  expected: readonly Reading[],
  got: readonly Reading[],
  ctx: ExclusionContext,
  r: { readings: number; matched: number; mismatches: Mismatch[] },
): void {
  const mine = new Map<string, string[]>();
  for (const g of got) mine.set(g.key, [...(mine.get(g.key) ?? []), g.value]);
  for (const e of expected) {
    const want = compared(e.key, e.value, ctx);
    const values = mine.get(e.key) ?? [];
    const value = values.shift();
    if (want === null) continue;
    r.readings++;
    const have = value === undefined ? null : compared(e.key, value, ctx);
    if (have === want) r.matched++;
    else r.mismatches.push({ line: e.line, key: e.key, expected: e.value, got: value ?? "(none)" });
  }
  const line = expected[0]?.line ?? 0;
  for (const [key, values] of mine) {
    for (const v of values) {
      if (compared(key, v, ctx) === null) continue;
      r.readings++;
      r.mismatches.push({ line, key, expected: "(none)", got: v });
    }
  }
}

/** The shell's view of a write: exit status and stderr. */
function writeOutcome(
  g: Guest,
  path: string,
  value: string,
  append = false,
): { rc: string; err: string } {
  try {
    const w = g.machine.write(path, value, { append });
    return w.ok ? { rc: "0", err: "" } : { rc: "1", err: `sh: ${w.message}` };
  } catch (e) {
    if (e instanceof KernelError) return { rc: "(none)", err: `(${e.name}: ${e.message})` };
    return { rc: "(none)", err: `(${(e as Error).message})` };
  }
}

/**
 * Replays a transcript on a machine built from `options`, or on `start`: a machine that another
 * log left hibernated, powered on with these options (the boot that resumes its image).
 *
 * @throws {RangeError} when the options describe a machine hvtick cannot build.
 */
export function replay(
  t: Transcript,
  options: VmOptions,
  machine: string,
  start?: Machine,
  parkRace?: "passes",
): LogResult {
  return replayTo(t, options, machine, start, parkRace).result;
}

/**
 * {@linkcode replay}, and the machine as the log left it (a writer's, hibernated, for its resume).
 * `parkRace` takes that side of kthread_park()'s race (lib/fidelity/machine.ts `raceSides`).
 */
export function replayTo(
  t: Transcript,
  options: VmOptions,
  machine: string,
  start?: Machine,
  parkRace?: "passes",
): { result: LogResult; machine: Machine } {
  const g: Guest = { machine: start ? start.powerOn(options) : vm(options).build(), dmesgMark: 0 };
  if (parkRace) g.machine.parkRace = parkRace;
  const lapicStoodIn = new Set<string>();
  const lapicInUserspace = new Set<string>();
  const tickStopped = new Set<string>();
  const ctx: { -readonly [K in keyof ExclusionContext]: ExclusionContext[K] } = {
    lapicFrequencyKnown: options.features?.frequencyMsrs === true,
    lapicStoodIn,
    lapicInUserspace,
    restored: false,
    tickStopped,
  };
  const r = { readings: 0, matched: 0, mismatches: [] as Mismatch[] };
  const prevIrq: {
    real: Map<string, Map<string, number>> | null;
    model: Map<string, Map<string, number>> | null;
  } = {
    real: null,
    model: null,
  };
  const check = (line: number, key: string, expected: string, got: string) =>
    compare([reading(key, expected, line)], [reading(key, got, line)], ctx, r);
  const advanceTo = (ns: number) => {
    const now = g.machine.now;
    if (ns > now) g.machine.advance(ns - now);
  };
  for (const s of t.steps) step(s);
  return { result: { file: t.file, machine, ...r }, machine: g.machine };

  // A failed write whose rollback bound the CPU's LAPIC only in between (lib/fidelity/exclusions.ts
  // "lapic-stand-in").
  function noteStandIn(cpu: number, before: string | null, start: number): void {
    if (before === "lapic" || g.machine.boundDevice(cpu) === "lapic") return;
    const bound = g.machine.trace.some((e) =>
      e.type === "tick_setup_device" && e.cpu === cpu && e.device === "lapic" && e.time >= start
    );
    if (bound) lapicStoodIn.add(`CPU${cpu}`);
  }

  function step(s: Step): void {
    switch (s.kind) {
      case "time":
        advanceTo(s.cs * 10_000_000);
        // The log's first mark is its userspace starting: which CPUs still tick on the LAPIC
        // (lib/fidelity/exclusions.ts "lapic-ticks-across-restore").
        if (s === t.steps.find((x) => x.kind === "time")) {
          for (let cpu = 0; cpu < (options.cpus ?? 1); cpu++) {
            if (g.machine.boundDevice(cpu) === "lapic") lapicInUserspace.add(`CPU${cpu}`);
          }
        }
        return;
      case "write": {
        const cpu = /\/cpu(\d+)\/online$/.exec(s.path);
        const before = cpu ? g.machine.boundDevice(Number(cpu[1])) : null;
        const start = g.machine.monotonic;
        const got = writeOutcome(g, s.path, s.value, s.append);
        if (cpu && got.rc !== "0") noteStandIn(Number(cpu[1]), before, start);
        // A restore replaces the machine with the image (lib/fidelity/exclusions.ts).
        if (s.path === "/sys/power/resume" && got.rc === "0") ctx.restored = true;
        if (s.rc !== null) check(s.line, `echo ${s.value} > ${s.path}: rc`, String(s.rc), got.rc);
        if (s.rc !== null && s.err !== "?") {
          check(s.line, `echo ${s.value} > ${s.path}: stderr`, s.err, got.err);
        }
        return;
      }
      case "insmod": {
        // busybox insmod: 0, 1 on failure; a task killed in an oops exits with 128+SIGKILL.
        let rc: string;
        try {
          const r = g.machine.run({ kind: "modprobe", module: s.module });
          rc = r.killed ? "137" : r.ok ? "0" : "1";
        } catch (e) {
          rc = `(${(e as Error).message})`;
        }
        if (s.rc !== null) check(s.line, `insmod ${s.module}: rc`, String(s.rc), rc);
        return;
      }
      case "cycles": {
        let failures = 0;
        for (let i = 0; i < s.count; i++) {
          for (const v of ["0", "1"]) {
            if (writeOutcome(g, `/sys/devices/system/cpu/cpu${s.cpu}/online`, v).rc !== "0") {
              failures++;
            }
          }
        }
        return check(
          s.line,
          `cycle_cpu ${s.cpu} x${s.count}: failures`,
          String(s.failures),
          String(failures),
        );
      }
      case "console": {
        // What the serial console printed (the records below the console log level): the lines
        // a restore kernel printed are there, though the image's log replaced its dmesg.
        const want = relevantLines(s.text);
        const have = relevantLines(g.machine.console().split("\n")).slice(-want.length);
        return compare(
          want.map((l, i) => reading(`console[${i}]`, l, s.line)),
          want.length ? have.map((l, i) => reading(`console[${i}]`, l, s.line)) : [],
          ctx,
          r,
        );
      }
      case "action":
        if (s.action === "sleep") return advanceTo(g.machine.now + Math.round(Number(s.arg) * 1e9));
        // The rig's tracing scripts' own writes (lib/fidelity/rig_tracing.ts).
        if (s.action === "ftrace") {
          for (const w of FTRACE_ACTIONS[s.arg]) writeOutcome(g, w.path, w.value, w.append);
          return;
        }
        if (s.action === "poweroff") {
          try {
            g.machine.run({ kind: "poweroff" });
          } catch (e) {
            check(s.line, "poweroff", "powered off", `(${(e as Error).message})`);
          }
          return;
        }
        if (s.action === "swapon") {
          let rc: string;
          try {
            rc = g.machine.run({ kind: "swapon", device: s.arg }).ok ? "0" : "255";
          } catch (e) {
            rc = `(${(e as Error).message})`;
          }
          if (s.rc !== undefined) check(s.line, `swapon ${s.arg}: rc`, String(s.rc), rc);
          return;
        }
        // The rig's host killed a guest that made no progress: the model must be hung by then.
        if (s.action === "timeout") {
          return check(
            s.line,
            "guest stopped (host timeout)",
            "hung",
            g.machine.hung ? "hung" : "running",
          );
        }
        return;
      case "read": {
        const reader = READERS[s.reader];
        if (!reader) {
          return check(
            s.line,
            `reader ${s.reader}`,
            s.text.join("\n"),
            "(no such reader in the harness)",
          );
        }
        let mine: string[];
        try {
          mine = reader.render(g, s.arg, s.text);
        } catch (e) {
          mine = [`(the model cannot render this: ${(e as Error).message})`];
        }
        let expected = reader.parse(s.text, s.line, s.arg);
        let got = reader.parse(mine, s.line, s.arg);
        if (s.reader === "trace") ({ expected, got } = traceReadings(s.text, mine, s.line));
        const online = g.machine.cpus().filter((c) => c.online);
        if (s.reader === "snap") {
          // Which CPU reads a file matters when the CPUs' tick modes differ ("reader-cpu-tick-mode").
          ctx.tickModesDiffer = new Set(online.map((c) => c.mode)).size > 1;
          const a = parseSnapshot(s.text, s.line).interrupts as Map<string, Map<string, number>>;
          const b = parseSnapshot(mine, s.line).interrupts as Map<string, Map<string, number>>;
          expected = [...expected, ...irqMovement(a, prevIrq.real, s.line)];
          got = [...got, ...irqMovement(b, prevIrq.model, s.line)];
          prevIrq.real = a;
          prevIrq.model = b;
        }
        // The model's CPUs idling with their tick stopped (lib/fidelity/exclusions.ts
        // "idle-tick-stop").
        tickStopped.clear();
        for (const c of online) {
          if (c.deviceState === "ONESHOT_STOPPED") tickStopped.add(`cpu${c.cpu}`);
        }
        compare(expected, got, ctx, r);
        if (s.reader === "snap") {
          lapicStoodIn.clear();
          ctx.restored = false;
        }
        if (s.reader === "dmesg_since" || s.reader === "timer_list") {
          g.dmesgMark = g.machine.dmesg().split("\n").filter((l) => l !== "").length;
        }
        return;
      }
    }
  }
}
