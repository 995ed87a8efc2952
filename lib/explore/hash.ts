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
 * A set of 64-bit keys in one typed array (open addressing, a key's two halves side by side, so a
 * lookup touches one cache line): 8 bytes a slot, at most half full. The key (0, 0) marks an
 * empty slot, so it is held apart. Distinct states whose keys collide would be merged; with
 * 64-bit keys the chance is about n²/2^65 (under 10^-7 for a million states).
 *
 * @example
 * ```ts
 * import { KeySet } from "./hash.ts";
 * import assert from "node:assert/strict";
 * const set = new KeySet();
 * assert.ok(set.add(0, 0));
 * assert.ok(set.add(1, 2));
 * assert.ok(!set.add(1, 2));
 * assert.ok(!set.add(0, 0));
 * assert.equal(set.size, 2);
 * ```
 */
export class KeySet {
  // Slot i holds hi at 2i, lo at 2i + 1.
  #slots = new Uint32Array(2 << 12);
  #size = 0;
  #zero = false;
  readonly #key = new Uint32Array(2);

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds the key of the numbers whose bits `words` holds (a Uint32Array view of a Float64Array),
   * hashed to 64 bits; false when it was already there. Equal numbers have equal bits but for 0
   * and -0 (the caller writes 0) and NaN (never equal).
   *
   * @example
   * ```ts
   * import { KeySet } from "./hash.ts";
   * import assert from "node:assert/strict";
   * const key = Float64Array.of(3, 5e9, 4294667296, 7);
   * const words = new Uint32Array(key.buffer);
   * const set = new KeySet();
   * assert.ok(set.addKey(words));
   * key[1] += 4e6;
   * assert.ok(set.addKey(words));
   * key[1] -= 4e6;
   * assert.ok(!set.addKey(words));
   * ```
   */
  addKey(words: Uint32Array): boolean {
    // Two lanes over the words (as hash64Into's), then a final mix of each.
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < words.length; i++) {
      const x = words[i];
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 13);
    }
    const key = this.#key;
    key[0] = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ words.length;
    key[1] = Math.imul(b ^ (b >>> 15), 0xc2b2ae35);
    return this.#add();
  }

  /** Adds a key (two unsigned 32-bit halves); false when it was already there. */
  add(hi: number, lo: number): boolean {
    this.#key[0] = hi;
    this.#key[1] = lo;
    return this.#add();
  }

  // Adds #key. The key travels in a typed array, not as arguments: a half of 2^30 or more passed
  // to a function is boxed (a heap number per key, most of a search's garbage).
  #add(): boolean {
    const hi = this.#key[0];
    const lo = this.#key[1];
    if ((hi | lo) === 0) {
      if (this.#zero) return false;
      this.#zero = true;
      this.#size++;
      return true;
    }
    if ((this.#size + 1) * 4 > this.#slots.length) this.#grow();
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;; i = (i + 1) & mask) {
      const h = slots[2 * i];
      const l = slots[2 * i + 1];
      if ((h | l) === 0) {
        slots[2 * i] = hi;
        slots[2 * i + 1] = lo;
        this.#size++;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    const slots = new Uint32Array(old.length * 2);
    const mask = (slots.length >> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      const hi = old[j];
      const lo = old[j + 1];
      if ((hi | lo) === 0) continue;
      let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
      while ((slots[2 * i] | slots[2 * i + 1]) !== 0) i = (i + 1) & mask;
      slots[2 * i] = hi;
      slots[2 * i + 1] = lo;
    }
    this.#slots = slots;
  }
}
