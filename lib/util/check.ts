/**
 * Checking values that come from outside: arguments of the public API, options objects and
 * snapshots. A {@linkcode Check} says what is valid in words and, given a value and where it is
 * (`options.depth`, `snapshot.cpus[2].tickDev`), returns it typed or throws: a `TypeError` when
 * it is of the wrong kind (a string for a number, an unknown key), a `RangeError` when it is of
 * the right kind and not a valid value. Messages name the place, the value and what is valid.
 *
 * @module
 */

import { didYouMean } from "./hint.ts";
import { listed, show } from "./show.ts";
import { isPlainObject } from "./read.ts";

export { listed, show } from "./show.ts";
export { isPlainObject, readData, readInput } from "./read.ts";

/**
 * A check of an outside value: returns it as a `T` or throws a `TypeError` / `RangeError` that
 * names `at`, the value and {@linkcode Check.want}.
 */
export interface Check<T> {
  (value: unknown, at: string): T;
  /** What is valid, in words ("an integer from 0 to 3"). */
  readonly want: string;
  /** The value may be absent (undefined). */
  readonly optional?: boolean;
}

/**
 * Makes a check from its description and its test.
 *
 * @example
 * ```ts
 * import { check } from "./check.ts";
 * import assert from "node:assert/strict";
 * const even = check("an even number", (v, at) => {
 *   if (typeof v !== "number" || v % 2) throw new RangeError(`${at}: not even`);
 *   return v;
 * });
 * assert.equal(even(2, "n"), 2);
 * assert.equal(even.want, "an even number");
 * ```
 */
export function check<T>(
  want: string,
  test: (value: unknown, at: string) => T,
  optional = false,
): Check<T> {
  return Object.assign(test, { want, optional });
}

/**
 * Throws for `value` at `at`: a `TypeError` when `kind` is "type", a `RangeError` when "range".
 *
 * @example
 * ```ts
 * import { invalid } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => invalid("cpus", "4", "a number", "type"), /^TypeError: cpus: "4" is not a number$/);
 * ```
 * @throws {TypeError|RangeError} always.
 */
export function invalid(
  at: string,
  value: unknown,
  want: string,
  kind: "type" | "range",
  extra = "",
): never {
  const E = kind === "type" ? TypeError : RangeError;
  throw new E(`${at}: ${show(value)} is not ${want}${extra}`);
}

/**
 * An integer from `min` to `max` (safe integers by default).
 *
 * @example
 * ```ts
 * import { integer } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.equal(integer(0, 3)(2, "cpu"), 2);
 * assert.throws(() => integer(0, 3)(1.5, "cpu"), /cpu: 1.5 is not an integer from 0 to 3/);
 * assert.throws(() => integer(0, 3)("2", "cpu"), TypeError);
 * ```
 */
export function integer(
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
  want = `an integer from ${min} to ${max}`,
): Check<number> {
  return check(want, (v, at) => {
    if (typeof v !== "number") invalid(at, v, want, "type");
    if (!Number.isInteger(v) || v < min || v > max) invalid(at, v, want, "range");
    return v as number;
  });
}

/**
 * Exactly `value` (a sentinel number such as `KTIME_MAX`), or what `c` accepts.
 *
 * @example
 * ```ts
 * import { integer, or } from "./check.ts";
 * import assert from "node:assert/strict";
 * const expires = or(-1, integer(0));
 * assert.equal(expires(-1, "t"), -1);
 * assert.throws(() => expires(-2, "t"), /t: -2 is not -1 or an integer from 0/);
 * ```
 */
export function or<T, const V extends string | number | null>(value: V, c: Check<T>): Check<T | V> {
  const want = `${show(value)} or ${c.want}`;
  return check(want, (v, at) => {
    if (v === value) return value;
    try {
      return c(v, at);
    } catch (e) {
      invalid(at, v, want, e instanceof TypeError && v !== null ? "type" : "range");
    }
  });
}

