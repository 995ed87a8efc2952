/**
 * The lines rig/guest/lib.sh and its scenario scripts print, one recogniser each: a pattern and
 * the steps it stands for. Lines that no recogniser reads make the log unreadable (the harness
 * says which line and what it expected), so nothing a log shows is skipped unknowingly.
 *
 * @module
 */

import type { Step, WriteStep } from "./steps.ts";

/** Where the recognisers keep what spans lines: the write being printed, the CPU in play. */
export interface LineContext {
  /** The block's CPU (the `cpuN` its commands name), for `before:`/`after:` lines. */
  cpu: number | null;
  /** The write whose `rc=` line has not come yet. */
  pending: {
    line: number;
    path: string;
    value: string;
    err: string[];
    /** Console lines the kernel printed while the write ran: compared after it. */
    console: Step[];
  } | null;
  /** A multi-line reading being collected, closed by the next recognised line. */
  collecting: { reader: string; arg: string; line: number; text: string[]; accepts: RegExp } | null;
  /** Steps so far. */
  readonly out: Step[];
}

const CPU = "/sys/devices/system/cpu";
const file = (line: number, path: string, value: string): Step => ({
  kind: "read",
  line,
  reader: "file",
  arg: path,
  text: [value],
});

/** Ends the pending write with its exit status. */
export function finishWrite(c: LineContext, rc: number | null): void {
  const p = c.pending;
  if (!p) return;
  const w: WriteStep = {
    kind: "write",
    line: p.line,
    path: p.path,
    value: p.value,
    rc,
    err: p.err.join("\\n"),
  };
  c.out.push(w, ...p.console);
  c.pending = null;
}

/** Ends the reading being collected. */
export function finishCollect(c: LineContext): void {
  const r = c.collecting;
  if (!r) return;
  c.out.push({ kind: "read", line: r.line, reader: r.reader, arg: r.arg, text: r.text });
  c.collecting = null;
}

/** Opens a multi-line reading whose lines match `accepts`. */
function collect(c: LineContext, reader: string, arg: string, line: number, accepts: RegExp): void {
  finishCollect(c);
  c.collecting = { reader, arg, line: line + 1, text: [], accepts };
}

/** A kernel console line (`[    1.234567] …`), as printed during an oops or panic. */
export const CONSOLE_LINE = /^\[\s*\d+\.\d+\] /;
/** An ftrace text line (`comm-pid [cpu] flags timestamp: event`). */
export const TRACE_LINE = /^\s*\S.*-\d+\s+\[\d{3}\] \S+\s+\d+\.\d+: /;
const TICK_LINE =
  /^(Tick Device:|Broadcast device|Per CPU device:|Clock Event Device:| \S|Wakeup Device:|$)/;

/** One line recogniser. */
interface Recogniser {
  /** What the line is, for error messages. */
  readonly what: string;
  readonly pattern: RegExp;
  read(m: RegExpExecArray, line: number, c: LineContext): void;
}

const cpuField = (c: LineContext, line: number, m: string, field: string, value: string) => {
  if (c.cpu === null) return;
  c.out.push(file(line, `${CPU}/cpu${c.cpu}/${field}`, value));
  void m;
};

