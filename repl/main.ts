/**
 * `deno task repl`: the interactive shell, and the same commands from a script (`--script FILE`)
 * or piped stdin. A thin layer over {@linkcode Session}: reading lines, completion, history,
 * colour, Ctrl-C/Ctrl-D, and JSON Lines output.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { type Outcome, Session } from "./session.ts";
import { complete } from "./complete.ts";
import { enhanceLineEditing } from "./line_editor.ts";
import { openHistory, readText, writeAtomic } from "./files.ts";
import { formatTime } from "../mod.ts";
import type { Context } from "./command.ts";

/** Where interactive history is kept (the current directory: the REPL may only write there). */
export const HISTORY_FILE = ".hvtick_history";
const HISTORY_MAX = 1000;
const VERSION = "0.1";

interface Flags {
  script?: string;
  json: boolean;
  keepGoing: boolean;
}

function usageError(message: string): never {
  console.error(`hvtick: ${message}`);
  console.error("usage: deno task repl [--script FILE] [--json] [--keep-going]");
  Deno.exit(2);
}

function flags(): Flags {
  try {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        script: { type: "string" },
        json: { type: "boolean" },
        "keep-going": { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    });
    if (values.help) {
      console.log("usage: deno task repl [--script FILE] [--json] [--keep-going]");
      console.log("  --script FILE  run the commands in FILE (one per line, # comments) and exit");
      console.log("  --json         one JSON object per command on stdout (JSON Lines)");
      console.log(
        "  --keep-going   do not stop at the first failing command (exit status 1 at the end)",
      );
      console.log("Without --script, commands come from stdin when it is not a terminal.");
      Deno.exit(0);
    }
    return {
      script: values.script,
      json: values.json ?? false,
      keepGoing: values["keep-going"] ?? false,
    };
  } catch (e) {
    usageError((e as Error).message.replace(/\. To specify.*$/s, ""));
  }
}

function colours(on: boolean) {
  const wrap = (code: string) => (s: string) => on ? `\x1b[${code}m${s}\x1b[0m` : s;
  return { red: wrap("31"), bold: wrap("1"), dim: wrap("2") };
}

/** The JSON Lines record of one command (documented in docs/repl.md). */
export function jsonRecord(o: Outcome): string {
  return JSON.stringify({
    command: o.command,
    line: o.line,
    ok: o.ok,
    ...(o.ok ? { result: o.result ?? null } : { error: o.error }),
    time: o.time,
  });
}

/** Prints a command's text: at once, or piece by piece as it is made (a long view). */
async function print(out: Outcome): Promise<void> {
  if (out.chunks) {
    const encoder = new TextEncoder();
    for (const piece of out.chunks) {
      const bytes = encoder.encode(piece);
      for (let n = 0; n < bytes.length;) n += await Deno.stdout.write(bytes.subarray(n));
    }
  } else if (out.text) console.log(out.text);
}

/**
 * The prompt: the simulated time and, when the VM cannot run commands as usual, why (a walk
 * stopped at a breakpoint, hung, hibernated or powered off), so a user sees it before typing.
 *
 * @example
 * ```ts
 * import { prompt } from "./main.ts";
 * import { Session } from "./session.ts";
 * import assert from "node:assert/strict";
 * const session = new Session();
 * assert.equal(prompt(session), "hvtick> ");
 * await session.execute("vm --cpus 2");
 * await session.execute("advance 10ms");
 * assert.equal(prompt(session), "hvtick[t=10 ms]> ");
 * await session.execute("break state sched:active --cpu 1");
 * await session.execute("offline 1");
 * assert.equal(prompt(session), "hvtick[t=10 ms STOPPED]> ");
 * await session.execute("continue");
 * assert.equal(prompt(session), "hvtick[t=10 ms]> ");
 * ```
 */
export function prompt(session: Session): string {
  const m = session.machine;
  if (!m) return "hvtick> ";
  // A walk stopped at a breakpoint holds cpu_hotplug_lock: say so, as the other states are said.
  const state = m.stopped
    ? " STOPPED"
    : m.hung
    ? " HUNG"
    : m.power === "hibernated"
    ? " HIBERNATED"
    : m.power === "off"
    ? " POWERED OFF"
    : "";
  return `hvtick[t=${formatTime(m.now)}${state}]> `;
}

