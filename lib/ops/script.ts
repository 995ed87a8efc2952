/**
 * `.hvt` scripts: REPL lines, one per line, `#` comments. A script is read as a scenario (a `vm`
 * line for the configuration, then the operations since the last `reset`) by `compare`,
 * `deno task timeline` and the tests, and written by exploration as counterexample replays.
 *
 * @module
 */

import { show } from "../util/check.ts";
import type { MachineConfig } from "../engine/config.ts";
import type { VmOptions } from "../engine/config.ts";
import { shellWord, words } from "./lexer.ts";
import { excerpt } from "../util/excerpt.ts";
import { parseWords, usage } from "./grammar.ts";
import {
  type Operation,
  type OperationName,
  OPERATIONS,
  type OperationSpec,
  type ParseContext,
} from "./operations.ts";
import { VM_GRAMMAR, vmLine, vmOptions } from "./vm_line.ts";

/**
 * The REPL's words that are neither `vm`, `reset` nor an operation, and what a scenario does
 * with each: views and tools that leave the machine as it is are skipped; the ones that change
 * the session or end it cannot be part of one. (A test holds this to the REPL's command table.)
 */
export const OTHER_WORDS: Readonly<Record<string, "skip" | "refuse">> = {
  cpus: "skip",
  bound: "skip",
  devices: "skip",
  cat: "skip",
  ls: "skip",
  dmesg: "skip",
  trace: "skip",
  problems: "skip",
  explore: "skip",
  timeline: "skip",
  report: "skip",
  save: "skip",
  // Breakpoints change no state; a step or a continue runs part of an operation, which a
  // scenario cannot say (it runs each operation whole).
  break: "skip",
  delete: "skip",
  step: "refuse",
  continue: "refuse",
  c: "refuse",
  compare: "refuse",
  load: "refuse",
  source: "refuse",
  help: "refuse",
  quit: "refuse",
  exit: "refuse",
};

/** The operations a scenario may hold, in table order. */
const IN_SCENARIO = (Object.values(OPERATIONS) as readonly OperationSpec[]).filter((s) =>
  s.inScenario
);

/** One operation line of a scenario: as written (whitespace and comments tidied) and parsed. */
export interface ScenarioLine {
  /** The line: its words, one space apart. */
  readonly line: string;
  /** The operation. */
  readonly op: Operation;
}

/**
 * The operation a line's words say, if it is one a scenario may hold; null when the first word is
 * not an operation at all. @throws {RangeError|SyntaxError} for an operation's bad arguments.
 */
function scenarioOperation(argv: readonly string[], ctx: ParseContext): ScenarioLine | null {
  const spec = IN_SCENARIO.find((s) => s.kind === argv[0]);
  if (!spec) return null;
  const op = spec.parse(parseWords(spec.kind, spec.grammar, argv.slice(1)), ctx);
  return { line: argv.map(shellWord).join(" "), op };
}

/**
 * The operation lines of a scenario: blank lines and `#` comments dropped, whitespace collapsed.
 * @throws {SyntaxError} naming the line and the valid forms; {@linkcode RangeError} for an
 * operation's bad arguments; `TypeError` for what is not a string or an array of strings.
 */
export function scenarioLines(
  text: string | readonly string[],
  ctx: ParseContext = { cpus: null },
): ScenarioLine[] {
  if (typeof text !== "string" && !Array.isArray(text)) {
    throw new TypeError(
      `Invalid scenario ${show(text)}: expected a string or an array of lines`,
    );
  }
  const lines = typeof text === "string" ? text.split("\n") : [...text];
  lines.forEach((raw, i) => {
    if (typeof raw !== "string") {
      throw new TypeError(`Scenario line ${i + 1}: ${show(raw)} is not valid; valid: a string`);
    }
  });
  const out: ScenarioLine[] = [];
  lines.forEach((raw, i) => {
    const where = `Scenario line ${i + 1}: ${JSON.stringify(excerpt(String(raw).trim()))}`;
    let argv: string[];
    try {
      argv = words(String(raw));
    } catch (e) {
      throw new SyntaxError(`${where}: ${(e as Error).message}`);
    }
    if (argv.length === 0) return;
    let found: ScenarioLine | null;
    try {
      found = scenarioOperation(argv, ctx);
    } catch (e) {
      const E = e instanceof SyntaxError ? SyntaxError : RangeError;
      throw new E(`${where}: ${(e as Error).message}`);
    }
    if (!found) {
      throw new SyntaxError(
        `${where} is not an operation; valid: ${
          IN_SCENARIO.map((s) => usage(s.kind, s.grammar)).join(", ")
        }`,
      );
    }
    out.push(found);
  });
  return out;
}

/** A script read as a scenario: the configuration and the operation lines. */
export interface ScriptScenario {
  /** The script's last `vm` line, else the base options. */
  readonly options: VmOptions;
  /** Its operation lines since its last `reset` (or `vm` line). */
  readonly lines: readonly string[];
}

/**
 * Reads a script as a scenario: its `vm` line (else `base`) and its operation lines since the
 * last `reset`; views are skipped.
 *
 * @example
 * ```ts
 * import { readScript } from "./script.ts";
 * import assert from "node:assert/strict";
 * const s = readScript("vm --kernel 5.4 --cpus 2\noffline 1\ncpus\nadvance 4ms\n", "s.hvt");
 * assert.deepEqual(s, { options: { kernel: "5.4", cpus: 2 }, lines: ["offline 1", "advance 4ms"] });
 * ```
 * @throws {RangeError|SyntaxError} naming the file, the line and what is wrong.
 */
export function readScript(text: string, name: string, base: VmOptions = {}): ScriptScenario {
  let options = base;
  let lines: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const at = `${name} line ${i + 1}`;
    try {
      const argv = words(raw);
      if (argv.length === 0) return;
      const word = argv[0];
      if (word === "vm") {
        options = vmOptions(parseWords("vm", VM_GRAMMAR, argv.slice(1)).values);
        lines = [];
      } else if (word === ("reset" satisfies OperationName)) {
        // A reset reboots the same configuration: the scenario starts over.
        lines = [];
      } else {
        const found = scenarioOperation(argv, { cpus: null });
        if (found) lines.push(found.line);
        else if (OTHER_WORDS[word] !== "skip") {
          throw new RangeError(
            `${JSON.stringify(excerpt(word))} cannot be part of a scenario; use vm, ${
              IN_SCENARIO.map((s) => s.kind).join(", ")
            } (views are skipped)`,
          );
        }
      }
    } catch (e) {
      const E = e instanceof SyntaxError ? SyntaxError : RangeError;
      throw new E(`${at}: ${(e as Error).message}`);
    }
  });
  return { options, lines };
}

/**
 * A replay script: a comment, the `vm` line, the operations' lines, then `problems`.
 *
 * @example
 * ```ts
 * import { replayScript } from "./script.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const text = replayScript("why", vm({ cpus: 2 }).config(), { cpus: 2 }, ["offline 1"]);
 * assert.match(text, /^# why\nvm --hyperv 2019 .*--cpus 2 .*\noffline 1\nproblems\n$/);
 * ```
 */
export function replayScript(
  comment: string,
  config: MachineConfig,
  options: VmOptions,
  lines: readonly string[],
): string {
  return [`# ${comment}`, vmLine(config, options), ...lines, "problems", ""].join("\n");
}
