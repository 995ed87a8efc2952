/**
 * The REPL commands that change the machine: `vm`, then one command per operation of the
 * operation table (lib/ops/operations.ts) — its grammar, summary and cost come from the table;
 * this file adds only how the REPL shows each result.
 *
 * @module
 */

import {
  ERRNO,
  formatTime,
  type HotplugResult,
  type Operation,
  OPERATION_NAMES,
  type OperationName,
  type OperationResult,
  type WriteResult,
} from "../../mod.ts";
import { OPERATIONS, type OperationSpec } from "../../lib/ops/operations.ts";
import { VM_GRAMMAR, vmOptions } from "../../lib/ops/vm_line.ts";
import { presetFlags, VM_PRESETS } from "../../lib/kernels/presets.ts";
import { type Command, parse, type Result, type Shell } from "../command.ts";
import { describeVm } from "../format.ts";
import { advanceUntil, inSlices, UNTIL_OPTION } from "../until.ts";
import { breakpointsOf, devicesNow, stopLines, stopResult } from "../stops.ts";

/**
 * The text of any operation's result: its message; a refusal is a failed command, with the
 * kernel's reason on a `why:` line when the result gives one.
 */
function plain(r: OperationResult): Result {
  if (r.ok) return { text: r.message, result: r };
  const errno = "errno" in r ? r.errno : null;
  const why = "why" in r ? r.why : null;
  const race = "race" in r ? r.race : null;
  const text =
    (why
      ? `${r.message.endsWith(`: ${why}`) ? r.message.slice(0, -why.length - 2) : r.message}\n` +
        `  why: ${why}`
      : r.message) + (race ? `\n  race: ${race}` : "");
  return { text, result: r, ok: false, error: { errno, message: r.message } };
}

/** `online` / `offline`: the message, each tick-device change, and on failure the shell's words. */
function hotplugText(r: HotplugResult): Result {
  const changes = r.changes.map((c) => {
    const where = c.step === null
      ? `state ${c.state}`
      : `${c.teardown ? "teardown" : "startup"} of ${c.step} ${c.stepName}`;
    return `  ${c.device ?? "(none)"} <- ${c.previous ?? "(none)"}   during ${where}`;
  });
  if (r.ok) return { text: [r.message, ...changes].join("\n"), result: r };
  const error = r.hang
    ? { errno: null, message: `hung: ${r.hang.reason}` }
    : { errno: r.errno, message: r.message };
  const shell = r.hang
    ? [
      `${r.operation}: the write to cpu${r.cpu}/online never returns: the machine is hung`,
      `  why: ${r.hang.reason}`,
      ...(r.reason?.race ? [`  race: ${r.reason.race}`] : []),
    ]
    : [
      `${r.operation}: write error: ${ERRNO[r.errno!].text} (${r.errno})`,
      `  why: ${r.reason!.text}`,
    ];
  return { text: [...shell, ...changes].join("\n"), result: r, ok: false, error };
}

/** `echo`: silent on success, like the shell; `echo: …` with the errno otherwise. */
function echoText(w: WriteResult): Result {
  if (w.ok) return { text: "", result: w };
  const message = w.hang
    ? `write never returns: the machine is hung (${w.hang.reason})`
    : w.message;
  return {
    text: `echo: ${message}${w.errno ? ` (${w.errno})` : ""}${
      w.why && !w.hang ? `\n  why: ${w.why}` : ""
    }${w.race ? `\n  race: ${w.race}` : ""}`,
    result: w,
    ok: false,
    error: { errno: w.errno, message },
  };
}

/** How the REPL shows an operation's result, where it shows more than the message. */
type Presentation = (r: OperationResult, session: Shell) => Result;

/** The command of operation `kind`: the table's grammar and help, shown by `present`. */
function operationCommand(kind: OperationName, present: Presentation = plain): Command {
  const spec = OPERATIONS[kind] as unknown as OperationSpec;
  return {
    name: kind,
    summary: spec.summary,
    ...(spec.cost ? { cost: spec.cost } : {}),
    ...spec.grammar,
    logs: true,
    run(session, argv) {
      const m = session.machine!;
      const op: Operation = spec.parse(parse(this, argv), { cpus: m.cpuCount });
      const breakpoints = breakpointsOf(m);
      if (breakpoints.length === 0 || kind === "reset") return present(m.run(op), session);
      // With breakpoints the operation runs until one holds (repl/commands/stepping.ts).
      const devices = devicesNow(m);
      const r = m.runUntil(breakpoints.map((b) => b.condition), { operation: op });
      if (!r.stopped) return present(r.result!, session);
      const done = r.result ? present(r.result, session) : null;
      return {
        ...stopResult(done, stopLines(m, devices, r.stopped), r),
        // The session log holds operations that ran whole: this one is logged when it ends.
        logged: !m.stopped,
      };
    },
  };
}

/** How the REPL shows the result of an operation of kind `kind` (also after `continue`). */
export function presentResult(kind: OperationName, r: OperationResult, session: Shell): Result {
  return (PRESENT[kind] ?? plain)(r, session);
}

