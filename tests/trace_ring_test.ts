/**
 * The packed trace ring (lib/engine/trace_ring.ts) gives back exactly the events it was given —
 * the same keys in the same order, `previous: undefined` kept as a key — across growth,
 * wrap-around and drops, also for values that do not pack (kept as objects); and a machine
 * that holds its trace packed snapshots and restores it unchanged.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { TraceRing } from "../lib/engine/trace_ring.ts";
import type { TraceEvent } from "../lib/engine/trace.ts";
import { vm } from "../mod.ts";

const small = fc.integer({ min: -2, max: 300 });
const any = fc.oneof(small, fc.integer(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }));
const name = fc.oneof(fc.constantFrom("hv_stimer0", "lapic", "f"), fc.string());
// Times as the model writes them (integer ns, hours apart or close) and any double: the ring keeps
// each as a difference from the one before, exactly or not at all.
const time = fc.oneof(
  fc.nat(),
  fc.integer({ min: 2 ** 42, max: 2 ** 42 + 1000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noNaN: true }),
);
const base = { time, cpu: fc.oneof(small, any) };

const event: fc.Arbitrary<TraceEvent> = fc.oneof(
  fc.record({
    type: fc.constant("cpuhp_enter" as const),
    ...base,
    target: any,
    idx: any,
    fun: name,
    on: any,
    multi: fc.constant(true as const),
  }, { requiredKeys: ["type", "time", "cpu", "target", "idx", "fun", "on"] }),
  fc.record({
    type: fc.constant("cpuhp_exit" as const),
    ...base,
    state: any,
    idx: any,
    ret: any,
    on: any,
  }),
  fc.record({
    type: fc.constantFrom(
      "clockevents_register_device",
      "tick_setup_device",
      "clockevents_unbind_device",
      "clockevents_shutdown",
      "tick_shutdown",
      "tick_install_broadcast_device",
    ),
    ...base,
    device: name,
    previous: fc.option(name, { nil: undefined }),
    ret: any,
  }, { requiredKeys: ["type", "time", "cpu", "device"] }),
  fc.record({ type: fc.constant("tick" as const), ...base, device: name, handler: name }),
  fc.record({ type: fc.constant("tick_do_timer" as const), ...base, from: any, to: any }),
  fc.record({ type: fc.constant("hang" as const), ...base, idx: any, reason: name }),
);

/** Events as text, keys in order, an undefined value's key shown. */
const text = (events: readonly TraceEvent[]) =>
  events.map((e) =>
    Object.entries(e).map(([k, v]) => `${k}=${v === undefined ? "undefined" : JSON.stringify(v)}`)
      .join(",")
  ).join("\n");

