/**
 * The kernel's string-to-number parsers that sysfs stores use (lib/kstrtox.c).
 *
 * @module
 */

import { type RefusalId, refuse } from "./refusals.ts";

/**
 * `kstrtoint(buf, 10, &v)`: the value, or `{ ret: -EINVAL }` for junk and `{ ret: -ERANGE }`
 * beyond an int. One trailing newline is allowed.
 *
 * @example
 * ```ts
 * import { kstrtoint } from "./kstrtox.ts";
 * import assert from "node:assert/strict";
 * assert.equal(kstrtoint("171\n"), 171);
 * assert.deepEqual(kstrtoint("12a"), { ret: -22, refusal: "kstrtoint-syntax" });
 * assert.deepEqual(kstrtoint("2147483648"), { ret: -34, refusal: "kstrtoint-range" });
 * ```
 */
export function kstrtoint(value: string): number | { ret: number; refusal: RefusalId } {
  const m = /^([+-]?\d+)\n?$/.exec(value);
  if (!m) return refuse("kstrtoint-syntax");
  const v = Number(m[1]);
  if (v > 2147483647 || v < -2147483648) return refuse("kstrtoint-range");
  return v;
}

/**
 * `kstrtobool()`: y/Y/1 → true, n/N/0 → false, on/off; anything else null (-EINVAL).
 *
 * @example
 * ```ts
 * import { kstrtobool } from "./kstrtox.ts";
 * import assert from "node:assert/strict";
 * assert.equal(kstrtobool("1\n"), true);
 * assert.equal(kstrtobool("off"), false);
 * assert.equal(kstrtobool("maybe"), null);
 * ```
 */
export function kstrtobool(value: string): boolean | null {
  const v = value.replace(/\n$/, "");
  if (/^[yY1]/.test(v)) return true;
  if (/^[nN0]/.test(v)) return false;
  if (/^[oO][nN]/.test(v)) return true;
  if (/^[oO][fF]/.test(v)) return false;
  return null;
}
