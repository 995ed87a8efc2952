/**
 * A REPL session: the current machine (if any), the VM options it was built from, and the log of
 * state-changing commands since, which `save` stores and `load` replays.
 *
 * @module
 */

import { type Machine, vm, type VmOptions } from "../mod.ts";
import { words } from "../lib/ops/lexer.ts";
import { excerpt } from "../lib/util/excerpt.ts";
import {
  type Command,
  type Context,
  type Outcome,
  ReplError,
  type Shell,
  shellWords,
} from "./command.ts";
import { COMMANDS } from "./commands/index.ts";

export type { Outcome } from "./command.ts";

/** Runs command lines against one machine at a time. */
export class Session implements Shell {
  /** Every command. */
  readonly commands: readonly Command[] = COMMANDS;
  /** The machine, once `vm` has built one. */
  machine: Machine | null = null;
  /** The options the machine was built from. */
  options: VmOptions | null = null;
  /** State-changing commands since the machine was built. */
  log: string[] = [];
  /** The scripts being sourced, outermost first. */
  sourcing: string[] = [];

  /** Executes one line. Never throws for bad input: errors come back as a failed outcome. */
  async execute(line: string, ctx: Context = {}): Promise<Outcome> {
    const trimmed = line.trim();
    const time = () => this.machine?.now ?? null;
    let argv: string[];
    try {
      argv = words(trimmed);
    } catch (e) {
      // A line the lexer cannot split (an unterminated quote, a 50 MB line) is still a command
      // that failed; the message quotes at most its first word's start.
      const name = trimmed.slice(0, 40).split(/\s+/)[0];
      return fail(trimmed.slice(0, 200), name, null, `${name}: ${(e as Error).message}`, time());
    }
    if (argv.length === 0) return { line: trimmed, command: "", ok: true, text: "", time: time() };
    const name = argv[0];
    const command = this.commands.find((c) => c.name === name || c.aliases?.includes(name));
    if (!command) {
      return fail(
        trimmed,
        name,
        null,
        `${excerpt(name)}: unknown command${hint(name)}; type 'help' for the list`,
        time(),
      );
    }
    const pipe = argv.indexOf("|");
    if (pipe > 0) {
      // Each command prints whole views; there is no pipeline to feed one into the next.
      return fail(
        trimmed,
        command.name,
        null,
        `${command.name}: '|' is not supported; run ${
          JSON.stringify(excerpt(argv.slice(0, pipe).join(" ")))
        } and ${JSON.stringify(excerpt(argv.slice(pipe + 1).join(" ")))} as separate commands`,
        time(),
      );
    }
    if (command.needsVm !== false && !this.machine) {
      return fail(
        trimmed,
        command.name,
        null,
        `${command.name}: no VM yet; start one with 'vm' (e.g. vm --hyperv 2019 --cpus 4)`,
        time(),
      );
    }
    try {
      const out = await command.run(this, argv.slice(1), ctx);
      if (command.logs && out.logged !== false) this.log.push(trimmed);
      return {
        line: trimmed,
        command: command.name,
        ok: out.ok ?? true,
        text: out.text,
        ...(out.chunks ? { chunks: out.chunks } : {}),
        result: out.result,
        error: out.error,
        time: time(),
      };
    } catch (e) {
      if (
        e instanceof ReplError || e instanceof TypeError || e instanceof RangeError ||
        e instanceof SyntaxError
      ) {
        const errno = e instanceof ReplError ? e.errno : null;
        return fail(trimmed, command.name, errno, `${command.name}: ${e.message}`, time());
      }
      if (
        e instanceof Error && (e.name === "HangError" || e.name === "PoweredOffError" ||
          e.name === "StoppedError")
      ) {
        return fail(trimmed, command.name, null, `${command.name}: ${e.message}`, time());
      }
      throw e;
    }
  }

  /** A new, empty session. */
  fresh(): Session {
    return new Session();
  }

  /** Boots a new machine from `options` (the log starts over). */
  boot(options: VmOptions): Machine {
    const machine = vm(options).build();
    this.machine = machine;
    this.options = options;
    this.log = [];
    return machine;
  }
}

function fail(
  line: string,
  command: string,
  errno: string | null,
  message: string,
  time: number | null,
): Outcome {
  const text = shellWords(message);
  return { line, command, ok: false, text, error: { errno, message: text }, time };
}

function hint(name: string): string {
  const near = COMMANDS.map((c) => c.name).filter((n) => n.startsWith(name.slice(0, 2)));
  return near.length > 0 && near.length <= 3
    ? ` (did you mean ${near.map((n) => `'${n}'`).join(" or ")}?)`
    : "";
}
