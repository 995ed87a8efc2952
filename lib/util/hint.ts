/**
 * "Did you mean" hints for misspelt names.
 *
 * @module
 */

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * Returns the closest candidate to `input` (case-insensitive edit distance), or `undefined` when
 * none is close enough to be a plausible typo.
 *
 * @example
 * ```ts
 * import { closest } from "./hint.ts";
 * import assert from "node:assert/strict";
 * assert.equal(closest("2012r2", ["2012", "2012R2", "2016"]), "2012R2");
 * assert.equal(closest("banana", ["2012", "2016"]), undefined);
 * ```
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  const prefixed = candidates.filter((c) =>
    needle.length > 0 && c.toLowerCase().startsWith(needle)
  );
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestScore = Infinity;
  const limit = Math.max(1, Math.floor(needle.length / 3));
  for (const candidate of candidates) {
    // The distance is at least the difference in length: a far longer input is no typo.
    if (Math.abs(candidate.length - needle.length) > limit) continue;
    const score = distance(needle, candidate.toLowerCase());
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return bestScore <= limit ? best : undefined;
}

/**
 * Formats " (did you mean X?)" or "" for use at the end of an error message.
 *
 * @example
 * ```ts
 * import { didYouMean } from "./hint.ts";
 * import assert from "node:assert/strict";
 * assert.equal(didYouMean("arm", ["x86_64", "arm64"]), ' (did you mean "arm64"?)');
 * ```
 */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const hint = closest(input, candidates);
  return hint === undefined ? "" : ` (did you mean ${JSON.stringify(hint)}?)`;
}
