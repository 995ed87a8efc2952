/**
 * What every REPL command is made of: the grammar types (name, options, positionals with
 * completion kinds, handler), `parseArgs`-based parsing, the usage line, and the argument helpers
 * commands share (CPU numbers, whole numbers, VM flags, file access).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Machine, VmOptions } from "../mod.ts";
import type { Session } from "./session.ts";

/** What completes a positional or an option value. */
export type Completion = "cpu" | "path" | "file" | "command" | readonly string[];

/** Services the shell gives commands (file access, interruption, progress). */
export interface Context {
  /** Aborted by Ctrl-C during a long command. */
  readonly signal?: AbortSignal;
  /** Called during long commands with the fraction done. */
  readonly progress?: (fraction: number, label: string) => void;
  /** Reads a text file. */
  readonly readFile?: (path: string) => Promise<string>;
  /** Writes a text file atomically (temporary file, then rename). */
  readonly writeFile?: (path: string, text: string) => Promise<void>;
  /** Runs a script's lines (for `source`); returns false when it stopped on an error. */
  readonly runScript?: (text: string, name: string) => Promise<boolean>;
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

/** One command-line option. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` does not. */
  readonly type: "string" | "boolean";
  /** May be given more than once. */
  readonly multiple?: boolean;
  /** What the value means, for help. */
  readonly value?: string;
  /** Help text. */
  readonly help: string;
  /** What completes the value. */
  readonly complete?: Completion;
}

/** One REPL command. */
export interface Command {
  /** Name typed at the prompt. */
  readonly name: string;
  /** Other names. */
  readonly aliases?: readonly string[];
  /** One line. */
  readonly summary: string;
  /** Positionals, in order. */
  readonly positionals?: readonly { name: string; optional?: boolean; complete?: Completion }[];
  /** Options. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
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
  run(session: Session, argv: string[], ctx: Context): Result | Promise<Result>;
}

/** Parses `argv` against a command's grammar; misuse throws a RangeError naming what is valid. */
export function parse(
  command: Command,
  argv: string[],
): { values: Record<string, unknown>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(command.options ?? {}).map((
      [name, o],
    ) => [name, o.multiple ? { type: o.type, multiple: true } : { type: o.type }]),
  );
  const negative = argv.find((a) => /^-\d/.test(a));
  if (negative !== undefined) {
    throw new RangeError(
      `invalid value ${JSON.stringify(negative)}: negative numbers and durations are not valid`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const valid = Object.keys(command.options ?? {}).map((o) => `--${o}`).join(", ") || "none";
    throw new RangeError(
      `${(e as Error).message.replace(/\. To specify.*$/s, "")}; valid options: ${valid}`,
    );
  }
  const spec = command.positionals ?? [];
  const required = spec.filter((p) => !p.optional).length;
  if (parsed.positionals.length < required || parsed.positionals.length > spec.length) {
    throw new RangeError(`expected ${usage(command)}, got ${JSON.stringify(argv.join(" "))}`);
  }
  return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
}

/** The usage line of a command, derived from its grammar. */
export function usage(command: Command): string {
  const opts = Object.entries(command.options ?? {}).map(([name, o]) =>
    `[--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}]${o.multiple ? "…" : ""}`
  );
  const pos = (command.positionals ?? []).map((p) => p.optional ? `[${p.name}]` : p.name);
  return [command.name, ...pos, ...opts].join(" ");
}

export function cpuArg(machine: Machine, text: string): number {
  const n = Number(text);
  const last = machine.config.cpus - 1;
  if (!/^\d+$/.test(text) || n > last) {
    throw new RangeError(`invalid CPU ${JSON.stringify(text)}: this VM has CPUs 0 to ${last}`);
  }
  return n;
}

/** The `vm` flags as builder options (shared by `vm` and the scripts `compare` reads). */
export function vmOptions(values: Record<string, unknown>): VmOptions {
  const o: VmOptions = {};
  if (values.hyperv !== undefined) o.hyperv = String(values.hyperv);
  if (values.arch !== undefined) o.arch = String(values.arch);
  if (values.kernel !== undefined) o.kernel = String(values.kernel);
  for (
    const [key, flag] of [["generation", "generation"], ["cpus", "cpus"], ["hz", "hz"], [
      "traceBuffer",
      "trace-buffer",
    ]] as const
  ) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!/^\d+$/.test(String(v))) {
      throw new RangeError(`--${flag}: ${JSON.stringify(v)} is not a whole number`);
    }
    o[key] = Number(v);
  }
  if (values.feature !== undefined) {
    const features: Record<string, boolean> = {};
    for (const item of values.feature as string[]) {
      const m = /^([A-Za-z]+)=(on|off|true|false|1|0)$/.exec(item);
      if (!m) {
        throw new RangeError(
          `--feature ${
            JSON.stringify(item)
          }: expected NAME=on or NAME=off (e.g. stimerDirectMode=off)`,
        );
      }
      features[m[1]] = ["on", "true", "1"].includes(m[2]);
    }
    o.features = features;
  }
  if (values.channels !== undefined) {
    const text = String(values.channels);
    if (!/^(\d+(,\d+)*)?$/.test(text)) {
      throw new RangeError(
        `--channels ${JSON.stringify(text)}: expected CPU numbers separated by commas, or ""`,
      );
    }
    o.vmbusChannels = text === "" ? [] : text.split(",").map(Number);
  }
  if (values["cpu0-hotplug"]) o.cpu0Hotplug = true;
  if (values["state-control"]) o.hotplugStateControl = true;
  if (values["trace-ticks"]) o.traceTicks = true;
  return o;
}

/** Runs a file operation; a failure (missing file, permission…) becomes a clear REPL error. */
export async function io<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    const why = (e as Error).message.replace(/^cannot open [^:]*: /, "");
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
