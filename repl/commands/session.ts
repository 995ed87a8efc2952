/**
 * The REPL commands about the session itself: `save`, `load`, `source`, `help` and `quit`.
 *
 * @module
 */

import { formatTime } from "../../mod.ts";
import { type Command, io, parse, ReplError, usage } from "../command.ts";
import { readSession, writeSession } from "../store.ts";
import { describeVm } from "../format.ts";

/** How deep `source` may nest (bash has no limit; a script sourcing itself ran out of memory). */
export const MAX_SOURCE_DEPTH = 16;

/** The session commands, by name. */
export const SESSION_COMMANDS: Readonly<Record<string, Command>> = {
  save: {
    name: "save",
    summary: "save the session (VM options and command log) as JSON",
    cost:
      "fingerprints the whole machine state, so that load can check its replay (grows with --cpus)",
    positionals: [{ name: "FILE", complete: "file" }],
    async run(session, argv, ctx) {
      const { positionals } = parse(this, argv);
      if (!ctx.writeFile) throw new ReplError("saving files is not available here");
      await io(positionals[0], () => ctx.writeFile!(positionals[0], writeSession(session)));
      return {
        text: `saved ${session.log.length} commands to ${positionals[0]}`,
        result: { file: positionals[0], commands: session.log.length },
      };
    },
  },
  load: {
    name: "load",
    summary: "load a saved session: rebuild the VM and replay its commands",
    cost: "replays every command of the saved session",
    positionals: [{ name: "FILE", complete: "file" }],
    needsVm: false,
    async run(session, argv, ctx) {
      const { positionals } = parse(this, argv);
      if (!ctx.readFile) throw new ReplError("reading files is not available here");
      const text = await io(positionals[0], () => ctx.readFile!(positionals[0]));
      // Replayed into a fresh session: this one stays as it is on any error.
      const loaded = await readSession(text, positionals[0], session.fresh(), ctx);
      session.machine = loaded.machine;
      session.options = loaded.options;
      session.log = loaded.log;
      return {
        text: `loaded ${positionals[0]}: ${
          describeVm(loaded.machine!)
        }; replayed ${loaded.log.length} commands, now t=${formatTime(loaded.machine!.now)}`,
        result: {
          file: positionals[0],
          commands: loaded.log.length,
          fingerprint: loaded.machine!.fingerprint(),
        },
      };
    },
  },
  source: {
    name: "source",
    summary: "run the commands of a script file (.hvt)",
    cost: "runs every line of the script",
    positionals: [{ name: "FILE", complete: "file" }],
    needsVm: false,
    async run(session, argv, ctx) {
      const { positionals } = parse(this, argv);
      if (!ctx.readFile || !ctx.runScript) {
        throw new ReplError("reading files is not available here");
      }
      const name = positionals[0];
      if (session.sourcing.length >= MAX_SOURCE_DEPTH) {
        throw new ReplError(
          `${name}: scripts nested ${MAX_SOURCE_DEPTH} deep (${
            session.sourcing.slice(-3).join(" → ")
          } → …); a script that sources itself never ends`,
        );
      }
      const script = await io(name, () => ctx.readFile!(name));
      session.sourcing.push(name);
      let ok: boolean;
      try {
        ok = await ctx.runScript(script, name);
      } finally {
        session.sourcing.pop();
      }
      if (ctx.signal?.aborted) throw new ReplError(`${name}: interrupted (Ctrl-C)`);
      return ok ? { text: `sourced ${positionals[0]}` } : {
        text: `${positionals[0]}: stopped at the first error`,
        ok: false,
        error: { errno: null, message: "script stopped at the first error" },
      };
    },
  },
  help: {
    name: "help",
    summary: "list commands, or explain one",
    positionals: [{ name: "COMMAND", optional: true, complete: "command" }],
    needsVm: false,
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const commands = session.commands;
      if (positionals.length === 0) {
        const width = Math.max(...commands.map((c) => c.name.length));
        const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
        return {
          text: [
            "Commands:",
            ...lines,
            "",
            "Type 'help COMMAND' for its arguments. History is kept in .hvtick_history in the",
            "current directory; TAB completes commands, flags, versions, CPU numbers and paths.",
          ].join("\n"),
          result: commands.map((c) => ({ name: c.name, summary: c.summary, usage: usage(c) })),
        };
      }
      const c = commands.find((x) =>
        x.name === positionals[0] || x.aliases?.includes(positionals[0])
      );
      if (!c) {
        throw new RangeError(
          `no command ${JSON.stringify(positionals[0])}; type 'help' for the list`,
        );
      }
      const opts = Object.entries(c.options ?? {}).map(([name, o]) =>
        `  --${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}  ${o.help}${
          o.complete && Array.isArray(o.complete) ? ` (${o.complete.join(", ")})` : ""
        }`
      );
      return {
        text: [
          `usage: ${usage(c)}`,
          `  ${c.summary}`,
          ...(c.cost ? [`  cost: ${c.cost}`] : []),
          ...(opts.length ? ["options:", ...opts] : []),
          ...(c.help ? ["", ...c.help.split("\n")] : []),
        ].join("\n"),
        result: { name: c.name, usage: usage(c) },
      };
    },
  },
  quit: {
    name: "quit",
    aliases: ["exit"],
    summary: "leave the REPL (Ctrl-D does too)",
    needsVm: false,
    run(_session, argv) {
      parse(this, argv);
      return { text: "", quit: true };
    },
  },
};
