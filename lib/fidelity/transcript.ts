/**
 * Reads a rig console log into steps (lib/fidelity/steps.ts): the `ops.sh` format (rig/README.md,
 * "ops.sh log format") and the older scenario scripts (rig/guest/{hotplug,failinject,trace,
 * failtrace,failloop,noop,hibernate,hibernate-resume}.sh, which print through lib.sh). Each block
 * header is recognised from a table; the lines inside from lib/fidelity/lines.ts. Nothing keys on
 * the file name: what happened is read from what the log printed.
 *
 * @module
 */

import { type Block, blocks, LogFormatError } from "./blocks.ts";
import {
  CONSOLE_LINE,
  finishCollect,
  finishWrite,
  LINE_RECOGNISERS,
  type LineContext,
  TRACE_LINE,
} from "./lines.ts";
import { failtraceSetup, runtimeSetup, tracedBlock } from "./rig_tracing.ts";
import { readOp, readOpsHeader } from "./ops_format.ts";
import type { Step } from "./steps.ts";

/** A log read into steps. */
export interface Transcript {
  /** The file, as given. */
  readonly file: string;
  /** `ops` (an ops.sh run) or `scenario` (a lib.sh scenario script). */
  readonly format: "ops" | "scenario";
  /** The steps, in log order. */
  readonly steps: readonly Step[];
}

type BlockReader = (b: Block, m: RegExpExecArray, c: LineContext, file: string) => void;

/**
 * Where a reading's own lines end: the scripts print their next lines (`+ echo …`, `RIG-END …`,
 * `round N: …`, a state number) after a reading without a header of their own. A snapshot's or
 * tick device's lines are its sections, `key: value` lines, interrupt rows and tick-device fields.
 */
const READING_LINE =
  /^(?:--- |cpu\/\w+: |clockevent\d+: |broadcast: |current_clocksource: |available_clocksource: |cpu\d+: online=|\s+CPU\d|\s*\w+:\s+\d|Tick Device:|Broadcast device|Per CPU device:|Clock Event Device:|Wakeup Device:|tick_broadcast|\s\w[\w ]*:|$)/;

// A block that is one reading; lib.sh's next command (`+ echo …`) may follow it in the same block.
const whole = (
  reader: string,
  arg: (m: RegExpExecArray, b: Block) => string = () => "",
  most = Infinity,
): BlockReader =>
(b, m, c, file) => {
  const structured = reader === "snap" || reader === "tick_device";
  // A kernel log is stamped lines only: the script's next output (a state number, `ls`) ends it.
  const stamped = reader.startsWith("dmesg_");
  // A reading of at most `most` lines: what follows is the script's own output (failloop.sh
  // prints its state number under the uname block).
  const end = b.body.findIndex((l, i) =>
    i >= most || /^\+ /.test(l) || (structured && !READING_LINE.test(l)) ||
    (stamped && l !== "" && !CONSOLE_LINE.test(l))
  );
  const text = end < 0 ? b.body : b.body.slice(0, end);
  c.out.push({ kind: "read", line: b.line + 1, reader, arg: arg(m, { ...b, body: text }), text });
  if (end >= 0) lineByLine({ ...b, line: b.line + end, body: b.body.slice(end) }, c, file);
};

/**
 * A snapshot's or tick device's reading with the kernel's console lines that came out in the
 * middle of it lifted out: the console is one stream, so a line the kernel printed while the
 * script was printing its sections (`[    4.283563] input: ImExPS/2 …` between `--- clockevents`
 * and `clockevent0: lapic` in k5.4-hv-direct-vmbus-hibernate-verbose.log, loglevel=7) lands
 * between two of them. Lifted only when more of the reading follows (a section, `key: value`
 * line); console lines at a reading's end still end it, as before. The lifted lines are compared
 * after the reading, as console output.
 */