/**
 * A boolean.
 *
 * @example
 * ```ts
 * import { boolean } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.equal(boolean(true, "on"), true);
 * assert.throws(() => boolean("yes", "on"), /on: "yes" is not true or false/);
 * ```
 */
export const boolean: Check<boolean> = check("true or false", (v, at) => {
  if (typeof v !== "boolean") invalid(at, v, "true or false", "type");
  return v as boolean;
});

/**
 * A string (of at most `max` characters).
 *
 * @example
 * ```ts
 * import { string } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.equal(string()("x", "name"), "x");
 * assert.throws(() => string(3)("abcd", "name"), RangeError);
 * ```
 */
export function string(max = Number.MAX_SAFE_INTEGER, want = "a string"): Check<string> {
  return check(want, (v, at) => {
    if (typeof v !== "string") invalid(at, v, want, "type");
    if ((v as string).length > max) invalid(at, v, `${want} of at most ${max} characters`, "range");
    return v as string;
  });
}

/**
 * One of `values` (strings get a did-you-mean hint).
 *
 * @example
 * ```ts
 * import { oneOf } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.equal(oneOf(["on", "off"] as const)("on", "power"), "on");
 * assert.throws(() => oneOf(["on", "off"] as const)("of", "power"), /did you mean "off"/);
 * ```
 */
export function oneOf<const V extends readonly (string | number | boolean | null)[]>(
  values: V,
  want = "one of the valid values",
): Check<V[number]> {
  const set = new Set<unknown>(values);
  const names = values.map((v) => typeof v === "string" ? v : String(v));
  return check(`${want} (${listed(names)})`, (v, at) => {
    if (set.has(v)) return v as V[number];
    const kinds = new Set(values.map((x) => x === null ? "null" : typeof x));
    const kind = kinds.has(v === null ? "null" : typeof v) ? "range" : "type";
    const hint = typeof v === "string" ? didYouMean(v, names) : "";
    invalid(at, v, want, kind, `${hint}; valid: ${listed(names)}`);
  });
}

/**
 * A function (a callback: what it does when called is the caller's).
 *
 * @example
 * ```ts
 * import { func } from "./check.ts";
 * import assert from "node:assert/strict";
 * const stop = () => true;
 * assert.equal(func()(stop, "shouldStop"), stop);
 * assert.throws(() => func()(1, "shouldStop"), /shouldStop: 1 is not a callback/);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function func<T extends (...args: any[]) => unknown>(want = "a callback"): Check<T> {
  return check(want, (v, at) => {
    if (typeof v !== "function") invalid(at, v, want, "type");
    return v as T;
  });
}

/**
 * `null` or what `c` accepts.
 *
 * @example
 * ```ts
 * import { nullable, string } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nullable(string())(null, "dev"), null);
 * assert.throws(() => nullable(string())(1, "dev"), /dev: 1 is not a string/);
 * ```
 */
export function nullable<T>(c: Check<T>): Check<T | null> {
  return check(`null or ${c.want}`, (v, at) => v === null ? null : c(v, at));
}

/**
 * Absent (undefined) or what `c` accepts.
 *
 * @example
 * ```ts
 * import { optional, string } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.equal(optional(string())(undefined, "title"), undefined);
 * assert.equal(optional(string()).optional, true);
 * ```
 */
export function optional<T>(c: Check<T>): Check<T | undefined> {
  return check(c.want, (v, at) => v === undefined ? undefined : c(v, at), true);
}

/**
 * An array of what `c` accepts (of at most `max` elements).
 *
 * @example
 * ```ts
 * import { arrayOf, integer } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(arrayOf(integer())([1, 2], "mask"), [1, 2]);
 * assert.throws(() => arrayOf(integer())([1, "2"], "mask"), /mask\[1\]: "2" is not an integer/);
 * ```
 */
