/**
 * The REPL reference page (`docs/repl.md`), rendered from the command table so that the page,
 * `help` and completion can never disagree. `deno task docs` writes it; a test checks it is current.
 *
 * @module
 */

import { usage } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";

/**
 * Renders the REPL reference as Markdown.
 *
 * @example
 * ```ts
 * import { replReference } from "./reference.ts";
 * import assert from "node:assert/strict";
 * assert.ok(replReference().includes("### offline"));
 * ```
 */
export function replReference(): string {
  const out = [
    "# The hvtick REPL",
    "",
    "<!-- Generated from the command table (repl/commands/) by `deno task docs`; do not edit by hand. -->",
    "",
    "`deno task repl` starts an interactive shell; `deno task repl --script FILE` runs the commands",
    "in FILE (one per line, `#` starts a comment) and exits, as does piped input. A script stops at",
    "the first failing command (exit status 1) unless `--keep-going` is given. There are no pipes:",
    "a bare `|` is an error that names the commands to run one after the other.",
    "",
    "`--json` prints one JSON object per command (JSON Lines): `command` (the command name),",
    "`line` (the input), `ok` (boolean), `result` (the command's data) or `error` (the message),",
    "and `time` (simulated nanoseconds after the command, or null before `vm`).",
    "",
    "Keys: TAB completes commands, flags, flag values, CPU numbers and paths (a completed word is",
    "followed by a space), a second TAB lists the candidates; Up/Down walk the history (kept in",
    "`.hvtick_history` in the current directory) and Ctrl-R searches it backwards (Ctrl-R again",
    "for an older match, Enter runs it, any other key edits it, Ctrl-G gives the line back); Ctrl-C",
    "discards the line being typed, or interrupts a running `advance` (the time already simulated",
    "stays); Ctrl-D leaves. The prompt shows the simulated time (`hvtick[t=10 ms]>`) and says when",
    "the VM is `HUNG`, `HIBERNATED` or `POWERED OFF`, or a walk is `STOPPED` at a breakpoint.",
    "",
    "Time: the REPL shows simulated time one way everywhere, in the largest unit it reaches with at",
    "most three decimals (`10 ms`, `1.5 µs`); `advance --exact` shows whole nanoseconds. A duration",
    "is typed with its unit (`10ms`, `1.5us`, `2s`); a bare number is refused, naming the units.",
    "",
    "Refusals: a write or operation the kernel refuses prints the errno and a `why:` line in the",
    "kernel's terms (each from one entry of lib/util/refusals.ts, with its kernel source); a hang",
    "that depends on the `kthread_park()` race adds a `race:` line saying how to take the other",
    "side. After a hang, advancing far enough prints the kernel's hung-task warnings in `dmesg`.",
    "",
    "Files: every file the REPL reads or writes (`source`, `load`, `save`, `compare`, `timeline`,",
    "`report`, `trace export`, `--script`, the history) is in the current directory; a path that",
    "leads out of it — absolute, through `..` or through a symbolic link — is refused, naming the",
    "link and where it leads. A save replaces its file atomically (a `FILE.tmp-PID-RANDOM` file",
    "next to it, then a rename) and keeps its mode; a read-only file is refused and left as it is.",
    "`load` checks the whole session file (its fields, the VM options, every log line) before it",
    "replays it into a fresh session; Ctrl-C stops the replay and the current session stays.",
    "",
    "## Commands",
    "",
  ];
  for (const c of COMMANDS) {
    out.push(`### ${c.name}`, "", "```", usage(c), "```", "", `${cap(c.summary)}.`, "");
    if (c.aliases?.length) out.push(`Also: ${c.aliases.map((a) => `\`${a}\``).join(", ")}.`, "");
    // A help of several lines is a table in columns: kept as the REPL prints it.
    if (c.help) out.push(c.help.includes("\n") ? `\`\`\`\n${c.help}\n\`\`\`` : c.help, "");
    if (c.cost) out.push(`Cost: ${c.cost}.`, "");
    if (c.needsVm === false) out.push("Works before a VM exists.", "");
    if (c.logs) out.push("Changes the machine; recorded in the session that `save` writes.", "");
    const opts = Object.entries(c.options ?? {});
    if (opts.length) {
      out.push("| option | meaning | values |", "|---|---|---|");
      for (const [name, o] of opts) {
        const flag = `\`--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}\``;
        const values = Array.isArray(o.complete) ? o.complete.join(", ") : "";
        const cells = [flag, `${o.help}${o.multiple ? " (repeatable)" : ""}`, values];
        out.push(`| ${cells.map((x) => x.replaceAll("|", "\\|")).join(" | ")} |`);
      }
      out.push("");
    }
  }
  return out.join("\n");
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
