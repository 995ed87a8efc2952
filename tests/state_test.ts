/** The machine state as a value: snapshot/restore, fingerprints, cloning, determinism. */
import assert from "node:assert/strict";
import { Machine, vm } from "../mod.ts";

function script(m: Machine): void {
  m.advance("10ms");
  m.offline(2);
  m.advance("3ms");
  m.write("/sys/devices/system/cpu/cpu3/hotplug/fail", "171");
  m.offline(3);
  m.online(2);
  m.advance("1s");
}

Deno.test("same inputs give byte-identical outputs, trace and fingerprints", () => {
  const a = vm().hyperv("2012R2").kernel("5.5").build();
  const b = vm().hyperv("2012R2").kernel("5.5").build();
  script(a);
  script(b);
  assert.equal(a.dmesg(), b.dmesg());
  assert.equal(JSON.stringify(a.trace), JSON.stringify(b.trace));
  assert.equal(a.fingerprint(), b.fingerprint());
  assert.equal(JSON.stringify(a.snapshot()), JSON.stringify(b.snapshot()));
});

Deno.test("snapshot() is plain JSON data; restore() round-trips and the future matches", () => {
  const a = vm().kernel("5.5").build();
  script(a);
  const snap = JSON.parse(JSON.stringify(a.snapshot()));
  const b = vm().hyperv("2016").cpus(2).build().restore(snap);
  assert.equal(b.fingerprint(), a.fingerprint());
  assert.deepEqual(b.cpus(), a.cpus());
  a.advance("50ms");
  b.advance("50ms");
  a.offline(1);
  b.offline(1);
  assert.equal(b.fingerprint(), a.fingerprint());
  assert.equal(b.read("/proc/timer_list"), a.read("/proc/timer_list"));
  assert.throws(() => b.restore({} as never), TypeError);
});

Deno.test("snapshot() survives structuredClone and is a copy", () => {
  const m = vm().build();
  const snap = m.snapshot();
  const clone = structuredClone(snap);
  assert.deepEqual(clone, snap);
  snap.cpus[1].ticks = 99;
  assert.equal(m.cpu(1).ticks, 0);
});

Deno.test("the fingerprint covers state, not history (log, trace, problems)", () => {
  const m = vm().build();
  const f = m.fingerprint();
  const snap = m.snapshot();
  snap.log.dmesg.push({ time: 0, text: "noise" });
  assert.equal(new Machine(m.config).restore(snap).fingerprint(), f);
  m.advance("4ms");
  assert.notEqual(m.fingerprint(), f);
});

Deno.test("a restored hung or hibernated machine stays so", () => {
  const hung = vm().kernel("5.4").build();
  hung.offline(1);
  const copy = vm().build().restore(hung.snapshot());
  assert.equal(copy.hung, true);
  const off = vm().kernel("5.5").build();
  off.hibernate();
  const copy2 = vm().build().restore(off.snapshot());
  assert.equal(copy2.power, "hibernated");
  assert.equal(copy2.resume().ok, true);
});