async function runLines(
  session: Session,
  lines: string[],
  flagsIn: Flags,
  ctx: Context,
): Promise<boolean> {
  let allOk = true;
  let turn = performance.now();
  for (const line of lines) {
    // Between lines the event loop gets a turn now and then, so that Ctrl-C gets through.
    if (performance.now() - turn >= 25) {
      await new Promise((r) => setTimeout(r, 0));
      turn = performance.now();
    }
    if (ctx.signal?.aborted) return false;
    const out = await session.execute(line, ctx);
    if (out.ok && out.command === "") continue; // a blank line or a comment
    if (flagsIn.json) console.log(jsonRecord(out));
    else if (out.ok) await print(out);
    else console.error(out.text);
    if (!out.ok) {
      allOk = false;
      if (!flagsIn.keepGoing) return false;
    }
    if ((out.result as { quit?: boolean } | undefined)?.quit || out.command === "quit") break;
  }
  return allOk;
}

async function nonInteractive(f: Flags): Promise<number> {
  const session = new Session();
  const text = f.script !== undefined
    ? await readText(f.script).catch((e) => {
      console.error(`hvtick: cannot access ${JSON.stringify(f.script)}: ${e.message}`);
      return Deno.exit(2);
    })
    : await new Response(Deno.stdin.readable).text();
  const ctx: Context = {
    readFile: (p) => readText(p),
    writeFile: (p, t) => writeAtomic(p, t),
    // A sourced file stops at its first error (as at the prompt), --keep-going or not.
    runScript: (t) => runLines(session, t.split("\n"), { ...f, keepGoing: false }, ctx),
  };
  return (await runLines(session, text.split("\n"), f, ctx)) ? 0 : 1;
}

async function interactive(f: Flags): Promise<number> {
  const tty = Deno.stdout.isTerminal();
  const c = colours(tty && !Deno.env.get("NO_COLOR"));
  const session = new Session();
  // Kept only inside the current directory (a link elsewhere is refused, and said so).
  const history = await openHistory(HISTORY_FILE, HISTORY_MAX);
  if (history.problem) console.error(`hvtick: ${history.problem}`);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: [...history.lines].reverse(),
    historySize: HISTORY_MAX,
    completer: (line: string) => complete(session, line),
  });
  // TAB always completes; Ctrl-R searches the history (repl/line_editor.ts).
  enhanceLineEditing(
    rl as unknown as Parameters<typeof enhanceLineEditing>[0],
    (text) => process.stdout.write(text),
  );
  let running: AbortController | null = null;
  // Lines arrive as events so that Ctrl-D (close) ends the session even while waiting.
  const pending: string[] = [];
  let closed = false;
  let wake: (() => void) | null = null;
  rl.on("line", (l: string) => {
    pending.push(l);
    wake?.();
  });
  rl.on("close", () => {
    closed = true;
    wake?.();
  });
  // Once Ctrl-D closed the input the terminal is no longer in raw mode, so Ctrl-C is a signal:
  // it stops the command still running, as at the prompt, instead of killing the process.
  const onSignal = () => running?.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  rl.on("SIGINT", () => {
    if (running) {
      running.abort();
      return;
    }
    // At the prompt Ctrl-C discards the line being typed, as a shell does; it never runs it.
    rl.write(null, { ctrl: true, name: "u" });
    process.stdout.write("^C\n");
    rl.prompt();
  });
  console.log(
    c.bold(
      `hvtick ${VERSION} — simulated Linux CPU hotplug and clockevents on Hyper-V. Type 'help'.`,
    ),
  );
  const ctx = (signal: AbortSignal): Context => ({
    signal,
    readFile: (p) => readText(p),
    writeFile: (p, t) => writeAtomic(p, t),
    progress: (fraction, label) =>
      process.stderr.write(`\r${c.dim(`${label} (${Math.round(fraction * 100)}%)`)}\x1b[K`),
    runScript: (t) => runLines(session, t.split("\n"), { ...f, keepGoing: false }, ctx(signal)),
  });
  for (;;) {
    // After Ctrl-D (input closed) there is no prompt: the lines already typed run, then it ends.
    if (!closed) {
      rl.setPrompt(c.bold(prompt(session)));
      rl.prompt();
    }
    while (!pending.length && !closed) await new Promise<void>((r) => wake = r);
    const line = pending.shift();
    if (line === undefined) break; // Ctrl-D closed the input
    if (line.trim()) {
      await history.append(line);
    }
    running = new AbortController();
    const out = await session.execute(line, ctx(running.signal));
    running = null;
    process.stderr.write("\r\x1b[K");
    if (f.json) console.log(jsonRecord(out));
    else if (out.ok) await print(out);
    else console.log(c.red(out.text));
    if (out.command === "quit" && out.ok) break;
  }
  rl.close();
  Deno.removeSignalListener("SIGINT", onSignal);
  return 0;
}

if (import.meta.main) {
  const f = flags();
  const code = f.script !== undefined || !Deno.stdin.isTerminal()
    ? await nonInteractive(f)
    : await interactive(f);
  Deno.exit(code);
}
