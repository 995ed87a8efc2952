/**
 * `Machine.boundDevices()` keeps an index of every CPU's tick device as the machine runs
 * (lib/machine/bound_index.ts): after any operation, stop, step, replay, restore, reboot or
 * resumed image it must say what each CPU's own `boundDevice()` says, read from the state.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { HangError, type Machine, PoweredOffError, StoppedError, vm } from "../mod.ts";

const CPUS = 4;

/** Every CPU's device read from the state, CPU by CPU: what the index must match. */
function scan(m: Machine): (string | null)[] {
  return [...Array(m.config.cpus).keys()].map((cpu) => m.boundDevice(cpu));
}

/** Runs `f`; a modelled refusal (a hang, a powered-off or stopped machine, a bad op) is fine. */
function tolerate(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    const ok = e instanceof HangError || e instanceof PoweredOffError ||
      e instanceof StoppedError || e instanceof RangeError;
    if (!ok) throw e;
  }
}

const line = fc.oneof(
  fc.tuple(fc.constantFrom("online", "offline"), fc.integer({ min: 0, max: CPUS - 1 })).map((
    [kind, cpu],
  ) => `${kind} ${cpu}`),
  fc.constantFrom("advance 3ms", "hibernate", "resume", "reset", "kexec", "kdump", "poweroff"),
  fc.constantFrom("poweron", "swapon /dev/sda2", "modprobe hv_vmbus"),
  fc.tuple(
    fc.integer({ min: 1, max: CPUS - 1 }),
    fc.constantFrom("fail", "target"),
    fc.integer({ min: -1, max: 240 }),
  ).map(([cpu, file, v]) => `echo ${v} > /sys/devices/system/cpu/cpu${cpu}/hotplug/${file}`),
);

/** How an operation runs: whole, stepped part way (then on to the end or left stopped), or to a device change. */
const how = fc.oneof(
  fc.constant({ kind: "run" as const }),
  fc.record({
    kind: fc.constant("step" as const),
    steps: fc.integer({ min: 0, max: 60 }),
    finish: fc.boolean(),
  }),
  fc.constant({ kind: "device" as const }),
  fc.constant({ kind: "restore" as const }),
);

Deno.test("boundDevices() says what each CPU's boundDevice() says, whatever ran (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("5.4", "5.10", "6.6", "6.12"),
      fc.constantFrom("2012R2", "2019", "2025"),
      fc.array(fc.tuple(line, how), { maxLength: 10 }),
      (kernel, hyperv, ops) => {
        const m = vm().kernel(kernel as "5.5").hyperv(hyperv as "2019").cpus(CPUS).build();
        assert.deepEqual(m.boundDevices(), scan(m));
        for (const [text, h] of ops) {
          const at = `${kernel} on ${hyperv}: ${text} (${JSON.stringify(h)})`;
          if (h.kind === "run") tolerate(() => m.stopped ? m.runUntil([]) : m.run(text));
          else if (h.kind === "device") {
            tolerate(() => m.runUntil("device", { operation: text }));
          } else if (h.kind === "restore") {
            // A snapshot restored (a walk stopped in it too) is another state: read whole again.
            const snap = m.snapshot();
            tolerate(() => m.run(text));
            assert.deepEqual(m.boundDevices(), scan(m), at);
            m.restore(snap);
          } else {
            tolerate(() => {
              if (!m.stopped) m.step(text);
              for (let i = 0; i < h.steps && m.stopped; i++) {
                m.step();
                if (i % 7 === 0) assert.deepEqual(m.boundDevices(), scan(m), `${at}, step ${i}`);
              }
              if (h.finish && m.stopped) m.runUntil([]);
            });
          }
          assert.deepEqual(m.boundDevices(), scan(m), at);
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("boundDevices() returns a new array each time", () => {
  const m = vm().cpus(2).build();
  const a = m.boundDevices();
  a[1] = "changed";
  assert.notEqual(m.boundDevices()[1], "changed");
  assert.notEqual(m.boundDevices(), m.boundDevices());
});
