/**
 * Sizes in bytes as people write them: `512MiB`, `2GiB`, `1.5GiB`, `4096`.
 *
 * @module
 */

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

/**
 * The bytes a size names: a number with an optional binary unit (B, KiB, MiB, GiB, TiB).
 *
 * @example
 * ```ts
 * import { parseBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseBytes("512MiB"), 512 * 2 ** 20);
 * assert.equal(parseBytes("1.5GiB"), 1.5 * 2 ** 30);
 * assert.throws(() => parseBytes("2GB"), /Invalid size "2GB": expected a number and a unit: B, KiB, MiB, GiB, TiB/);
 * ```
 * @throws {RangeError} for anything else, or a size below one byte or past 2^53.
 */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(String(text).trim());
  const unit = m ? UNITS[m[2]] : undefined;
  const bytes = m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new RangeError(
      `Invalid size ${JSON.stringify(String(text))}: expected a number and a unit: ` +
        `${Object.keys(UNITS).filter((u) => u).join(", ")} (e.g. 512MiB, 2GiB)`,
    );
  }
  return bytes;
}

/**
 * A size for people: the largest binary unit it reaches, one decimal.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./bytes.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatBytes(2 ** 30), "1.0 GiB");
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * assert.equal(formatBytes(10), "10 B");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["TiB", "GiB", "MiB", "KiB"] as const;
  for (const u of units) if (bytes >= UNITS[u]) return `${(bytes / UNITS[u]).toFixed(1)} ${u}`;
  return `${bytes} B`;
}

/**
 * The bytes `text` takes in UTF-8 (what a file of it holds), without encoding an ASCII text.
 *
 * @example
 * ```ts
 * import { utf8Length } from "./bytes.ts";
 * import assert from "node:assert/strict";
 * assert.equal(utf8Length("tick"), 4);
 * assert.equal(utf8Length("a — b"), 7);
 * ```
 */
export function utf8Length(text: string): number {
  // deno-lint-ignore no-control-regex
  return /[^\x00-\x7f]/.test(text) ? new TextEncoder().encode(text).length : text.length;
}
