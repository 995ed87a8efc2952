/**
 * Properties over random histories (fast-check): no exception escapes but the documented ones;
 * time never goes backwards; exactly one timekeeper while CPUs are online; no device bound to an
 * offline CPU; snapshot/restore round-trips; equal histories give equal fingerprints.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { HangError, type Machine, type Operation, PoweredOffError, vm } from "../mod.ts";

const CPUS = 4;
const CPU = "/sys/devices/system/cpu";
// Operations of the operation table (lib/ops/operations.ts), as the Machine takes them.
const op: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("online" as const, "offline" as const),
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
  }),
  fc.record({ kind: fc.constant("advance" as const), ns: fc.integer({ min: 0, max: 20_000_000 }) }),
  fc.record({ kind: fc.constantFrom("hibernate" as const, "resume" as const, "reset" as const) }),
  // Fault injection and targets: writes to hotplug/fail and hotplug/target.
  fc.record({
    kind: fc.constant("echo" as const),
    path: fc.integer({ min: 1, max: CPUS - 1 }).chain((cpu) =>
      fc.constantFrom(`${CPU}/cpu${cpu}/hotplug/fail`, `${CPU}/cpu${cpu}/hotplug/target`)
    ),
    value: fc.integer({ min: -1, max: 240 }).map(String),
  }),
);
const config = fc.record({
  hyperv: fc.constantFrom("2012R2", "2019", "2022"),
  arch: fc.constantFrom("x86_64", "arm64"),
  kernel: fc.constantFrom("5.2", "5.4", "5.5", "6.1"),
  stateControl: fc.boolean(),
}).filter((c) => !(c.arch === "arm64" && c.hyperv === "2012R2"));

function apply(m: Machine, o: Operation): void {
  // Resuming a running machine is misuse; the sequence skips it.
  if (o.kind === "resume" && m.power !== "hibernated") return;
  try {
    m.run(o);
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
