/**
 * Reading values that come from outside before checking them: a copy that no proxy's trap or
 * getter can change afterwards, and what cannot be read or copied as a `TypeError` naming where.
 *
 * @module
 */

import { show } from "./show.ts";

/**
 * Whether `v` is a plain object (not null, an array, a function, a class instance or a Date).
 *
 * @example
 * ```ts
 * import { isPlainObject } from "./read.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isPlainObject({ a: 1 }), true);
 * assert.equal(isPlainObject([]), false);
 * assert.equal(isPlainObject(new Date(0)), false);
 * ```
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * `value` as plain data, safe to check: objects and arrays copied (functions and class instances
 * kept as they are), so that a proxy's trap or a getter runs once, here; what it throws becomes a
 * `TypeError` naming `at`.
 *
 * @example
 * ```ts
 * import { readInput } from "./read.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(readInput({ a: [1, { b: 2 }] }, "options"), { a: [1, { b: 2 }] });
 * const trap = new Proxy({}, { ownKeys() { throw new Error("no"); } });
 * assert.throws(() => readInput(trap, "options"), /options: it cannot be read \(no\)/);
 * ```
 * @throws {TypeError} when reading the value throws.
 */
export function readInput<T>(value: T, at: string): T {
  return copyOf(value, at, null) as T;
}

/**
 * `value` copied as data (`structuredClone`: what a check of its type then reads, with no proxy
 * or getter left to run); what cannot be copied (a function, a symbol) or cannot be read is a
 * `TypeError` naming where it is. What copies but is not plain data (a Date, a Map) is left for
 * the check of its type to refuse.
 *
 * @example
 * ```ts
 * import { readData } from "./read.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(readData({ a: [1, "x", null] }, "snapshot"), { a: [1, "x", null] });
 * assert.throws(() => readData({ a: [1, () => 2] }, "snapshot"), /snapshot.a\[1\]: a function is not plain data/);
 * ```
 * @throws {TypeError} for what cannot be copied.
 */
export function readData<T = unknown>(value: unknown, at: string): T {
  try {
    return structuredClone(value) as T;
  } catch (e) {
    // Where it failed, found by a walk that names each place (only now: it is slow); what
    // structuredClone copies whole (a typed array, a Date) it does not enter.
    copyOf(value, at, () => true);
    throw new TypeError(`${at}: it cannot be copied (${(e as Error)?.message ?? show(e)})`, {
      cause: e,
    });
  }
}

/**
 * A walk of `value`: with `keep` null, a copy (objects and arrays copied, anything else kept as
 * it is); else a search for what `structuredClone` cannot copy, a function or a symbol, thrown
 * with its place (what `keep` accepts is not entered). A read that throws is a `TypeError`.
 */
function copyOf(value: unknown, at: string, keep: ((v: object) => boolean) | null): unknown {
  const seen = new Map<object, unknown>();
  const copy = (v: unknown, where: string): unknown => {
    if (typeof v === "function" || typeof v === "symbol") {
      if (keep === null) return v;
      throw new TypeError(`${where}: ${show(v)} is not plain data`);
    }
    if (typeof v !== "object" || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (let i = 0; i < v.length; i++) out.push(copy(v[i], `${where}[${i}]`));
      return out;
    }
    if (!isPlainObject(v)) {
      if (keep === null || keep(v)) return v;
      throw new TypeError(`${where}: ${show(v)} is not plain data`);
    }
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const k of Object.keys(v)) {
      // Defined, not assigned: a key "__proto__" stays a key.
      Object.defineProperty(out, k, {
        value: copy(v[k], `${where}.${k}`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  try {
    return copy(value, at);
  } catch (e) {
    if (e instanceof TypeError && e.message.startsWith(at)) throw e;
    throw new TypeError(`${at}: it cannot be read (${(e as Error)?.message ?? show(e)})`, {
      cause: e,
    });
  }
}
