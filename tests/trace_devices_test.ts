/**
 * Clockevent events written into the packed ring from their fields (lib/engine/trace_devices.ts)
 * read back as the objects the model emitted would, pushed one by one: keys, order, values, also
 * for values that do not pack (kept as objects), among other events, drops and a name table filled.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { TraceRing } from "../lib/engine/trace_ring.ts";
import { deviceEvent, pushDevice } from "../lib/engine/trace_devices.ts";
import type { ClockeventEvent, TraceEvent } from "../lib/engine/trace.ts";
import { emitDevice } from "../lib/engine/log.ts";
import { createKernel } from "../lib/machine/kernel.ts";
import { vm } from "../mod.ts";

const TYPES: ClockeventEvent["type"][] = [
  "clockevents_register_device",
  "tick_setup_device",
  "clockevents_unbind_device",
  "clockevents_shutdown",
  "tick_shutdown",
  "tick_install_broadcast_device",
];
// Keys kept: JSON.stringify would drop `previous: undefined`.
const text = (events: readonly TraceEvent[]) =>
  events.map((e) => Object.entries(e).map(([k, v]) => `${k}=${String(v)}`).join(",")).join("\n");

Deno.test("pushDevice() leaves what push() of the event object leaves", () => {
  const small = fc.integer({ min: -2, max: 2047 });
  const any = fc.oneof(small, small, fc.integer(), fc.constant(70000));
  const name = fc.oneof(fc.constantFrom("Hyper-V clockevent", "lapic", "hv_stimer0"), fc.string());
  const device = fc.record({
    type: fc.constantFrom(...TYPES),
    gap: fc.oneof(fc.nat(5_000_000), fc.constant(2 ** 32), fc.constant(0.5)),
    cpu: any,
    device: name,
    previous: fc.option(name, { nil: undefined }),
    ret: any,
  });
  const other = fc.record({ gap: fc.nat(1000), cpu: small, from: small, to: small });
  fc.assert(
    fc.property(
      fc.array(fc.oneof(device, other, fc.nat(30).map((n) => ({ drop: n }))), { maxLength: 60 }),
      fc.constantFrom(64, 1000),
      (steps, max) => {
        const typed = new TraceRing([], max), plain = new TraceRing([], max);
        let time = 0;
        for (const s of steps) {
          if ("drop" in s) {
            assert.equal(typed.dropOldest(s.drop), plain.dropOldest(s.drop));
            continue;
          }
          if (Math.max(typed.length, plain.length) >= max) continue;
          time += s.gap;
          if ("type" in s) {
            pushDevice(typed, s.type, time, s.cpu, s.device, s.previous, s.ret);
            plain.push(deviceEvent(s.type, time, s.cpu, s.device, s.previous, s.ret));
          } else {
            const e = { type: "tick_do_timer" as const, time, cpu: s.cpu, from: s.from, to: s.to };
            typed.push(e);
            plain.push(e);
          }
          assert.equal(typed.length, plain.length);
        }
        assert.equal(text(typed.events(0)), text(plain.events(0)));
        const from = Math.floor(plain.length / 2);
        assert.equal(text(typed.events(from)), text(plain.events(from)));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("emitDevice() gives an event observer the object the emitter wrote", () => {
  const k = createKernel(vm().cpus(2).build().snapshot());
  const seen: TraceEvent[] = [];
  k.observers.event.push((e) => seen.push(e));
  const before = k.trace.length;
  emitDevice(k, "clockevents_unbind_device", 1, "Hyper-V clockevent", undefined, -16);
  emitDevice(k, "tick_install_broadcast_device", 0, "hv_stimer0", "lapic");
  assert.equal(text(seen), text(k.trace.events(before)));
  assert.deepEqual(seen.map((e) => Object.keys(e)), [
    ["type", "time", "cpu", "device", "ret"],
    ["type", "time", "cpu", "device", "previous"],
  ]);
});
