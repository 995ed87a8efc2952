/**
 * Properties over random histories (fast-check): no exception escapes but the documented ones;
 * time never goes backwards; exactly one timekeeper while CPUs are online; no device bound to an
 * offline CPU; snapshot/restore round-trips; equal histories give equal fingerprints.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { HangError, type Machine, PoweredOffError, vm } from "../mod.ts";

type Op =
  | { kind: "online" | "offline"; cpu: number }
  | { kind: "advance"; ns: number }
  | { kind: "hibernate" | "resume" | "reset" }
  | { kind: "fail"; cpu: number; state: number }
  | { kind: "target"; cpu: number; state: number };

const CPUS = 4;
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("online" as const, "offline" as const),
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
  }),
  fc.record({ kind: fc.constant("advance" as const), ns: fc.integer({ min: 0, max: 20_000_000 }) }),
  fc.record({ kind: fc.constantFrom("hibernate" as const, "resume" as const, "reset" as const) }),
  fc.record({
    kind: fc.constant("fail" as const),
    cpu: fc.integer({ min: 1, max: CPUS - 1 }),
    state: fc.integer({ min: -1, max: 240 }),
  }),
  fc.record({
    kind: fc.constant("target" as const),
    cpu: fc.integer({ min: 1, max: CPUS - 1 }),
    state: fc.integer({ min: 0, max: 240 }),
  }),
);
const config = fc.record({
  hyperv: fc.constantFrom("2012R2", "2019", "2022"),
  arch: fc.constantFrom("x86_64", "arm64"),
  kernel: fc.constantFrom("5.2", "5.4", "5.5", "6.1"),
  stateControl: fc.boolean(),
}).filter((c) => !(c.arch === "arm64" && c.hyperv === "2012R2"));

function apply(m: Machine, o: Op): void {
  try {
    switch (o.kind) {
      case "online":
        m.online(o.cpu);
        break;
      case "offline":
        m.offline(o.cpu);
        break;
      case "advance":
        m.advance(o.ns);
        break;
      case "hibernate":
        m.hibernate();
        break;
      case "resume":
        if (m.power === "hibernated") m.resume();
        break;
      case "reset":
        m.reset();
        break;
      case "fail":
        m.write(`/sys/devices/system/cpu/cpu${o.cpu}/hotplug/fail`, String(o.state));
        break;
      case "target":
        m.write(`/sys/devices/system/cpu/cpu${o.cpu}/hotplug/target`, String(o.state));
        break;
    }
  } catch (e) {
    if (!(e instanceof HangError || e instanceof PoweredOffError)) throw e;
  }
}

Deno.test("properties over random operation sequences", () => {
  fc.assert(
    fc.property(config, fc.array(op, { maxLength: 25 }), (c, ops) => {
      const build = () =>
        vm().hyperv(c.hyperv).arch(c.arch).kernel(c.kernel).cpus(CPUS).hotplugStateControl(
          c.stateControl,
        ).build();
      const m = build();
      let now = m.now;
      for (const o of ops) {
        apply(m, o);
        if (o.kind === "reset") now = 0;
        assert.ok(m.now >= now, "time never goes backwards");
        now = m.now;
        if (m.power === "on") {
          const cpus = m.cpus();
          const keepers = cpus.filter((x) => x.timekeeper);
          assert.equal(keepers.length, 1, "exactly one timekeeper");
          assert.ok(keepers[0].online, "the timekeeper is online");
          for (const x of cpus) {
            if (!x.online) assert.equal(x.device, null, `CPU${x.cpu} offline but bound`);
          }
        }
      }
      const copy = build().restore(JSON.parse(JSON.stringify(m.snapshot())));
      assert.equal(copy.fingerprint(), m.fingerprint(), "snapshot/restore round-trips");
      const again = build();
      for (const o of ops) apply(again, o);
      assert.equal(again.fingerprint(), m.fingerprint(), "equal histories, equal fingerprints");
    }),
    { numRuns: 150, seed: 20261124 },
  );
});
