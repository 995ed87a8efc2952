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
    "Keys: TAB completes commands, flags, flag values, CPU numbers and paths; Up/Down walk the",
    "history (kept in `.hvtick_history` in the current directory); Ctrl-C discards the line being",
    "typed, or interrupts a running `advance` (the time already simulated stays); Ctrl-D leaves.",
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