const structuredWhole =
  (reader: string, arg?: (m: RegExpExecArray, b: Block) => string) =>
  (b: Block, m: RegExpExecArray, c: LineContext, file: string) => {
    if (reader !== "snap" && reader !== "tick_device") return whole(reader, arg)(b, m, c, file);
    const body: string[] = [];
    const lifted: { line: number; text: string[] } = { line: 0, text: [] };
    for (let i = 0; i < b.body.length; i++) {
      const l = b.body[i];
      if (CONSOLE_LINE.test(l)) {
        let j = i;
        while (j < b.body.length && CONSOLE_LINE.test(b.body[j])) j++;
        const next = b.body[j];
        if (next !== undefined && next !== "" && !/^\+ /.test(next) && READING_LINE.test(next)) {
          if (!lifted.text.length) lifted.line = b.line + 1 + i;
          lifted.text.push(...b.body.slice(i, j));
          i = j - 1;
          continue;
        }
        body.push(...b.body.slice(i));
        break;
      }
      body.push(l);
    }
    whole(reader, arg)({ ...b, body }, m, c, file);
    if (lifted.text.length) {
      const at = c.out.findLastIndex((s) => s.kind === "read" && s.line === b.line + 1);
      c.out.splice(at + 1, 0, { kind: "console", line: lifted.line, text: lifted.text });
    }
  };

const timed = (reader: string): BlockReader => (b, m, c, file) => {
  c.out.push({ kind: "time", line: b.line, cs: Number(m[1]) });
  structuredWhole(reader)(b, m, c, file);
};