export function arrayOf<T>(c: Check<T>, max = Number.MAX_SAFE_INTEGER): Check<T[]> {
  const want = `an array of ${c.want}`;
  return check(want, (v, at) => {
    if (!Array.isArray(v)) invalid(at, v, want, "type");
    const a = v as unknown[];
    if (a.length > max) invalid(at, v, `${want}, at most ${max}`, "range");
    for (let i = 0; i < a.length; i++) c(a[i], `${at}[${i}]`);
    return a as T[];
  });
}

/**
 * An array of distinct values `c` accepts (CPU masks, id lists).
 *
 * @example
 * ```ts
 * import { integer, setOf } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => setOf(integer())([1, 1], "mask"), /mask\[1\]: 1 is not listed once/);
 * ```
 */
export function setOf<T>(c: Check<T>, max?: number): Check<T[]> {
  const list = arrayOf(c, max);
  return check(`${list.want}, each once`, (v, at) => {
    const a = list(v, at);
    const seen = new Set<T>();
    a.forEach((x, i) => {
      if (seen.has(x)) invalid(`${at}[${i}]`, x, "listed once (it is a repeat)", "range");
      seen.add(x);
    });
    return a;
  });
}

/**
 * An object whose values `c` accepts, its keys what `key` accepts.
 *
 * @example
 * ```ts
 * import { integer, recordOf } from "./check.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(recordOf(integer())({ a: 1 }, "list"), { a: 1 });
 * assert.throws(() => recordOf(integer())({ a: "1" }, "list"), /list\["a"\]: "1" is not an integer/);
 * ```
 */
export function recordOf<T>(c: Check<T>, key: Check<string> = string()): Check<Record<string, T>> {
  const want = `an object of ${c.want}`;
  return check(want, (v, at) => {
    if (!isPlainObject(v)) invalid(at, v, want, "type");
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      key(k, `${at} key`);
      c(x, `${at}[${JSON.stringify(k)}]`);
    }
    return v as Record<string, T>;
  });
}

/** A check per field of `T`: every field named, each check giving the field's type. */
export type Fields<T> = { readonly [K in keyof T]-?: Check<T[K]> };

/**
 * A plain object with exactly the fields of `fields` (those whose check is
 * {@linkcode optional} may be absent), each checked: an unknown key is a `TypeError` with a
 * did-you-mean hint.
 *
 * @example
 * ```ts
 * import { integer, object, optional } from "./check.ts";
 * import assert from "node:assert/strict";
 * const options = object<{ depth?: number }>({ depth: optional(integer(0, 64)) }, "explore options");
 * assert.deepEqual(options({ depth: 2 }, "options"), { depth: 2 });
 * assert.throws(() => options({ dept: 2 }, "options"), /options: unknown key "dept" \(did you mean "depth"\?\)/);
 * ```
 */
export function object<T>(fields: Fields<T>, want = "an object"): Check<T> {
  const keys = Object.keys(fields) as (keyof T & string)[];
  const checks = keys.map((k) => fields[k] as Check<unknown>);
  const unknown = (o: Record<string, unknown>, at: string) => {
    for (const k of Object.keys(o)) {
      if (!Object.hasOwn(fields, k)) {
        throw new TypeError(
          `${at}: unknown key ${show(k)}${didYouMean(k, keys)}; valid: ${listed(keys, 30)}`,
        );
      }
    }
  };
  return check(want, (v, at) => {
    if (!isPlainObject(v)) invalid(at, v, `${want} (a plain object)`, "type");
    const o = v as Record<string, unknown>;
    // The keys given that are fields; any other key is unknown (found when the counts differ).
    let given = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const x = o[k];
      if (x === undefined) {
        if (!checks[i].optional) {
          unknown(o, at);
          throw new TypeError(`${at}.${k} is missing: expected ${checks[i].want}`);
        }
        if (Object.hasOwn(o, k)) given++;
        continue;
      }
      given++;
      checks[i](x, `${at}.${k}`);
    }
    if (Object.keys(o).length !== given) unknown(o, at);
    return o as T;
  });
}
