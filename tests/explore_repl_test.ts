/** The REPL's explore: JSON result, interruption by the shell's signal, and packed keys. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { vm } from "../mod.ts";
import { Session } from "../repl/session.ts";
import { hash64, Packer } from "../lib/explore/pack.ts";

Deno.test("explore stops when the shell's signal fires (Ctrl-C) and reports what it covered", async () => {
  const session = new Session();
  await session.execute("vm --hyperv 2019 --kernel 5.5 --cpus 4");
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 100);
  const out = await session.execute("explore --depth 14", { signal: abort.signal });
  assert.equal(out.ok, true);
  const result = out.result as { stopped: string; depthCovered: number; states: number };
  assert.equal(result.stopped, "interrupted");
  assert.ok(result.depthCovered < 14 && result.states > 0);
  assert.match(
    out.text,
    /stopped \(interrupted\): every sequence up to \d+ of 14 operations covered/,
  );
  // The session is untouched: explore boots its own machines.
  assert.equal(session.machine!.now, 0);
  assert.equal(session.log.length, 0);
});

Deno.test("explore --time stops on a wall-clock budget", async () => {
  const session = new Session();
  await session.execute("vm --hyperv 2019 --kernel 5.5 --cpus 4");
  const out = await session.execute("explore --depth 14 --time 50ms", {});
  assert.equal((out.result as { stopped: string }).stopped, "time budget");
});

Deno.test("packed keys: two states have equal keys exactly when their fingerprints are equal", () => {
  type Op = { kind: "online" | "offline" | "advance"; cpu: number };
  const op = fc.record({
    kind: fc.constantFrom("online" as const, "offline" as const, "advance" as const),
    cpu: fc.integer({ min: 1, max: 2 }),
  });
  fc.assert(
    fc.property(
      fc.constantFrom("5.2", "5.4", "5.5", "6.1"),
      fc.constantFrom("2012R2", "2019"),
      fc.array(fc.array(op, { maxLength: 4 }), { minLength: 2, maxLength: 6 }),
      (kernel, hyperv, histories) => {
        const packer = new Packer();
        const seen = histories.map((history: Op[]) => {
          const m = vm({ hyperv, kernel, cpus: 3 }).build();
          m.parkRace = "passes";
          for (const o of history) {
            if (m.hung) break;
            if (o.kind === "advance") m.advance("4ms");
            else m[o.kind](o.cpu);
          }
          return { key: hash64(packer.pack(m.snapshot())).join(":"), fp: m.fingerprint() };
        });
        for (const a of seen) {
          for (const b of seen) assert.equal(a.key === b.key, a.fp === b.fp);
        }
      },
    ),
    { numRuns: 80, seed: 7 },
  );
});
