/**
 * Snapshots saved by hvtick before the device table changed layout (main at 53d44e1, format
 * hvtick-machine/5: devices and `clockevent_devices` as records by device id) still load: each
 * restores to the fingerprint and device listing main gave, saves back unchanged, and goes on to
 * the state main reached one operation later. tests/fixtures/main_snapshots.json was written by
 * main's own code (a hung 5.4, a walk stopped at a step on 6.1, a hibernated 6.6 with its image,
 * a VM without Hyper-V and its HPET).
 */
import assert from "node:assert/strict";
import { type Machine, type MachineSnapshot, vm } from "../mod.ts";

interface Saved {
  fingerprint: string;
  devices: unknown;
  snapshot: MachineSnapshot;
  after: string;
}
const SAVED: Record<string, Saved> = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/main_snapshots.json", import.meta.url)),
);

// The operation main ran after saving each (its fingerprint is `after`).
const FOLLOW: Record<string, (m: Machine) => void> = {
  "hung-5.4": (m) => void m.advance("1ms"),
  "stopped-walk-6.1": (m) => {
    while (m.stopped) m.step();
  },
  "hibernated-6.6": (m) => void m.resume(),
  "no-hyperv": (m) => void m.offline(1),
};

for (const [name, saved] of Object.entries(SAVED)) {
  Deno.test(`restore: a snapshot main saved loads (${name})`, () => {
    const m = vm().cpus(2).build().restore(structuredClone(saved.snapshot));
    assert.equal(m.fingerprint(), saved.fingerprint);
    assert.deepEqual(m.devices(), saved.devices);
    assert.deepEqual(m.snapshot(), saved.snapshot);
    FOLLOW[name](m);
    assert.equal(m.fingerprint(), saved.after);
  });
}

Deno.test("restore: the saved snapshots cover an image, a stopped walk, a hang and global devices", () => {
  const all = Object.values(SAVED).map((s) => s.snapshot);
  assert.ok(all.some((s) => s.image !== null));
  assert.ok(all.some((s) => s.walk !== undefined));
  assert.ok(all.some((s) => s.hang !== null));
  assert.ok(all.some((s) => "hpet" in s.devices) && all.some((s) => "pit" in s.devices));
  assert.equal(Object.keys(SAVED).length, Object.keys(FOLLOW).length);
});

Deno.test("restore: a snapshot never holds a running kernel's device table", () => {
  const s = vm().cpus(2).build().snapshot();
  assert.equal("table" in s, false);
  const m = vm().cpus(3).build();
  const before = m.fingerprint();
  assert.throws(
    () => m.restore({ ...s, table: [] }),
    /snapshot\.table: \[\] is not absent \(a snapshot holds its devices by id\)/,
  );
  assert.equal(m.fingerprint(), before);
});
