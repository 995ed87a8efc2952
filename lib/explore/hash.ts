/**
 * Hashing exploration's packed numbers: a 64-bit hash (two 32-bit lanes) and a set of such keys
 * in typed arrays, for millions of states without a string or an object each.
 *
 * @module
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** A 64-bit hash of packed numbers, as two unsigned 32-bit halves. */
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
 * A set of 64-bit keys in two typed arrays (open addressing): 8 bytes a slot, at most half full.
 * Distinct states whose keys collide would be merged; with 64-bit keys the chance is about
 * n²/2^65 (under 10^-7 for a million states).
 */
export class KeySet {
  #hi = new Uint32Array(1 << 12);
  #lo = new Uint32Array(1 << 12);
  #used = new Uint8Array(1 << 12);
  #size = 0;

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** Adds a key; false when it was already there. */
  add(hi: number, lo: number): boolean {
    if ((this.#size + 1) * 2 > this.#used.length) this.#grow();
    const mask = this.#used.length - 1;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;; i = (i + 1) & mask) {
      if (!this.#used[i]) {
        this.#used[i] = 1;
        this.#hi[i] = hi;
        this.#lo[i] = lo;
        this.#size++;
        return true;
      }
      if (this.#hi[i] === hi && this.#lo[i] === lo) return false;
    }
  }

  #grow(): void {
    const [hi, lo, used] = [this.#hi, this.#lo, this.#used];
    const n = used.length * 2;
    this.#hi = new Uint32Array(n);
    this.#lo = new Uint32Array(n);
    this.#used = new Uint8Array(n);
    this.#size = 0;
    for (let i = 0; i < used.length; i++) if (used[i]) this.add(hi[i], lo[i]);
  }
}
