/**
 * The two block kinds only `ops.sh` prints (rig/guest/ops.sh): the `OPS-HEADER` (`key: value`
 * lines; the readings among them become steps, the inputs are left to the host file) and one
 * `OP <i> <command>` block per operation.
 *
 * @module
 */

import { type Block, LogFormatError } from "./blocks.ts";
import { CONSOLE_LINE, type LineContext } from "./lines.ts";
import type { Step } from "./steps.ts";

const CPU = "/sys/devices/system/cpu";

/** OPS-HEADER keys that are readings of the guest, and the reader that renders each. */
const HEADER_READINGS: Readonly<Record<string, { reader: string; arg: string }>> = {
  uname_r: { reader: "uname_r", arg: "" },
  uname_a: { reader: "uname_a", arg: "" },
  nproc: { reader: "nproc", arg: "" },
  cpu_possible: { reader: "file", arg: `${CPU}/possible` },
  cpu_present: { reader: "file", arg: `${CPU}/present` },
  cpu_online: { reader: "file", arg: `${CPU}/online` },
  cpu_offline: { reader: "file", arg: `${CPU}/offline` },
  hypervisor_type: { reader: "hypervisor_type", arg: "" },
  hyperv_module: { reader: "module_line", arg: "hv_vmbus" },
  config: { reader: "config", arg: "" },
  printk_before: { reader: "printk", arg: "" },
};

/** OPS-HEADER keys that are the rig's inputs or its own bookkeeping (not the kernel's output). */
const HEADER_INPUTS = new Set([
  "ops_format",
  "rig_name",
  "cmdline",
  "rig_ops",
  "cpuinfo_flags",
  "config_source",
  "printk_now",
  "ops_settle_s",
  "n_ops",
]);

/** Reads the OPS-HEADER block. */
export function readOpsHeader(b: Block, c: LineContext, file: string): void {
  const config: string[] = [];
  b.body.forEach((l, i) => {
    const line = b.line + 1 + i;
    const cut = l.indexOf(": ");
    const key = cut < 0 ? l.replace(/:$/, "") : l.slice(0, cut);
    const value = cut < 0 ? "" : l.slice(cut + 2);
    if (key === "config") return void config.push(value);
    const r = HEADER_READINGS[key];
    if (r) {
      return void c.out.push({ kind: "read", line, reader: r.reader, arg: r.arg, text: [value] });
    }
    if (HEADER_INPUTS.has(key) || /^op\.\d+$/.test(key)) return;
    throw new LogFormatError(file, line, `unknown OPS-HEADER key '${key}' in '${l}'`);
  });
  if (config.length) {
    const line = b.line + 1 + b.body.findIndex((l) => l.startsWith("config: "));
    c.out.push({ kind: "read", line, reader: "config", arg: "", text: config });
  }
}

/** Splits `echo 'VALUE' > PATH` (ops.sh quotes device names) into value and path. */
/** QEMU's line when the rig's host kills it at its timeout (lib/fidelity/lines.ts reads it too). */
const HOST_TIMEOUT = /^qemu-system-\w+: terminating on signal 15 from pid \d+ \(timeout\)$/;

function echoCommand(command: string): { value: string; path: string } | null {
  const m = /^echo (?:'([^']*)'|(\S+)) > (\/\S+)$/.exec(command);
  return m ? { value: m[1] ?? m[2], path: m[3] } : null;
}

