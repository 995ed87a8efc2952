/**
 * Splits a REPL line into words, shell-style: whitespace separates, single and double quotes
 * group, a backslash escapes the next character, `#` starts a comment, and `>` (outside quotes)
 * is a word of its own so `echo 0 > path` works; how a word is written back, and how much of a
 * line a message quotes.
 *
 * @module
 */

import { checkLineLength } from "../util/excerpt.ts";

/**
 * The words of `line`.
 *
 * @example
 * ```ts
 * import { words } from "./lexer.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(words('echo 0 >/sys/x # off'), ["echo", "0", ">", "/sys/x"]);
 * assert.deepEqual(words("cat 'a b'"), ["cat", "a b"]);
 * ```
 * @throws {SyntaxError} for an unterminated quote or a trailing backslash; {@linkcode RangeError}
 * for a line longer than hvtick reads (`MAX_LINE`, lib/util/excerpt.ts).
 */
export function words(line: string): string[] {
  checkLineLength(line);
  const out: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
      continue;
    }
    if (ch === "#" && !inWord) break;
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= line.length) throw new SyntaxError("Trailing backslash: nothing to escape");
      word += line[++i];
      inWord = true;
    } else if (ch === ">") {
      if (inWord) out.push(word);
      out.push(">");
      word = "";
      inWord = false;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new SyntaxError(`Unterminated ${quote === '"' ? "double" : "single"} quote`);
  if (inWord) out.push(word);
  return out;
}

/**
 * A word as a line writes it: bare when {@linkcode words} reads it back as itself (the `>` of a
 * redirection included), else double-quoted.
 *
 * @example
 * ```ts
 * import { shellWord, words } from "./lexer.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shellWord("Hyper-V clockevent"), '"Hyper-V clockevent"');
 * assert.deepEqual(words(["echo", "a b", ">", "/x"].map(shellWord).join(" ")), ["echo", "a b", ">", "/x"]);
 * ```
 */
export function shellWord(text: string): string {
  return text === ">" || /^[^\s"'\\#>]+$/.test(text) ? text : JSON.stringify(text);
}
