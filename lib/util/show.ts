/**
 * Values as error messages show them, and lists of valid names, shortened.
 *
 * @module
 */

const SHOWN = 200;

/**
 * A value as an error message shows it: JSON for plain data (as `JSON.stringify` writes it),
 * `NaN`, `Infinity`, `10n`, `Symbol(x)`, "a function"; long text cut short. Never throws, even on
 * a proxy whose traps do.
 *
 * @example
 * ```ts
 * import { show } from "./show.ts";
 * import assert from "node:assert/strict";
 * assert.equal(show("2016"), '"2016"');
 * assert.equal(show(NaN), "NaN");
 * assert.equal(show(10n), "10n");
 * assert.equal(show([0, 9]), "[0,9]");
 * assert.equal(show("x".repeat(1000)).length < 300, true);
 * ```
 */
export function show(value: unknown): string {
  try {
    switch (typeof value) {
      case "string":
        return value.length > SHOWN
          ? `${JSON.stringify(value.slice(0, SHOWN))}… (${value.length} characters)`
          : JSON.stringify(value);
      case "number":
        return Number.isFinite(value) ? JSON.stringify(value) : String(value);
      case "bigint":
        return `${value}n`;
      case "symbol":
        return cut(value.toString());
      case "function":
        return "a function";
      case "undefined":
      case "boolean":
        return String(value);
    }
    if (value === null) return "null";
    const text = JSON.stringify(value);
    if (text !== undefined) return cut(text);
  } catch {
    // A BigInt inside, a cycle, or a proxy's trap: described, not shown.
  }
  try {
    return Array.isArray(value) ? "an array" : "an object";
  } catch {
    return "a revoked proxy";
  }
}

const cut = (text: string) => text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;

/**
 * The names in a list of valid ones, shortened for a message (the first few and a count).
 *
 * @example
 * ```ts
 * import { listed } from "./show.ts";
 * import assert from "node:assert/strict";
 * assert.equal(listed(["a", "b"]), "a, b");
 * assert.equal(listed([1, 2, 3], 2), "1, 2, … (3 in all)");
 * ```
 */
export function listed(names: readonly (string | number)[], most = 12): string {
  const shown = names.slice(0, most).map(String).join(", ");
  return names.length > most ? `${shown}, … (${names.length} in all)` : shown;
}
