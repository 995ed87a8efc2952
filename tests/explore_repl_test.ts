/** The REPL's explore: JSON result, interruption by the shell's signal, and packed keys. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { vm } from "../mod.ts";
import { Session } from "../repl/session.ts";
import { PACKED_FIELDS, Packer } from "../lib/explore/pack.ts";
import { hash64 } from "../lib/explore/hash.ts";

Deno.test("explore stops when the shell's signal fires (Ctrl-C) and reports what it covered", async () => {
  const session = new Session();
  await session.execute("vm --hyperv 2019 --kernel 5.5 --cpus 4");
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 100);
  // A search no machine finishes in 100 ms (depth 14 with symmetry now takes a few milliseconds).
  const out = await session.execute("explore --depth 30 --symmetry off", { signal: abort.signal });
  assert.equal(out.ok, true);
  const result = out.result as { stopped: string; depthCovered: number; states: number };
  assert.equal(result.stopped, "interrupted");
  assert.ok(result.depthCovered < 30 && result.states > 0);
  assert.match(
    out.text,
    /stopped \(interrupted\): every sequence up to \d+ of 30 operations covered/,
  );
  // The session is untouched: explore boots its own machines.
  assert.equal(session.machine!.now, 0);
  assert.equal(session.log.length, 0);
});

Deno.test("explore --time stops on a wall-clock budget", async () => {
  const session = new Session();
  await session.execute("vm --hyperv 2019 --kernel 5.5 --cpus 4");
  const out = await session.execute("explore --depth 30 --symmetry off --time 50ms", {});
  assert.equal((out.result as { stopped: string }).stopped, "time budget");
});

Deno.test("explore --symmetry: on by default (orbits, said so), off counts every state, a bad value is refused", async () => {
  const session = new Session();
  await session.execute("vm --hyperv 2019 --kernel 5.4 --cpus 4");
  const on = await session.execute("explore --depth 4");
  const off = await session.execute("explore --depth 4 --symmetry off");
  const states = (o: typeof on) => (o.result as { states: number }).states;
  assert.ok(states(on) < states(off), `${states(on)} orbits, ${states(off)} states`);
  assert.match(on.text, /symmetry: CPUs 1-3 interchangeable, states counted once per orbit/);
  assert.doesNotMatch(off.text, /symmetry:/);
  const bad = await session.execute("explore --symmetry maybe");
  assert.equal(bad.ok, false);
  assert.match(bad.text, /--symmetry: "maybe" is not on or off/);
});

Deno.test("explore --anchors off: one state per class, the same verdicts, said so; a bad value is refused", async () => {
  const session = new Session();
  await session.execute("vm --hyperv 2019 --kernel 5.4 --cpus 3");
  const on = await session.execute("explore --depth 4");
  const off = await session.execute("explore --depth 4 --anchors off");
  type R = { states: number; invariants: { name: string; holds: string }[] };
  const [a, b] = [on.result as R, off.result as R];
  assert.ok(b.states < a.states, `${b.states} classes, ${a.states} states`);
  assert.deepEqual(b.invariants.map((i) => i.holds), a.invariants.map((i) => i.holds));
  assert.match(off.text, /anchors off: states equal but for their clocks and tick counts/);
  assert.doesNotMatch(on.text, /anchors off/);
  const bad = await session.execute("explore --anchors no");
  assert.equal(bad.ok, false);
  assert.match(bad.text, /--anchors: "no" is not on or off/);
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
          return { key: hash64(packer.packState(m.snapshot())).join(":"), fp: m.fingerprint() };
        });
        for (const a of seen) {
          for (const b of seen) assert.equal(a.key === b.key, a.fp === b.fp);
        }
      },
    ),
    { numRuns: 80, seed: 7 },
  );
});

Deno.test("packed keys cover every field the tables call state, and only those", () => {
  const hung = vm({ hyperv: "2019", kernel: "5.4", cpus: 3 }).build();
  hung.advance("8ms");
  hung.offline(2);
  const base = hung.snapshot();
  assert.ok(base.hang);
  const packer = new Packer();
  const key = (s: typeof base) => hash64(packer.packState(s)).join(":");
  const before = key(base);
  const changed = (mutate: (s: typeof base) => void) => {
    const s = structuredClone(base);
    mutate(s);
    return key(s) !== before;
  };
  const bump = (o: Record<string, unknown>, f: string) => {
    const v = o[f];
    o[f] = typeof v === "number" ? v + 1 : typeof v === "boolean" ? !v : `${v}x`;
  };
  for (const f of PACKED_FIELDS.cpu) {
    assert.ok(changed((s) => bump(s.cpus[1] as never, f)), `cpu.${f}`);
  }
  for (const f of PACKED_FIELDS.device) {
    assert.ok(changed((s) => bump(s.devices["hv_stimer:1"] as never, f)), `device.${f}`);
  }
  for (const f of PACKED_FIELDS.hang) {
    assert.ok(changed((s) => bump(s.hang as never, f)), `hang.${f}`);
  }
  const structs: Partial<Record<string, (s: typeof base) => void>> = {
    hang: (s) => (s.hang = null),
    cpus: (s) => (s.cpus[0].ticks += 1),
    devices: (s) => delete s.devices["lapic:1"],
    ceList: (
      s,
    ) => ([s.ceList!["lapic:0"], s.ceList!["pit"]] = [s.ceList!["pit"], s.ceList!["lapic:0"]]),
    released: (s) => s.released.push("pit"),
    broadcast: (s) => s.broadcast.mask.push(1),
    vmbus: (s) => s.vmbus.channels.push(2),
    frozenCpus: (s) => s.frozenCpus.push(1),
    image: (s) => (s.image = structuredClone(base)),
    parkRace: (s) => (s.parkRace = "passes"),
    ceCorrupt: (s) => (s.ceCorrupt = { dev: "lapic:1", lost: [], unlinked: false }),
    power: (s) => (s.power = "hibernated"),
  };
  for (const f of PACKED_FIELDS.machine) {
    const mutate = structs[f] ?? ((s: typeof base) => bump(s as never, f));
    assert.ok(changed(mutate), `machine.${f}`);
  }
  // History and what a search never changes are left out.
  assert.ok(
    !changed((s) => s.problems.push({ kind: "warn", cpu: 0, state: 0, message: "", time: 0 })),
  );
  assert.ok(!changed((s) => s.log.dmesg.push({ time: 1, text: "x" })));
  assert.ok(!changed((s) => (s.ceSeq += 5)));
});
