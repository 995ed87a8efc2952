/**
 * Bounded quoting of user input in messages: an error must say what was wrong without repeating a
 * 50 MB line back (issue 12).
 *
 * @module
 */

/** The longest command line hvtick reads (a kernel sysfs write takes at most a page, 4096 bytes). */
export const MAX_LINE = 16_384;

/**
 * What an error message quotes of a line or a word: its first `max` characters, then `…` when it
 * was longer (a foreign file's line is not echoed whole).
 *
 * @example
 * ```ts
 * import { excerpt } from "./excerpt.ts";
 * import assert from "node:assert/strict";
 * assert.equal(excerpt("offline 2"), "offline 2");
 * assert.equal(excerpt("x".repeat(100)), "x".repeat(80) + "…");
 * ```
 */
export function excerpt(text: string, max = 80): string {
  if (text.length <= max) return text;
  // Never half a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]) ? max - 1 : max;
  return text.slice(0, end) + "…";
}

/**
 * Refuses a line longer than {@linkcode MAX_LINE} before anything reads it word by word.
 *
 * @example
 * ```ts
 * import { checkLineLength } from "./excerpt.ts";
 * import assert from "node:assert/strict";
 * checkLineLength("bound 1");
 * assert.throws(() => checkLineLength("a".repeat(20_000)), /20000 characters long; the longest line hvtick reads is 16384/);
 * ```
 * @throws {RangeError} for a longer line, quoting only its start.
 */
export function checkLineLength(line: string): void {
  if (line.length > MAX_LINE) {
    throw new RangeError(
      `the line ${
        JSON.stringify(line.slice(0, 40))
      }… is ${line.length} characters long; the longest line ` +
        `hvtick reads is ${MAX_LINE}`,
    );
  }
}
