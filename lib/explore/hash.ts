/**
 * Hashing exploration's packed numbers: a 64-bit hash (two 32-bit lanes) and a set of such keys
 * in typed arrays, for millions of states without a string or an object each.
 *
 * @module
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * A 64-bit hash of packed numbers, as two unsigned 32-bit halves.
 *
 * @example Equal numbers, equal hashes; a number's position counts
 * ```ts
 * import { hash64 } from "./hash.ts";
 * import assert from "node:assert/strict";
 * const [hi, lo] = hash64([1, 2, 3.5]);
 * assert.ok(hi >= 0 && hi < 2 ** 32 && lo >= 0 && lo < 2 ** 32);
 * assert.deepEqual(hash64([1, 2, 3.5]), [hi, lo]);
 * assert.notDeepEqual(hash64([2, 1, 3.5]), [hi, lo]);
 * ```
 */
export function hash64(xs: ArrayLike<number>): [number, number] {
  const out = new Uint32Array(2);
  hash64Into(xs, out);
  return [out[0], out[1]];
}

/**
 * {@linkcode hash64} written into `out[0]` and `out[1]` (no allocation: it runs per state).
 *
 * @example
 * ```ts
 * import { hash64, hash64Into } from "./hash.ts";
 * import assert from "node:assert/strict";
 * const out = new Uint32Array(2);
 * hash64Into([3, 1.5, 2 ** 40], out);
 * assert.deepEqual([...out], hash64([3, 1.5, 2 ** 40]));
 * ```
 */
export function hash64Into(xs: ArrayLike<number>, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    // Small integers (nearly all of them) hash as themselves; others by their bits.
    if (x === (x | 0)) {
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 13);
    } else {
      f64[0] = x;
      a = Math.imul(a ^ u32[0], 0x01000193) ^ u32[1];
      b = Math.imul(b ^ u32[1], 0x5bd1e995) ^ (b >>> 13) ^ u32[0];
    }
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ xs.length;
  b = Math.imul(b ^ (b >>> 15), 0xc2b2ae35);
  out[0] = a >>> 0;
  out[1] = b >>> 0;
}

/**
 * {@linkcode hash64Into} of the small integer `head` followed by `xs[at…at + n)`, without copying
 * them into one array: a visited state's key is its class then its anchors, hashed once per
 * transition.
 *
 * @example
 * ```ts
 * import { hash64, hash64Of } from "./hash.ts";
 * import assert from "node:assert/strict";
 * const out = new Uint32Array(2);
 * hash64Of(7, Float64Array.of(9, 5e9, 3, 4), 1, 2, out);
 * assert.deepEqual([...out], hash64([7, 5e9, 3]));
 * ```
 */
export function hash64Of(
  head: number,
  xs: ArrayLike<number>,
  at: number,
  n: number,
  out: Uint32Array,
): void {
  // The loop of hash64Into, its first step taken on `head` (a small integer: a class number).
  let a = Math.imul(0x811c9dc5 ^ head, 0x01000193);
  let b = Math.imul(0x9747b28c ^ head, 0x5bd1e995) ^ (0x9747b28c >>> 13);
  for (let i = at; i < at + n; i++) {
    const x = xs[i];
    if (x === (x | 0)) {
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 13);
    } else {
      f64[0] = x;
      a = Math.imul(a ^ u32[0], 0x01000193) ^ u32[1];
      b = Math.imul(b ^ u32[1], 0x5bd1e995) ^ (b >>> 13) ^ u32[0];
    }
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ (n + 1);
  b = Math.imul(b ^ (b >>> 15), 0xc2b2ae35);
  out[0] = a >>> 0;
  out[1] = b >>> 0;
}

/**
 * A set of 64-bit keys (open addressing, linear probing): both halves of a key side by side in
 * one array, so a probe reads one cache line, not one per half and one for a flag (the table is
 * megabytes, read at a random place once per transition: issue 15). The all-zero key marks an
 * empty slot, so that key itself is kept apart, in a flag: every 64-bit key stays distinct (none
 * is folded into another). 8 bytes a slot, at most three quarters full (a probe reads on along
 * one cache line; half full cost a table twice the size: 2.6 % more time a search).
 *
 * Distinct states whose keys collide would be merged; with 64-bit keys the chance is about
 * n²/2^65 (under 10^-7 for a million states).
 *
 * @example
 * ```ts
 * import { KeySet } from "./hash.ts";
 * import assert from "node:assert/strict";
 * const set = new KeySet();
 * assert.ok(set.add(0xdeadbeef, 7));
 * assert.ok(set.add(0, 0));
 * assert.ok(!set.add(0xdeadbeef, 7));
 * assert.ok(!set.add(0, 0));
 * assert.ok(set.add(7, 0xdeadbeef));
 * assert.equal(set.size, 3);
 * ```
 */
export class KeySet {
  // Slot i: the key's halves at 2i and 2i + 1, as int32 (small-integer compares).
  #slots = new Int32Array(2 << 12);
  #mask = (1 << 12) - 1;
  #zero = false;
  #size = 0;

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** Adds a key (two unsigned or signed 32-bit halves); false when it was already there. */
  add(hi: number, lo: number): boolean {
    hi |= 0;
    lo |= 0;
    if ((hi | lo) === 0) {
      if (this.#zero) return false;
      this.#zero = true;
      this.#size++;
      return true;
    }
    if ((this.#size + 1) * 4 > (this.#mask + 1) * 3) this.#grow();
    return this.#put(hi, lo);
  }

  #put(hi: number, lo: number): boolean {
    const t = this.#slots;
    const mask = this.#mask;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;; i = (i + 1) & mask) {
      const h = t[2 * i];
      const l = t[2 * i + 1];
      if ((h | l) === 0) {
        t[2 * i] = hi;
        t[2 * i + 1] = lo;
        this.#size++;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2);
    this.#mask = old.length - 1;
    this.#size = this.#zero ? 1 : 0;
    for (let i = 0; i < old.length; i += 2) {
      if ((old[i] | old[i + 1]) !== 0) this.#put(old[i], old[i + 1]);
    }
  }
}
