/**
 * The visited set (lib/explore/hash.ts `KeySet`) against a plain `Set` of the same keys: a search
 * counts a state once by what `add` answers, so the set must answer exactly as a set of 64-bit
 * values would, through every growth of its table, for the all-zero key it keeps apart (that key
 * marks an empty slot in the table) and for keys given as unsigned or signed halves alike.
 */
import assert from "node:assert/strict";
import { KeySet } from "../lib/explore/hash.ts";

// A fixed sequence of 32-bit numbers (xorshift32): the same keys on every run.
function numbers(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

Deno.test("the visited set answers as a set of 64-bit keys would, through every growth of its table", () => {
  const next = numbers(0x2545f491);
  const set = new KeySet();
  const plain = new Set<string>();
  // Keys from a small pool, so that about a third are seen again, as in a search; halves of zero
  // on either side, and the all-zero key itself, among them.
  const pool: [number, number][] = [[0, 0], [0, 1], [1, 0], [0, 0xffffffff], [0xffffffff, 0]];
  for (let i = 0; i < 60_000; i++) pool.push([next(), next() & 0xffff]);
  for (let i = 0; i < 200_000; i++) {
    const [hi, lo] = pool[next() % pool.length];
    const key = `${hi}:${lo}`;
    assert.equal(set.add(hi, lo), !plain.has(key), `add(${hi}, ${lo}), key ${i}`);
    plain.add(key);
    assert.equal(set.size, plain.size);
  }
  // 60,005 distinct keys at most: the table grew from 4,096 slots through several doublings.
  assert.ok(set.size > 50_000, `${set.size} keys`);
});

Deno.test("the visited set takes a half as unsigned or signed alike (hash64 gives unsigned halves)", () => {
  const set = new KeySet();
  assert.ok(set.add(0xdeadbeef, 0x80000000));
  assert.ok(!set.add(0xdeadbeef | 0, 0x80000000 | 0));
  assert.ok(set.add(0, 0));
  assert.ok(!set.add(-0, 0));
  assert.equal(set.size, 2);
});