/** Every line recogniser, tried in order. */
export const LINE_RECOGNISERS: readonly Recogniser[] = [
  {
    what: "`RIG-BEGIN …`, `RIG-END …`, `RIG-*-TRIGGER`/`-WRITE uptime_cs=N`",
    pattern: /^RIG-(?:BEGIN .*|END|HIBERNATE-WRITE|RESUME-TRIGGER) ?.*uptime_cs=(\d+)$/,
    read: (m, line, c) => void c.out.push({ kind: "time", line, cs: Number(m[1]) }),
  },
  {
    what: "`RIG-HIBERNATE-RETURNED rc=N uptime_cs=N`",
    pattern: /^RIG-HIBERNATE-RETURNED rc=(\d+) uptime_cs=(\d+)$/,
    read: (m, line, c) => {
      finishWrite(c, Number(m[1]));
      c.out.push({ kind: "time", line, cs: Number(m[2]) });
    },
  },
  {
    what: "`+ echo VALUE > PATH`",
    pattern: /^\+ echo (.*) > (\/\S+)$/,
    read: (m, line, c) => {
      finishWrite(c, null);
      const cpu = /\/cpu(\d+)\//.exec(m[2]);
      if (cpu) c.cpu = Number(cpu[1]);
      c.pending = { line, path: m[2], value: m[1], err: [], console: [] };
    },
  },
  {
    what: "`  rc=N`",
    pattern: /^ {2}rc=(\d+)(?: elapsed_cs=\d+)?$/,
    read: (m, _line, c) => finishWrite(c, Number(m[1])),
  },
  {
    what: "a shell error (`sh: write error: …`)",
    pattern: /^sh: write error: .*$/,
    read: (m, _line, c) => void c.pending?.err.push(m[0]),
  },
  {
    what: "`before: state=… target=… fail=…`",
    pattern: /^before: state=(-?\d+) target=(-?\d+) fail=(-?\d+)$/,
    read: (m, line, c) => {
      cpuField(c, line, m[0], "hotplug/state", m[1]);
      cpuField(c, line, m[0], "hotplug/target", m[2]);
      cpuField(c, line, m[0], "hotplug/fail", m[3]);
    },
  },
  {
    what: "`fail now: N`",
    pattern: /^fail now: (-?\d+)$/,
    read: (m, line, c) => cpuField(c, line, m[0], "hotplug/fail", m[1]),
  },
  {
    what: "`after:  state=… target=… fail=… online=…`",
    pattern: /^after: {2}state=(-?\d+) target=(-?\d+) fail=(-?\d+) online=(\d)$/,
    read: (m, line, c) => {
      cpuField(c, line, m[0], "hotplug/state", m[1]);
      cpuField(c, line, m[0], "hotplug/target", m[2]);
      cpuField(c, line, m[0], "hotplug/fail", m[3]);
      cpuField(c, line, m[0], "online", m[4]);
    },
  },
  {
    what: "`--- after: state=… online=… fail=…`",
    pattern: /^--- after: state=(-?\d+) online=(\d) fail=(-?\d+)$/,
    read: (m, line, c) => {
      finishCollect(c);
      cpuField(c, line, m[0], "hotplug/state", m[1]);
      cpuField(c, line, m[0], "online", m[2]);
      cpuField(c, line, m[0], "hotplug/fail", m[3]);
      collect(c, "clockevents", "", line, /^(clockevent\d+|broadcast): /);
    },
  },
  {
    what: "`--- clockevents`",
    pattern: /^--- clockevents$/,
    read: (_m, line, c) => collect(c, "clockevents", "", line, /^(clockevent\d+|broadcast): /),
  },
  {
    what: "`--- tick device cpuN`",
    pattern: /^--- tick device cpu(\d+)$/,
    read: (m, line, c) => collect(c, "tick_device", m[1], line, TICK_LINE),
  },
  {
    what: "`--- dmesg tail`",
    pattern: /^--- dmesg tail$/,
    read: (_m, line, c) => collect(c, "dmesg_tail", "", line, /^\[\s*\d+\.\d+\] |^\S|^\s/),
  },
  {
    what: "`ls: /sys/bus/vmbus/devices: No such file or directory`",
    pattern: /^ls: \/sys\/bus\/vmbus\/devices: No such file or directory$/,
    read: (m, line, c) =>
      void c.out.push({ kind: "read", line, reader: "vmbus_devices", arg: "", text: [m[0]] }),
  },
  {
    what: "`NAME state number: 'N'`",
    pattern: /^(.+) state number: '(\d*)'(?: rounds: \d+)?$/,
    read: (m, line, c) => {
      const name = m[1] === "hyperv stimer starting" ? "clockevents/hyperv/stimer:starting" : m[1];
      c.out.push({ kind: "read", line, reader: "state_number", arg: name, text: [m[2]] });
    },
  },
  {
    what: "`STATE=N STATE=N` (state numbers)",
    pattern: /^(\S+:\S+)=(\d*) (\S+:\S+)=(\d*)$/,
    read: (m, line, c) => {
      c.out.push({ kind: "read", line, reader: "state_number", arg: m[1], text: [m[2]] });
      c.out.push({ kind: "read", line, reader: "state_number", arg: m[3], text: [m[4]] });
    },
  },
  {
    what: "`filter + FUNCTION` / `filter - FUNCTION (not traceable)`",
    // trace.sh / failtrace.sh: `echo FUNCTION >> set_ftrace_filter` and whether it worked.
    pattern: /^filter ([+-]) (\S+)( \(not traceable\))?$/,
    read: (m, line, c) =>
      void c.out.push({
        kind: "write",
        line,
        path: "/sys/kernel/tracing/set_ftrace_filter",
        value: m[2],
        append: true,
        rc: m[1] === "+" ? 0 : 1,
        err: "?",
      }),
  },
  {
    what: "`current_tracer=NAME`",
    pattern: /^current_tracer=(\S+)$/,
    read: (m, line, c) =>
      void c.out.push({
        kind: "read",
        line,
        reader: "file",
        arg: "/sys/kernel/tracing/current_tracer",
        text: [m[1]],
      }),
  },
  {
    what: "`--- set_ftrace_filter`",
    pattern: /^--- set_ftrace_filter$/,
    read: (_m, line, c) => collect(c, "ftrace_filter", "", line, /^[\w.]+$/),
  },
  {
    what: "`--- trace`",
    pattern: /^--- trace$/,
    read: (_m, line, c) => collect(c, "trace", "", line, TRACE_LINE),
  },
  {
    what: "an ftrace line",
    pattern: TRACE_LINE,
    read: (m, line, c) => {
      if (c.collecting?.reader !== "trace") collect(c, "trace", "", line - 1, TRACE_LINE);
      c.collecting!.text.push(m.input);
    },
  },
  {
    what: "`round N: offline rc=…; fail=S online rc=… state=…; online rc=… state=… ce=…`",
    pattern:
      /^round \d+: offline rc=(\d+); fail=(-?\d+) online rc=(\d+) state=(-?\d+); online rc=(\d+) state=(-?\d+) ce=(.*)$/,
    read: (m, line, c) => {
      const v = c.cpu ?? 0;
      const w = (path: string, value: string, rc: string): Step => ({
        kind: "write",
        line,
        path,
        value,
        rc: Number(rc),
        err: "?",
      });
      c.out.push(
        w(`${CPU}/cpu${v}/online`, "0", m[1]),
        w(`${CPU}/cpu${v}/hotplug/fail`, m[2], "0"),
      );
      c.out.push(
        w(`${CPU}/cpu${v}/online`, "1", m[3]),
        file(line, `${CPU}/cpu${v}/hotplug/state`, m[4]),
      );
      c.out.push(
        w(`${CPU}/cpu${v}/online`, "1", m[5]),
        file(line, `${CPU}/cpu${v}/hotplug/state`, m[6]),
      );
      c.out.push(file(line, `/sys/devices/system/clockevents/clockevent${v}/current_device`, m[7]));
    },
  },
  {
    what: "`cycle_cpu cpu=N cycles=K failures=F …`",
    pattern: /^cycle_cpu cpu=(\d+) cycles=(\d+) failures=(\d+) elapsed_cs=\d+ per_cycle_ms=\d+$/,
    read: (m, line, c) =>
      void c.out.push({
        kind: "cycles",
        line,
        cpu: Number(m[1]),
        count: Number(m[2]),
        failures: Number(m[3]),
      }),
  },
  {
    what: "`insmod PATH rc=N`",
    pattern: /^insmod \S*\/(\w+)\.ko(?:\.xz)? rc=(\d+)$/,
    read: (m, line, c) => void c.out.push({ kind: "insmod", line, module: m[1], rc: Number(m[2]) }),
  },
  {
    what: "`pm_test now: …`",
    pattern: /^pm_test now: (.*)$/,
    read: (m, line, c) => void c.out.push(file(line, "/sys/power/pm_test", m[1])),
  },
  {
    what: "`/sys/power/FILE: VALUE`",
    pattern: /^(\/sys\/power\/\w+): (.*)$/,
    read: (m, line, c) => void c.out.push(file(line, m[1], m[2])),
  },
  {
    what: "`swapon rc=N`",
    pattern: /^swapon rc=(\d+)$/,
    // rig/guest/hibernate.sh runs `swapon /dev/vda` (the device it lists with `ls -l` before).
    read: (m, line, c) =>
      void c.out.push({
        kind: "action",
        line,
        action: "swapon",
        arg: "/dev/vda",
        rc: Number(m[1]),
      }),
  },
  {
    what: "`MAJ:MIN` / `vda dev: MAJ:MIN` (`cat /sys/block/vda/dev`)",
    pattern: /^(?:vda dev: )?(\d+:\d+)$/,
    read: (m, line, c) => void c.out.push(file(line, "/sys/block/vda/dev", m[1])),
  },
  {
    what:
      "block-device and swap tool output (`mkswap`, `ls -l /dev/vda`, `/proc/swaps`, `swapoff`)",
    pattern:
      /^(?:brw\S+ .* \/dev\/vda|Setting up swapspace .*|UUID=\S+|mkswap rc=\d+|swapoff rc=\d+|Filename\s+Type\s+Size.*|\/dev\/vda\s+partition.*)$/,
    read: () => {},
  },
  {
    what:
      "`qemu-system-x86_64: terminating on signal 15 … (timeout)` (the host killed a guest that stopped)",
    pattern: /^qemu-system-\w+: terminating on signal 15 from pid \d+ \(timeout\)$/,
    read: (_m, line, c) => {
      finishWrite(c, null);
      c.out.push({ kind: "action", line, action: "timeout", arg: "" });
    },
  },
  {
    what: "`skipped (rig.fi_skip=…)`, `RIG-RESUME-NO-IMAGE`",
    pattern: /^(?:skipped \(rig\.fi_skip=.*\)|RIG-RESUME-NO-IMAGE)$/,
    read: () => {},
  },
];
