/**
 * Breakpoints and stepping, as Simics (`bp.*`, `run-until`) and Renode users expect them, in
 * hvtick's words: `break` on a hotplug state, a callback, a tick-device change, a hang or a
 * violation (no argument: the list), `delete` one or all, and while a walk is stopped `step` (one
 * callback) and `continue` (to the next breakpoint or the operation's end); `cpus`, `bound`, `cat`
 * read the stopped walk's state. The engine is lib/api/run_until.ts. The words follow Simics's
 * (`break` makes a numbered breakpoint, `bp.delete (id|-all)`, `run-until` is `advance --until`;
 * an execution breakpoint stops before the instruction runs, as `callback` stops before it) and
 * gdb's (`step`, `continue`/`c`).
 *
 * @module
 */

import { CONDITION_KINDS, conditionText, formatOperation, parseOperation } from "../../mod.ts";
import { CONDITION_GRAMMAR } from "../../lib/api/conditions.ts";
import { shellWord } from "../../lib/ops/lexer.ts";
import { type Command, parse, ReplError, type Result, type Shell } from "../command.ts";
import { addBreakpoint, breakpointsOf, devicesNow, stopLines, stopResult } from "../stops.ts";
import { presentResult } from "./machine.ts";
import type { OperationName, RunUntilResult } from "../../mod.ts";

const KINDS_HELP = [
  "conditions:",
  ...CONDITION_GRAMMAR.map((c) => {
    const words = [
      c.kind,
      ...(c.grammar.positionals ?? []).map((p) => p.optional ? `[${p.name}]` : p.name),
      ...Object.keys(c.grammar.options ?? {}).map((o) => `[--${o} CPU]`),
    ].join(" ");
    return `  ${words.padEnd(32)}${c.summary}`;
  }),
  "A walk stopped at a breakpoint keeps the kernel's picture (the CPU's hotplug/state and target,",
  "the callbacks before it done); other operations wait for it (step, continue, or reset). The",
  "session log (save, timeline) holds an operation once its walk has ended.",
].join("\n");

/** How a run that went on from a stop ended: where it stopped again, or the operation's result. */
function after(
  session: Shell,
  operation: string,
  devices: readonly (string | null)[],
  r: RunUntilResult,
): Result {
  const m = session.machine!;
  const stopped = m.stopped !== null;
  // The walk ended: the session log gets its operation, whole (it replays unbroken to the same end).
  if (!stopped) session.log.push(operation);
  if (r.stopped && stopped) {
    return stopResult(null, stopLines(m, devices, r.stopped), r);
  }
  const kind = operation.split(" ")[0] as OperationName;
  const done = r.result ? presentResult(kind, r.result, session) : null;
  return stopResult(done, r.stopped ? stopLines(m, devices, r.stopped) : [], r);
}

const breakCommand: Command = {
  name: "break",
  summary: "stop where a condition holds: a hotplug state or callback, a device change, a hang, " +
    "a violation (alone: the list)",
  help: KINDS_HELP,
  positionals: [
    { name: "CONDITION", optional: true, complete: CONDITION_KINDS },
    { name: "VALUE", optional: true },
  ],
  options: { cpu: { type: "string", value: "CPU", help: "only this CPU" } },
  run(session, argv) {
    parse(this, argv);
    const m = session.machine!;
    if (argv.length === 0) {
      const list = breakpointsOf(m);
      return {
        text: list.length
          ? list.map((b) => `${String(b.id).padStart(3)}  ${conditionText(b.condition)}`).join("\n")
          : "no breakpoints (break CONDITION sets one; help break lists the conditions)",
        result: list,
        logged: false,
      };
    }
    const b = addBreakpoint(m, m.condition(argv.map(shellWord).join(" ")));
    return { text: `breakpoint ${b.id}: ${conditionText(b.condition)}`, result: b };
  },
};

const deleteCommand: Command = {
  name: "delete",
  summary: "delete a breakpoint (its number) or all of them",
  positionals: [{ name: "N|all" }],
  run(session, argv) {
    const { positionals } = parse(this, argv);
    const list = breakpointsOf(session.machine!);
    const word = positionals[0];
    if (word === "all") {
      const n = list.splice(0).length;
      return { text: `deleted ${n} breakpoint${n === 1 ? "" : "s"}` };
    }
    const i = list.findIndex((b) => String(b.id) === word);
    if (i < 0) {
      throw new RangeError(
        `no breakpoint ${JSON.stringify(word)}; valid: ${
          [...list.map((b) => b.id), "all"].join(", ")
        }`,
      );
    }
    const [b] = list.splice(i, 1);
    return { text: `deleted breakpoint ${b.id}: ${conditionText(b.condition)}` };
  },
};

const stepCommand: Command = {
  name: "step",
  summary: "run the stopped walk's next callback and stop after it (or an operation's first)",
  help: "step            the stopped walk's next callback\n" +
    "step offline 2  start an operation and stop after its first callback",
  positionals: [{ name: "OPERATION…", optional: true }],
  run(session, argv) {
    const m = session.machine!;
    const op = argv.length
      ? parseOperation(argv.map(shellWord).join(" "), { cpus: m.cpuCount })
      : null;
    const stopped = m.stopped;
    if (!op && !stopped) {
      throw new ReplError(
        "nothing to step: no hotplug walk is stopped (set a breakpoint with break, or step an " +
          "operation: step offline 2)",
      );
    }
    const devices = devicesNow(m);
    const line = op ? formatOperation(op) : stopped!.operation!;
    return after(session, line, devices, op ? m.step(op) : m.step());
  },
};

const continueCommand: Command = {
  name: "continue",
  aliases: ["c"],
  summary: "run the stopped walk on to the next breakpoint or the operation's end",
  run(session, argv) {
    parse(this, argv);
    const m = session.machine!;
    const stopped = m.stopped;
    if (!stopped) {
      throw new ReplError(
        "nothing to continue: no hotplug walk is stopped (advance lets time pass)",
      );
    }
    const devices = devicesNow(m);
    const line = stopped.operation!;
    return after(session, line, devices, m.runUntil(breakpointsOf(m).map((b) => b.condition)));
  },
};

/** The stepping commands, by name. */
export const STEPPING_COMMANDS: Readonly<
  Record<"break" | "delete" | "step" | "continue", Command>
> = {
  break: breakCommand,
  delete: deleteCommand,
  step: stepCommand,
  continue: continueCommand,
};
