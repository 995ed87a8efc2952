/**
 * What every REPL command is made of: the grammar types (name, options, positionals with
 * completion kinds, handler), `parseArgs`-based parsing, the usage line, and the argument helpers
 * commands share (CPU numbers, whole numbers, VM flags, file access).
 *
 * @module
 */

import type { Machine, VmOptions } from "../mod.ts";
import { type Grammar, parseWords, usage as grammarUsage } from "../lib/ops/grammar.ts";
import { CONFINED } from "./files.ts";

export type { Completion, OptionSpec } from "../lib/ops/grammar.ts";

/** Services the shell gives commands (file access, interruption, progress). */
export interface Context {
  /** Aborted by Ctrl-C during a long command. */
  readonly signal?: AbortSignal;
  /** Called during long commands with the fraction done. */
  readonly progress?: (fraction: number, label: string) => void;
  /** Reads a text file. */
  readonly readFile?: (path: string) => Promise<string>;
  /** Writes a text file atomically (temporary file, then rename). */
  readonly writeFile?: (path: string, text: string | Iterable<string>) => Promise<void>;
  /** Runs a script's lines (for `source`); returns false when it stopped on an error. */
  readonly runScript?: (text: string, name: string) => Promise<boolean>;
}

/** What one command produced. */
export interface Outcome {
  /** The command line as typed (trimmed). */
  readonly line: string;
  /** The command name, or "" for a blank line. */
  readonly command: string;
  /** Whether it succeeded (a kernel refusal or a hang is not success). */
  readonly ok: boolean;
  /** Text for people. */
  readonly text: string;
  /**
   * A long text for people, made piece by piece as it is printed (then `text` is empty): a view
   * of millions of lines never becomes one string.
   */
  readonly chunks?: Iterable<string>;
  /** Structured result for `--json`. */
  readonly result?: unknown;
  /** On failure: errno name (kernel refusals) or null, and the message. */
  readonly error?: { readonly errno: string | null; readonly message: string };
  /** Simulation time after the command, ns (null without a VM). */
  readonly time: number | null;
}

/** What a command may use of the session it runs in. */
export interface Shell {
  /** The machine, once `vm` has built one. */
  machine: Machine | null;
  /** The options the machine was built from. */
  options: VmOptions | null;
  /** State-changing commands since the machine was built. */
  log: string[];
  /** The scripts being sourced, outermost first (`source` refuses to nest deeper than a limit). */
  sourcing: string[];
  /** Every command of the shell. */
  readonly commands: readonly Command[];
  /** Boots a new machine from `options` (the log starts over). */
  boot(options: VmOptions): Machine;
  /** A new, empty session of the same shell (`load` replays into one). */
  fresh(): Shell;
  /** Executes one line. */
  execute(line: string, ctx?: Context): Promise<Outcome>;
}

/** A failure the REPL reports: the kernel's errno name when there is one. */
export class ReplError extends Error {
  /** Errno name, or null. */
  readonly errno: string | null;
  /** Creates the error. */
  constructor(message: string, errno: string | null = null) {
    super(message);
    this.name = "ReplError";
    this.errno = errno;
  }
}

/** What a handler returns. */
export interface Result {
  /** Text for people. */
  readonly text: string;
  /** A long text, piece by piece (see {@linkcode Outcome.chunks}). */
  readonly chunks?: Iterable<string>;
  /** Structured result for `--json`. */
  readonly result?: unknown;
  /** False when the modelled kernel refused or hung. */
  readonly ok?: boolean;
  /** Error details when not ok. */
  readonly error?: { readonly errno: string | null; readonly message: string };
  /** False when the handler logged itself (an interrupted advance logs what really ran). */
  readonly logged?: boolean;
  /** True when the shell should exit. */
  readonly quit?: boolean;
}

/** One REPL command: its grammar (lib/ops/grammar.ts), help and handler. */
export interface Command extends Grammar {
  /** Name typed at the prompt. */
  readonly name: string;
  /** Other names. */
  readonly aliases?: readonly string[];
  /** One line. */
  readonly summary: string;
  /** Longer help. */
  readonly help?: string;
  /** False for commands that work without a VM. */
  readonly needsVm?: boolean;
  /**
   * What its work grows with, for the few commands whose time depends on the machine's size or
   * the input (help shows it; the benchmark holds every other command to 10 ms on 2048 vCPUs).
   */
  readonly cost?: string;
  /** Whether the command changes the machine (recorded in the session log). */
  readonly logs?: boolean;
  /** The handler. */
  run(session: Shell, argv: string[], ctx: Context): Result | Promise<Result>;
}

/** Parses `argv` against a command's grammar; misuse throws a RangeError naming what is valid. */
export function parse(
  command: Command,
  argv: string[],
): { values: Readonly<Record<string, unknown>>; positionals: readonly string[] } {
  return parseWords(command.name, command, argv);
}

/** The usage line of a command, derived from its grammar. */
export function usage(command: Command): string {
  return grammarUsage(command.name, command);
}

/** Runs a file operation; a failure (missing file, permission…) becomes a clear REPL error. */
export async function io<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    // Deno's own permission refusal names its flags; the shell says what the rule is, once.
    const denied = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;
    const why = denied && /--allow|Requires .* access/.test((e as Error).message)
      ? CONFINED
      : (e as Error).message.replace(/^cannot open [^:]*: /, "");
    throw new ReplError(`cannot access ${JSON.stringify(path)}: ${why}`);
  }
}

/** A whole number given to `--flag`. */
export function wholeNumber(flag: string, value: unknown): number {
  const text = String(value);
  if (!/^\d+$/.test(text)) {
    throw new RangeError(`--${flag} ${JSON.stringify(text)}: expected a whole number`);
  }
  return Number(text);
}

/** A positive whole number given to `--flag`. */
export function positiveInt(flag: string, value: unknown): number {
  const text = String(value);
  if (!/^[1-9]\d*$/.test(text)) {
    throw new RangeError(`--${flag} ${JSON.stringify(text)}: expected a positive whole number`);
  }
  return Number(text);
}

/**
 * The API's method names in the library's messages, and the REPL command that does the same: the
 * shell names its own commands, never `files()` (`reset()` becomes `reset`).
 */
const API_WORDS: Readonly<Record<string, string>> = {
  files: "ls",
  readDir: "ls",
  read: "cat",
  write: "echo",
  powerOn: "poweron",
  reset: "reset",
  resume: "resume",
  hibernate: "hibernate",
  advance: "advance",
  online: "online",
  offline: "offline",
};

/**
 * `message` in the shell's words: an API method call (`files()`) becomes its command (`ls`).
 *
 * @example
 * ```ts
 * import { shellWords } from "./command.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shellWords("not present on this VM; files() lists them"),
 *   "not present on this VM; ls lists them");
 * assert.equal(shellWords("hung; reset() reboots it"), "hung; reset reboots it");
 * ```
 */
export function shellWords(message: string): string {
  return message.replace(/\b([a-zA-Z]+)\(\)/g, (call, name: string) => API_WORDS[name] ?? call);
}