Deno.test("the packed ring gives back the events it was given, in order, through growth, wrap-around and drops", () => {
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 20 }),
      fc.array(
        fc.oneof(
          event.map((e) => ({ push: e })),
          fc.nat(40).map((n) => ({ drop: n })),
          fc.tuple(time, small, any, any, name, small, any).map((p) => ({ pair: p })),
        ),
        { maxLength: 300 },
      ),
      (start, steps) => {
        const ring = new TraceRing(start);
        const model = [...start];
        for (const s of steps) {
          if ("push" in s) {
            ring.push(s.push);
            model.push(s.push);
          } else if ("pair" in s) {
            // A callback's cpuhp_enter and cpuhp_exit written together.
            const [time, cpu, target, idx, fun, on, state] = s.pair;
            ring.pushEnterExit(time, cpu, target, idx, fun, on, state);
            model.push({ type: "cpuhp_enter", time, cpu, target, idx, fun, on });
            model.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on });
          } else {
            const dropped = ring.dropOldest(s.drop);
            assert.equal(dropped, Math.min(s.drop, model.length));
            model.splice(0, dropped);
          }
          assert.equal(ring.length, model.length);
        }
        assert.equal(text(ring.events(0)), text(model));
        const from = Math.floor(model.length / 3);
        assert.equal(text(ring.events(from)), text(model.slice(from)));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("branches of branches give back the events pushed on each, and leave their bases as they were", () => {
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 20 }),
      fc.array(
        fc.oneof(
          event.map((e) => ({ push: e })),
          fc.nat(40).map((n) => ({ drop: n })),
          fc.tuple(time, small, any, any, name, small, any).map((p) => ({ pair: p })),
          fc.constant({ branch: true }),
        ),
        { maxLength: 300 },
      ),
      (start, steps) => {
        let ring = new TraceRing(start);
        const model = [...start];
        // Each base, with what it held when it was branched.
        const bases: { ring: TraceRing; events: string }[] = [];
        for (const s of steps) {
          if ("push" in s) {
            ring.push(s.push);
            model.push(s.push);
          } else if ("pair" in s) {
            const [time, cpu, target, idx, fun, on, state] = s.pair;
            ring.pushEnterExit(time, cpu, target, idx, fun, on, state);
            model.push({ type: "cpuhp_enter", time, cpu, target, idx, fun, on });
            model.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on });
          } else if ("drop" in s) {
            const dropped = ring.dropOldest(s.drop);
            assert.equal(dropped, Math.min(s.drop, model.length));
            model.splice(0, dropped);
          } else {
            bases.push({ ring, events: text(model) });
            ring = ring.branch();
          }
          assert.equal(ring.length, model.length);
        }
        assert.equal(text(ring.events(0)), text(model));
        for (const from of [1, Math.floor(model.length / 3), Math.max(0, model.length - 1)]) {
          assert.equal(text(ring.events(from)), text(model.slice(from)));
        }
        for (const b of bases) assert.equal(text(b.ring.events(0)), b.events);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a ring whose events all pack drops its oldest through wrap-around with their times summed", () => {
  // Small values and times: every event packs (no object kept), the drop's own path.
  const cpuhp = fc.tuple(fc.nat(1e6), fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300));
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          cpuhp.map(([time, cpu, target, idx, state]) => ({
            pair: { time, cpu, target, idx, state },
          })),
          cpuhp.map(([time, cpu, _, idx, state]) => ({ exit: { time, cpu, idx, state } })),
          fc.nat(70).map((n) => ({ drop: n })),
        ),
        { minLength: 200, maxLength: 500 },
      ),
      (steps) => {
        // At most 64 events: the columns stop growing, so the ring wraps around and drops cross
        // its end.
        const ring = new TraceRing([], 64);
        const model: TraceEvent[] = [];
        for (const s of steps) {
          if (ring.length > 60) model.splice(0, ring.dropOldest(ring.length - 30));
          if ("pair" in s) {
            const { time, cpu, target, idx, state } = s.pair;
            ring.pushEnterExit(time, cpu, target, idx, "f", cpu, state);
            model.push({ type: "cpuhp_enter", time, cpu, target, idx, fun: "f", on: cpu });
            model.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on: cpu });
          } else if ("exit" in s) {
            const { time, cpu, idx, state } = s.exit;
            ring.pushExit(time, cpu, state, idx, 0, cpu);
            model.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on: cpu });
          } else model.splice(0, ring.dropOldest(s.drop));
        }
        assert.equal(text(ring.events(0)), text(model));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("a drop from every slot of a full ring, of every size, keeps the newest events' times", () => {
  for (let head = 0; head < 64; head++) {
    for (let drop = 1; drop < 60; drop++) {
      const ring = new TraceRing([], 64);
      const model: TraceEvent[] = [];
      // Pairs at times that differ by varying amounts.
      const push = (n: number) => {
        for (let i = 0; i < n; i++) {
          const time = 7 * model.length + (i % 5);
          ring.pushEnterExit(time, 1, 2, 3, "f", 1, 2);
          model.push({ type: "cpuhp_enter", time, cpu: 1, target: 2, idx: 3, fun: "f", on: 1 });
          model.push({ type: "cpuhp_exit", time, cpu: 1, state: 2, idx: 3, ret: 0, on: 1 });
        }
      };
      push(Math.ceil(head / 2));
      model.splice(0, ring.dropOldest(head));
      push(30);
      const kept = model.slice(drop);
      assert.equal(ring.dropOldest(drop), drop);
      assert.equal(text(ring.events(0)), text(kept), `head ${head}, drop ${drop}`);
    }
  }
});

Deno.test("the packed ring refuses to grow past its bound", () => {
  const ring = new TraceRing([], 64);
  for (let i = 0; i < 64; i++) {
    ring.push({ type: "tick_do_timer", time: i, cpu: 0, from: -2, to: 0 });
  }
  assert.throws(
    () => ring.push({ type: "tick_do_timer", time: 64, cpu: 0, from: -2, to: 0 }),
    /internal: trace ring past 64 events/,
  );
});

Deno.test("a machine's packed trace: snapshot, restore and the trace view are the events as emitted", () => {
  const m = vm().cpus(4).traceBuffer(40).traceTicks().build();
  for (let i = 0; i < 5; i++) {
    m.offline(1 + (i % 3));
    m.advance("2ms");
    m.online(1 + (i % 3));
  }
  const s = m.snapshot();
  assert.ok(s.log.trace.length > 40 && s.log.trace.length <= 50, `${s.log.trace.length}`);
  assert.deepEqual(m.trace, s.log.trace.slice(-40));
  // restore() takes a copy: the caller's snapshot keeps its events.
  const copy = vm().cpus(4).build().restore(s);
  assert.ok(s.log.trace.length > 40);
  assert.equal(JSON.stringify(copy.snapshot()), JSON.stringify(s));
  copy.offline(2);
  m.offline(2);
  assert.equal(JSON.stringify(copy.snapshot()), JSON.stringify(m.snapshot()));
});

Deno.test("cpuhp events kept from their fields equal the events an observer is handed", () => {
  for (const kernel of ["5.5", "5.10", "6.6"] as const) {
    const plain = vm().kernel(kernel).cpus(4).build();
    const watched = vm().kernel(kernel).cpus(4).build();
    const seen: unknown[] = [];
    watched.observe({ event: (e) => void seen.push(e) });
    for (const m of [plain, watched]) {
      m.offline(2);
      m.write("/sys/devices/system/cpu/cpu3/hotplug/fail", "150");
      m.offline(3);
      m.online(2);
    }
    assert.ok(seen.some((e) => (e as { type: string }).type === "cpuhp_exit"));
    assert.equal(JSON.stringify(plain.snapshot()), JSON.stringify(watched.snapshot()));
    assert.equal(text(plain.trace), text(watched.trace));
  }
});
