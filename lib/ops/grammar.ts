/**
 * The grammar of a command line (a REPL command, a script line): a word, then positionals and
 * `--options` parsed with `node:util` `parseArgs`. Operations declare theirs here
 * (lib/ops/operations.ts); the REPL builds its commands, help, completion and docs from the same
 * declarations.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { excerpt } from "../util/excerpt.ts";

/** What completes a positional or an option value: a kind, or the valid words. */
export type Completion = "cpu" | "path" | "file" | "command" | readonly string[];

/** One `--option`. */
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

/** One positional argument. */
export interface PositionalSpec {
  /** Its name in usage lines (`CPU`, `DURATION`, `>`). */
  readonly name: string;
  /** May be left out. */
  readonly optional?: boolean;
  /** The last positional only: may be given more than once (`cat PATH…`, as cat takes files). */
  readonly repeats?: boolean;
  /** What completes it. */
  readonly complete?: Completion;
}

/** The words after a command's name. */
export interface Grammar {
  /** Positionals, in order. */
  readonly positionals?: readonly PositionalSpec[];
  /** Options. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
}

/** What {@linkcode parseWords} gives: option values by name, and the positionals. */
export interface Parsed {
  /** Option values (strings, booleans, or string lists for repeatable options). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Positional words. */
  readonly positionals: readonly string[];
}

/**
 * The usage line of command `name` with grammar `g`.
 *
 * @example
 * ```ts
 * import { usage } from "./grammar.ts";
 * import assert from "node:assert/strict";
 * const g = { positionals: [{ name: "CPU" }], options: { tail: { type: "string", value: "N", help: "" } } } as const;
 * assert.equal(usage("offline", g), "offline CPU [--tail N]");
 * ```
 */
export function usage(name: string, g: Grammar): string {
  const opts = Object.entries(g.options ?? {}).map(([o, spec]) =>
    `[--${o}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}]${
      spec.multiple ? "…" : ""
    }`
  );
  const pos = (g.positionals ?? []).map((p) =>
    `${p.optional ? `[${p.name}]` : p.name}${p.repeats ? "…" : ""}`
  );
  return [name, ...pos, ...opts].join(" ");
}

/**
 * Parses the words after command `name` against its grammar.
 *
 * @example
 * ```ts
 * import { parseWords } from "./grammar.ts";
 * import assert from "node:assert/strict";
 * const g = { positionals: [{ name: "CPU" }] };
 * assert.deepEqual(parseWords("offline", g, ["2"]).positionals, ["2"]);
 * assert.throws(() => parseWords("offline", g, []), /expected offline CPU, got ""/);
 * ```
 * @throws {RangeError} naming what is valid: an unknown option, a missing or extra positional, a
 * negative number.
 */
export function parseWords(name: string, g: Grammar, argv: readonly string[]): Parsed {
  const options = Object.fromEntries(
    Object.entries(g.options ?? {}).map((
      [o, spec],
    ) => [o, spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type }]),
  );
  const negative = argv.find((a) => /^-\d/.test(a));
  if (negative !== undefined) {
    throw new RangeError(
      `invalid value ${JSON.stringify(negative)}: negative numbers and durations are not valid`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const valid = Object.keys(g.options ?? {}).map((o) => `--${o}`).join(", ") || "none";
    throw new RangeError(
      `${excerpt((e as Error).message.replace(/\. To specify.*$/s, ""))}; valid options: ${valid}`,
    );
  }
  const spec = g.positionals ?? [];
  const required = spec.filter((p) => !p.optional).length;
  const most = spec.at(-1)?.repeats ? Infinity : spec.length;
  if (parsed.positionals.length < required || parsed.positionals.length > most) {
    throw new RangeError(
      `expected ${usage(name, g)}, got ${JSON.stringify(excerpt(argv.join(" ")))}`,
    );
  }
  return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
}

/**
 * A CPU number given as a line's word; `cpus` (the machine's count, when known) bounds it.
 *
 * @example
 * ```ts
 * import { cpuWord } from "./grammar.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpuWord("3", 4), 3);
 * assert.throws(() => cpuWord("4", 4), /invalid CPU "4": this VM has CPUs 0 to 3/);
 * ```
 * @throws {RangeError} naming the word and the valid CPUs.
 */
export function cpuWord(text: string, cpus: number | null): number {
  const n = Number(text);
  const valid = cpus === null ? "expected a CPU number" : `this VM has CPUs 0 to ${cpus - 1}`;
  if (!/^\d+$/.test(text) || (cpus !== null && n >= cpus)) {
    throw new RangeError(`invalid CPU ${JSON.stringify(text)}: ${valid}`);
  }
  return n;
}