/** Reads a block's body line by line (lib/fidelity/lines.ts). */
function lineByLine(b: Block, c: LineContext, file: string): void {
  const first = b.body.findIndex((l) => /\/cpu(\d+)\//.test(l));
  if (first >= 0) c.cpu = Number(/\/cpu(\d+)\//.exec(b.body[first])![1]);
  let console: { line: number; text: string[] } | null = null;
  const flushConsole = () => {
    if (console) {
      (c.pending?.console ?? c.out).push({
        kind: "console",
        line: console.line,
        text: console.text,
      });
    }
    console = null;
  };
  b.body.forEach((l, i) => {
    const line = b.line + 1 + i;
    if (c.collecting && c.collecting.accepts.test(l) && !/^--- /.test(l) && !/^\+ /.test(l)) {
      return void c.collecting.text.push(l);
    }
    if (CONSOLE_LINE.test(l) || l === "Killed") {
      finishCollect(c);
      console ??= { line, text: [] };
      return void console.text.push(l);
    }
    flushConsole();
    if (l === "") return;
    for (const r of LINE_RECOGNISERS) {
      const m = r.pattern.exec(l);
      if (!m) continue;
      if (!c.collecting || !/^(--- |filter )/.test(l)) finishCollect(c);
      r.read(m, line, c);
      return;
    }
    throw new LogFormatError(
      file,
      line,
      `cannot read '${l}' under '${b.header ?? "(start of log)"}'; expected one of: ` +
        LINE_RECOGNISERS.map((r) => r.what).join("; "),
    );
  });
  flushConsole();
  finishCollect(c);
}

/** The blocks this harness reads, by header. */
const BLOCKS: readonly { header: RegExp; read: BlockReader }[] = [
  { header: /^OPS-HEADER format=1$/, read: (b, _m, c, f) => readOpsHeader(b, c, f) },
  { header: /^OP (\d+) (.*)$/, read: (b, m, c, f) => readOp(b, m, c, f) },
  {
    header: /^OPS-END n_ops=\d+ uptime_cs=(\d+)$/,
    read: (b, m, c) => void c.out.push({ kind: "time", line: b.line, cs: Number(m[1]) }),
  },
  { header: /^SNAPSHOT .* \(uptime_cs=(\d+)\)$/, read: timed("snap") },
  { header: /^TIMER_LIST .* \(uptime_cs=(\d+)\)$/, read: timed("timer_list") },
  {
    header: /^(?:HOTPLUG-STATES|\/sys\/devices\/system\/cpu\/hotplug\/states)$/,
    read: whole("states"),
  },
  { header: /^uname$/, read: whole("uname_a", undefined, 1) },
  { header: /^\/sys\/hypervisor$/, read: whole("sys_hypervisor") },
  { header: /^kallsyms \(hyperv timer symbols present in vmlinux\)$/, read: whole("kallsyms") },
  {
    header: /^tick device (?:cpu(\d+)|broadcast) \(.*\)$/,
    read: structuredWhole("tick_device", (m) => m[1] ?? "bc"),
  },
  { header: /^dmesg \((?:grep .*|relevant)\)$/, read: whole("dmesg_grep") },
  {
    header:
      /^(?:dmesg tail after hotplug|[AB]\. dmesg tail|C\. dmesg tail after restore|dmesg tail|dmesg after insmod \(tail\))$/,
    read: whole("dmesg_tail", (_m, b) => String(b.body.length)),
  },
  { header: /^full dmesg$/, read: whole("dmesg_full") },
  // run-scenario.sh's `poweroff -f`: the kernel's power-off lines follow on the console.
  {
    header: /^poweroff$/,
    read: (b, m, c, f) => {
      c.out.push({ kind: "action", line: b.line, action: "poweroff", arg: "" });
      whole("console_text")(b, m, c, f);
    },
  },
  // Inputs the harness takes from the host file (the kernel command line, the host CPU's flags).
  { header: /^(?:\/proc\/cmdline|cpuinfo flags \(cpu0\))$/, read: () => {} },
  {
    header: /^insmod \S*\/(\w+)\.ko(?:\.xz)?$/,
    read: (b, m, c, f) => {
      lineByLine({ ...b, body: b.body.filter((l) => !/^insmod rc=/.test(l)) }, c, f);
      const rc = b.body.map((l) => /^insmod rc=(\d+) elapsed_cs=(\d+)$/.exec(l)).find((x) => x);
      const at = c.out.findIndex((s) => s.kind === "console" && s.line > b.line);
      const step: Step = {
        kind: "insmod",
        line: b.line,
        module: m[1],
        rc: rc ? Number(rc[1]) : null,
        ...(rc ? { elapsedCs: Number(rc[2]) } : {}),
      };
      if (at >= 0) c.out.splice(at, 0, step);
      else c.out.push(step);
    },
  },
  {
    header: /^timing: offline\+online cycles of cpu\d+$/,
    read: (b, _m, c, f) => lineByLine(b, c, f),
  },
  {
    // trace.sh: tracing was started by the setup for the offline; the online restarts it and
    // sleeps a second; failtrace.sh's traced() restarts it and sleeps a second.
    header:
      /^(?:(offline) cpu\d+ \(traced\)|online cpu\d+ \(traced\)|fail \d+ \(.*\) during (?:on|off)line)$/,
    read: (b, m, c, f) => {
      const { before, after } = tracedBlock(b.line, m[1] === undefined, m[1] ? 0 : 1);
      c.out.push(...before);
      // The command's lines, then the trace: tracing stops between them.
      const end = b.body.findIndex((l) => TRACE_LINE.test(l) || /^--- /.test(l));
      const cut = end < 0 ? b.body.length : end;
      lineByLine({ ...b, body: b.body.slice(0, cut) }, c, f);
      finishWrite(c, null);
      c.out.push(...after);
      lineByLine({ ...b, line: b.line + cut, body: b.body.slice(cut) }, c, f);
    },
  },
  {
    header: /^runtime trace setup$/,
    read: (b, _m, c, f) => {
      const { before, after } = runtimeSetup(b.line);
      c.out.push(...before);
      lineByLine(b, c, f);
      c.out.push(...after);
    },
  },
  {
    header: /^(?:fail-inject state=.*|boot-time trace .*|[ABC]\. .*|\/sys\/power)$/,
    read: (b, _m, c, f) => lineByLine(b, c, f),
  },
];

/**
 * Reads a log. `file` names it in errors.
 *
 * @example
 * ```ts
 * import { readTranscript } from "./transcript.ts";
 * import assert from "node:assert/strict";
 * const t = readTranscript(
 *   "RIG-BEGIN name=x profile=plain uptime_cs=300\n\n===== uname =====\nLinux (none) 6.1.0\n\n" +
 *     "===== fail-inject state=201 (x86/hyperv_init:online) direction=on =====\n" +
 *     "+ echo 1 > /sys/devices/system/cpu/cpu2/online\n" +
 *     "sh: write error: Resource temporarily unavailable\n  rc=1\n",
 *   "x.log",
 * );
 * assert.deepEqual(t.steps.map((s) => s.kind), ["time", "read", "write"]);
 * assert.equal(t.steps[2].kind === "write" && t.steps[2].err, "sh: write error: Resource temporarily unavailable");
 * ```
 */
export function readTranscript(text: string, file: string): Transcript {
  // A script that never prints its CPU's path (failloop.sh's rounds) cycles the CPU the kernel log
  // shows going offline.
  const cycled = [...text.matchAll(/smpboot: CPU (\d+) is now offline/g)].map((m) => Number(m[1]));
  const common =
    cycled.sort((a, b) =>
      cycled.filter((x) => x === b).length - cycled.filter((x) => x === a).length
    )[0];
  const c: LineContext = { cpu: common ?? null, pending: null, collecting: null, out: [] };
  let format: "ops" | "scenario" = "scenario";
  for (const b of blocks(text)) {
    if (b.header === null) {
      lineByLine(b, c, file);
      continue;
    }
    const known = BLOCKS.find((k) => k.header.test(b.header!));
    if (!known) {
      throw new LogFormatError(
        file,
        b.line,
        `cannot read the block '===== ${b.header} ====='; expected one of: ` +
          BLOCKS.map((k) => k.header.source).join(", "),
      );
    }
    if (b.header.startsWith("OPS-HEADER")) format = "ops";
    known.read(b, known.header.exec(b.header)!, c, file);
    finishCollect(c);
    if (!b.header.startsWith("OP ")) finishWrite(c, null);
  }
  finishWrite(c, null);
  return { file, format, steps: failtraceSetup(consoleAfterWrites(timeModuleLoads(c.out))) };
}

/**
 * A write's first console lines can come out before the shell's `+ echo …` that announced it: the
 * shell's output waits in the tty layer's buffer, the kernel writes its console lines at once, so
 * the serial log may show them first (logs/k5.10-hv-direct-hibernate-verbose.log:531, `hibernation
 * entry` before `+ echo disk`). Console lines followed by a write with only uptime marks between
 * are compared after that write, together with its own: the console is one stream, so the lines
 * since the last comparison are the same either way.
 */
function consoleAfterWrites(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    let j = i + 1;
    while (j < steps.length && steps[j].kind === "time") j++;
    if (s.kind !== "console" || steps[j]?.kind !== "write") {
      out.push(s);
      continue;
    }
    const text = [...s.text];
    let k = j + 1;
    for (; k < steps.length && steps[k].kind === "console"; k++) {
      text.push(...(steps[k] as { text: readonly string[] }).text);
    }
    out.push(...steps.slice(i + 1, j + 1), { kind: "console", line: s.line, text });
    i = k - 1;
  }
  return out;
}

/**
 * A module load happens where the kernel log says: the rig's `/init` prints `dmesg | tail` right
 * after `insmod`, and when its last line is newer than the uptime the log had reached, the load
 * ended then (it took `elapsed_cs`). The load is placed at that time, so the machine runs until
 * it (a LAPIC keeps ticking until VMbus replaces it).
 */
function timeModuleLoads(steps: Step[]): Step[] {
  const out: Step[] = [];
  steps.forEach((s, i) => {
    if (s.kind === "insmod" && s.elapsedCs !== undefined) {
      const tail = steps.slice(i + 1).find((x) => x.kind === "read" && x.reader === "dmesg_tail");
      const stamp = tail && tail.kind === "read"
        ? /^\[\s*(\d+)\.(\d{2})/.exec(tail.text.at(-1) ?? "")
        : null;
      if (stamp) {
        out.push({
          kind: "time",
          line: s.line,
          cs: Number(stamp[1]) * 100 + Number(stamp[2]) - s.elapsedCs,
        });
      }
    }
    out.push(s);
  });
  return out;
}