/** `advance`: in slices, so that Ctrl-C and progress get through; the log says what really ran. */
const advance: Command = {
  ...operationCommand("advance"),
  options: { exact: { type: "boolean", help: "show times as exact nanoseconds" }, ...UNTIL_OPTION },
  async run(session, argv, ctx) {
    const spec = OPERATIONS.advance;
    const m = session.machine!;
    const parsed = parse(this, argv);
    if (parsed.values.until !== undefined || breakpointsOf(m).length > 0) {
      return await advanceUntil(session, parsed, ctx);
    }
    const total = spec.parse(parsed, { cpus: m.cpuCount }).ns;
    const time = (ns: number) => formatTime(ns, { exact: parsed.values.exact === true });
    const start = m.now;
    let handled = 0;
    const done = await inSlices(
      total,
      ctx,
      time,
      (limit) => {
        handled += m.advance(limit);
        return { passed: limit, stop: false };
      },
    );
    const stopped = done < total;
    // Ctrl-C stops between two slices: every interrupt of the time passed has run, none later.
    const where = stopped ? " (Ctrl-C), between two interrupt instants" : "";
    const text = `${stopped ? "interrupted after" : "advanced"} ${time(done)}${where}: now t=${
      time(m.now)
    }, jiffies ${m.jiffies}, ${handled} device interrupts`;
    // The log records what really happened, so a load replays to the same state.
    // --exact only changes how this command shows time: the log keeps the operation alone.
    if (stopped) session.log.push(`advance ${done}ns`);
    else if (parsed.values.exact) session.log.push(`advance ${parsed.positionals[0]}`);
    return {
      text,
      result: {
        from: start,
        to: m.now,
        advanced: done,
        interrupted: stopped,
        interrupts: handled,
        jiffies: m.jiffies,
      },
      logged: !stopped && !parsed.values.exact,
    };
  },
};

/** `race [OUTCOME]`: without an outcome it shows the current side (and changes nothing). */
const race: Command = {
  ...operationCommand("race"),
  positionals: [{ ...OPERATIONS.race.grammar.positionals![0], optional: true }],
  run(session, argv) {
    const { positionals } = parse(this, argv);
    const m = session.machine!;
    if (positionals.length) {
      m.run(OPERATIONS.race.parse({ values: {}, positionals }, { cpus: m.cpuCount }));
    }
    const what = m.parkRace === "sleeps"
      ? "wait_task_inactive() finds the parked thread still queued and sleeps (a hang without a tick)"
      : "the parked thread has already left the CPU: kthread_park() returns without sleeping";
    return {
      text: `race ${m.parkRace}: ${what}`,
      result: { parkRace: m.parkRace },
      logged: positionals.length > 0,
    };
  },
};

/** The presets `--preset` takes, a line each, with what each sets (lib/kernels/presets.ts). */
function presetHelp(): string {
  const width = Math.max(...VM_PRESETS.map((p) => p.id.length));
  return [
    "presets (--preset NAME sets --kernel, --kconfig, --hyperv, --hz and --arch; flags win):",
    ...VM_PRESETS.map((p) =>
      `  ${p.id.padEnd(width)}  ${p.label}\n  ${"".padEnd(width)}  (${presetFlags(p)})`
    ),
  ].join("\n");
}

/** `vm`: the `vm` line's flags (lib/ops/vm_line.ts). */
const vmCommand: Command = {
  name: "vm",
  summary: "build and boot a VM (no flags: Hyper-V 2019, x86_64, Linux 5.5, 4 vCPUs, HZ=250)",
  cost: "boots every vCPU (time grows with --cpus)",
  needsVm: false,
  help: presetHelp(),
  ...VM_GRAMMAR,
  run(session, argv) {
    const { values } = parse(this, argv);
    const machine = session.boot(vmOptions(values));
    return { text: `booted: ${describeVm(machine)}`, result: { config: machine.config } };
  },
};

// How the REPL shows the operations it shows in its own way; every other shows its message.
const PRESENT: Partial<Record<OperationName, Presentation>> = {
  online: (r) => hotplugText(r as HotplugResult),
  offline: (r) => hotplugText(r as HotplugResult),
  reset: (_r, session) => ({ text: `rebooted: ${describeVm(session.machine!)}` }),
  echo: (r) => echoText(r as WriteResult),
};

// The operations whose commands are their own.
const SHOWN: Partial<Record<OperationName, Command>> = {
  online: operationCommand("online", PRESENT.online),
  offline: operationCommand("offline", PRESENT.offline),
  advance,
  reset: operationCommand("reset", PRESENT.reset),
  race,
  echo: operationCommand("echo", PRESENT.echo),
};

/** The machine commands, by name: `vm`, then a command for every operation of the table. */
export const MACHINE_COMMANDS: Readonly<Record<"vm" | OperationName, Command>> = {
  vm: vmCommand,
  ...Object.fromEntries(
    OPERATION_NAMES.map((kind) => [kind, SHOWN[kind] ?? operationCommand(kind)]),
  ),
} as Record<"vm" | OperationName, Command>;
