/**
 * The breadth-first search's levels of rows (frontier.ts): the level being expanded and the one
 * being queued, each a list of fixed-size chunks of one Float64Array each. A spent level's chunks
 * are written over by the levels after it, so a search allocates about two levels' worth, once.
 * One array per level, doubled as it filled, allocated, zeroed and copied 11 MiB for the 137,011
 * states of the 4-vCPU bench search, about 2,800 fresh pages (issue 15).
 *
 * @module
 */

// A chunk holds at most this many bytes of rows (and at least one row).
const CHUNK_BYTES = 128 * 1024;

/**
 * Two levels of rows `width` numbers wide: {@linkcode Levels.slot} queues a row on the next
 * level, {@linkcode Levels.advance} makes that level the one to expand.
 *
 * @example
 * ```ts
 * import { Levels } from "./levels.ts";
 * import assert from "node:assert/strict";
 * const levels = new Levels(3);
 * for (let r = 0; r < 5000; r++) levels.tail[levels.slot()] = r;
 * levels.advance(true);
 * assert.equal(levels.count, 5000);
 * assert.equal(levels.chunk(4321)[levels.offset(4321)], 4321);
 * ```
 */
export class Levels {
  /** Rows of the level being expanded. */
  count = 0;
  /** Rows queued on the next level. */
  nextCount = 0;
  /** The chunk the row of the last {@linkcode Levels.slot} is in. */
  tail: Float64Array = new Float64Array(0);
  readonly #w: number;
  // Rows per chunk: 2^#shift.
  readonly #shift: number;
  #level: Float64Array[] = [];
  #next: Float64Array[] = [];
  // Chunks of spent levels, to be written over.
  #free: Float64Array[] = [];

  /** Levels of rows of `width` numbers. */
  constructor(width: number) {
    this.#w = width;
    let shift = 0;
    while ((2 << shift) * width * 8 <= CHUNK_BYTES) shift++;
    this.#shift = shift;
  }

  /** The chunk of row `i` of the level being expanded. */
  chunk(i: number): Float64Array {
    return this.#level[i >> this.#shift];
  }

  /** Where row `i` of the level being expanded starts in its chunk. */
  offset(i: number): number {
    return (i & ((1 << this.#shift) - 1)) * this.#w;
  }

  /** Queues a row on the next level: where it starts in `tail`, to be written whole. */
  slot(): number {
    const r = this.nextCount & ((1 << this.#shift) - 1);
    if (r === 0) {
      this.tail = this.#free.pop() ?? new Float64Array(this.#w << this.#shift);
      this.#next.push(this.tail);
    }
    this.nextCount++;
    return r * this.#w;
  }

  /**
   * The next level becomes the one to expand, and the spent level's chunks are kept to be
   * written over (`keep`), or let go (when no level after it queues a row).
   */
  advance(keep: boolean): void {
    if (keep) this.#free.push(...this.#level);
    else this.#free = [];
    this.#level = this.#next;
    this.count = this.nextCount;
    this.#next = [];
    this.nextCount = 0;
  }
}