/** Reads one `OP <i> <command>` block: the action, its result, its dmesg lines, a crash. */
export function readOp(b: Block, m: RegExpExecArray, c: LineContext, file: string): void {
  const command = m[2];
  let rc: number | null = null;
  let err = "";
  const info = new Map<string, string>();
  const consoleLines: { line: number; text: string }[] = [];
  let dmesg: { line: number; lines: string[] } | null = null;
  // The rig's host killed a guest that made no progress during this op (rig/run-scenario.sh
  // TIMEOUT): QEMU's own line ends the log.
  let timedOut: number | null = null;
  for (let i = 0; i < b.body.length; i++) {
    const l = b.body[i];
    const line = b.line + 1 + i;
    const rcLine = /^rc=(\d+) err=(.*)$/.exec(l);
    if (HOST_TIMEOUT.test(l)) {
      timedOut = line;
    } else if (l.startsWith("rc=")) {
      // ops.sh prints the write's exit status and stderr once, as `rc=N err=TEXT`.
      if (!rcLine || rc !== null) {
        throw new LogFormatError(
          file,
          line,
          `cannot read '${l}': expected one 'rc=<exit status> err=<stderr>' line per OP block`,
        );
      }
      rc = Number(rcLine[1]);
      err = rcLine[2];
    } else if (l.startsWith("info: ")) {
      if (info.size) {
        throw new LogFormatError(file, line, `a second info: line in one OP block: '${l}'`);
      }
      const [pre, value = ""] = l.slice(6).split(" value=");
      for (const f of pre.split(" ")) {
        info.set(f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1));
      }
      info.set("value", value);
      // An operation the rig could not run (ran=0) has no times.
      const times = info.get("ran") === "0" ? /^\d*$/ : /^\d+$/;
      if (!info.get("spec") || !times.test(info.get("start_cs") ?? "")) {
        throw new LogFormatError(
          file,
          line,
          `cannot read '${l}': expected info: spec=OP verb=… ran=0|1 start_cs=N end_cs=N … value=…`,
        );
      }
    } else if (l.startsWith("note: ")) {
      continue;
    } else if (/^--- dmesg since previous op: (\d+) lines \(wrapped=[01]\)$/.test(l)) {
      const n = Number(/(\d+) lines/.exec(l)![1]);
      dmesg = { line: line + 1, lines: b.body.slice(i + 1, i + 1 + n) };
      i += n;
    } else if (CONSOLE_LINE.test(l) || l === "" || dmesg === null) {
      if (l !== "") consoleLines.push({ line, text: l });
    } else {
      throw new LogFormatError(
        file,
        line,
        `cannot read '${l}' in an OP block; expected rc=, info:, note:, --- dmesg …`,
      );
    }
  }
  const steps: Step[] = [];
  const start = info.get("start_cs");
  if (start) steps.push({ kind: "time", line: b.line, cs: Number(start) });
  if (command === "-") {
    // Not run: the rig could not build it (rig/guest/ops.sh), e.g. a state name missing from
    // hotplug/states, which is itself a reading of that file.
    const name = /^rig: cannot resolve state name '(.*)' \(not in hotplug\/states\)$/.exec(err);
    if (name) {
      steps.push({
        kind: "read",
        line: b.line + 1,
        reader: "state_number",
        arg: name[1],
        text: [""],
      });
    }
  } else if (command.startsWith("sleep ")) {
    steps.push({ kind: "action", line: b.line, action: "sleep", arg: command.slice(6) });
  } else {
    const echo = echoCommand(command);
    if (!echo) {
      throw new LogFormatError(
        file,
        b.line,
        `expected 'echo VALUE > PATH' or 'sleep S', found '${command}'`,
      );
    }
    steps.push({ kind: "write", line: b.line, path: echo.path, value: echo.value, rc, err });
  }
  if (consoleLines.length) {
    steps.push({
      kind: "console",
      line: consoleLines[0].line,
      text: consoleLines.map((x) => x.text),
    });
  }
  if (timedOut !== null) steps.push({ kind: "action", line: timedOut, action: "timeout", arg: "" });
  const end = info.get("end_cs");
  if (end) steps.push({ kind: "time", line: b.line + 1, cs: Number(end) });
  if (dmesg) {
    steps.push({
      kind: "read",
      line: dmesg.line,
      reader: "dmesg_since",
      arg: "",
      text: dmesg.lines,
    });
  }
  c.out.push(...steps);
}
