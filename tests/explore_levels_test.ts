/**
 * The search's levels of rows (lib/explore/levels.ts `Levels`) against plain arrays of rows: a
 * level reads back exactly the rows queued on it, in order, across chunk boundaries and after
 * its chunks were written over by later levels, for row widths from one number to a 64-vCPU
 * state's.
 */
import assert from "node:assert/strict";
import { Levels } from "../lib/explore/levels.ts";

Deno.test("a level reads back the rows queued on it, in order, with its chunks written over by later levels", () => {
  let x = 0x2545f491;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  // 1 and 3: many rows a chunk (16,384 and 4,096); 9: a 4-vCPU row, 1,024 a chunk; 69: a 64-vCPU
  // row (node, class, 67 anchors), 128 a chunk.
  for (const width of [1, 3, 9, 69]) {
    const levels = new Levels(width);
    // Levels that grow, shrink and are empty; the last one's chunks let go (keep false).
    const sizes = [1, 16, 3000, 17_000, 9000, 0, 5, 40_000, 2];
    let queued: number[][] = [];
    for (let l = 0; l < sizes.length; l++) {
      for (let r = 0; r < sizes[l]; r++) {
        const row = Array.from({ length: width }, () => next());
        const at = levels.slot();
        for (let a = 0; a < width; a++) levels.tail[at + a] = row[a];
        queued.push(row);
      }
      assert.equal(levels.nextCount, sizes[l]);
      levels.advance(l !== 6);
      assert.equal(levels.count, sizes[l]);
      assert.equal(levels.nextCount, 0);
      for (let i = 0; i < levels.count; i++) {
        const chunk = levels.chunk(i);
        const at = levels.offset(i);
        assert.deepEqual(
          Array.from(chunk.subarray(at, at + width)),
          queued[i],
          `width ${width}, level ${l}, row ${i}`,
        );
      }
      queued = [];
    }
  }
});
