/**
 * The packed trace ring (lib/engine/trace_ring.ts) gives back exactly the events it was given —
 * the same keys in the same order, `previous: undefined` kept as a key — across growth,
 * wrap-around and drops, also for values that do not pack (kept as objects); and a machine
 * that holds its trace packed snapshots and restores it unchanged.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { TraceRing } from "../lib/engine/trace_ring.ts";
import { pushTickRounds } from "../lib/engine/trace_ticks.ts";
import type { TraceEvent } from "../lib/engine/trace.ts";
import type { CpuhpRun } from "../lib/engine/trace_runs.ts";
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

// A run of cpuhp pairs (lib/engine/trace_runs.ts): 1-6 callbacks, with values that pack or not.
const cpuhpRun: fc.Arbitrary<CpuhpRun> = fc.array(
  fc.record({ idx: any, fun: name, control: fc.boolean(), state: any }),
  { minLength: 1, maxLength: 6 },
).map((pairs) => ({
  idx: pairs.map((p) => p.idx),
  fun: pairs.map((p) => p.fun),
  control: pairs.map((p) => p.control),
  state: pairs.map((p) => p.state),
}));
// A run written at `time` for `cpu` towards `target`, control CPU `control`: the `which`-th of
// the runs made for the property (the walk writes the same run object again and again).
const runStep = fc.tuple(time, small, any, small, fc.nat(2)).map((r) => ({ run: r }));
// A callback that goes through invoke(): its cpuhp_enter, maybe an event of its own or a drop,
// then its cpuhp_exit at the same time or later, showing its state or one below, with `ret` 0
// or not (the ring keeps the two as one record when nothing came between and the exit is plain).
const callbackStep = fc.tuple(
  fc.tuple(time, small, any, fc.oneof(small, any), name, fc.oneof(small, any), fc.boolean()),
  fc.tuple(
    fc.constantFrom(0, 0, 0, -16),
    fc.oneof(
      fc.constant(null),
      event.map((e) => ({ push: e })),
      fc.nat(40).map((n) => ({ drop: n })),
    ),
    fc.constantFrom(0, 0, 0, 1),
    fc.boolean(),
  ),
).map(([enter, exit]) => ({ callback: { enter, exit } }));

/** A callback's `cpuhp_enter` and `cpuhp_exit` (ret 0), as lib/hotplug/invoke.ts writes them. */
function pushPair(
  ring: TraceRing,
  time: number,
  cpu: number,
  target: number,
  idx: number,
  fun: string,
  on: number,
  state: number,
): void {
  ring.pushEnter(time, cpu, target, idx, fun, on, false);
  ring.pushExit(time, cpu, state, idx, 0, on);
}

/**
 * A run's pairs into `ring` as lib/hotplug/quiet.ts writes them (one record, else pair by pair),
 * and into `model` as plain events.
 */
function pushRun(
  ring: TraceRing,
  model: TraceEvent[],
  [time, cpu, target, control]: readonly [number, number, number, number, ...unknown[]],
  run: CpuhpRun,
): void {
  const one = ring.pushRun(time, cpu, target, control, run);
  for (let i = 0; i < run.idx.length; i++) {
    const idx = run.idx[i], on = run.control[i] ? control : cpu;
    if (!one) pushPair(ring, time, cpu, target, idx, run.fun[i], on, run.state[i]);
    model.push({ type: "cpuhp_enter", time, cpu, target, idx, fun: run.fun[i], on });
    model.push({ type: "cpuhp_exit", time, cpu, state: run.state[i], idx, ret: 0, on });
  }
}

// The steps both ring property tests take, and those only one of them does (it takes them itself).
type CommonStep =
  | { readonly push: TraceEvent }
  | { readonly pair: readonly [number, number, number, number, string, number, number] }
  | { readonly run: readonly [number, number, number, number, number] }
  | { readonly drop: number }
  | {
    readonly callback: {
      readonly enter: readonly [number, number, number, number, string, number, boolean];
      readonly exit: readonly [
        number,
        { push: TraceEvent } | { drop: number } | null,
        number,
        boolean,
      ];
    };
  };
type OwnStep = { readonly ticks: unknown } | { readonly branch: boolean };

/**
 * Step `s` into `ring` and into `model` as plain events: an event, a callback's pair, a run (the
 * `s.run[4]`-th of `runs`) or a drop of the oldest; false, with nothing done, for a test's own step.
 */
function applyStep(
  ring: TraceRing,
  model: TraceEvent[],
  s: CommonStep | OwnStep,
  runs: readonly CpuhpRun[],
): boolean {
  if ("push" in s) {
    ring.push(s.push);
    model.push(s.push);
  } else if ("pair" in s) {
    // A callback's cpuhp_enter and cpuhp_exit written together.
    const [time, cpu, target, idx, fun, on, state] = s.pair;
    pushPair(ring, time, cpu, target, idx, fun, on, state);
    model.push({ type: "cpuhp_enter", time, cpu, target, idx, fun, on });
    model.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on });
  } else if ("run" in s) {
    pushRun(ring, model, s.run, runs[s.run[4]]);
  } else if ("drop" in s) {
    const dropped = ring.dropOldest(s.drop);
    assert.equal(dropped, Math.min(s.drop, model.length));
    model.splice(0, dropped);
  } else if ("callback" in s) {
    const [time, cpu, target, idx, fun, on, multi] = s.callback.enter;
    const [ret, between, later, below] = s.callback.exit;
    ring.pushEnter(time, cpu, target, idx, fun, on, multi);
    model.push(
      multi
        ? { type: "cpuhp_enter", time, cpu, target, idx, fun, on, multi }
        : { type: "cpuhp_enter", time, cpu, target, idx, fun, on },
    );
    // An event between them at the enter's time (a pair's own time test would not tell it apart).
    if (between) {
      applyStep(
        ring,
        model,
        "push" in between ? { push: { ...between.push, time } } : between,
        runs,
      );
    }
    const state = below ? idx - 1 : idx, at = time + later;
    ring.pushExit(at, cpu, state, idx, ret, on);
    model.push({ type: "cpuhp_exit", time: at, cpu, state, idx, ret, on });
  } else return false;
  return true;
}

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
          runStep,
          callbackStep,
          fc.tuple(
            time,
            fc.integer({ min: 0, max: 2 ** 32 }),
            fc.array(fc.tuple(fc.oneof(small, any), name), { minLength: 1, maxLength: 6 }),
            name,
            fc.nat(8),
            fc.nat(30),
          ).map((p) => ({ ticks: p })),
        ),
        { maxLength: 300 },
      ),
      fc.array(cpuhpRun, { minLength: 3, maxLength: 3 }),
      (start, steps, runs) => {
        const ring = new TraceRing(start);
        const model = [...start];
        for (const s of steps) {
          if (!applyStep(ring, model, s, runs) && "ticks" in s) {
            // The newest events of a batched run of rounds of ticks, from its CPUs and devices.
            const [time, period, ticks, handler, first, count] = s.ticks;
            const cpus = Int32Array.from(ticks, ([cpu]) => cpu);
            const devices = ticks.map(([, device]) => device);
            pushTickRounds(ring, time, period, cpus, devices, handler, first, first + count);
            for (let e = first; e < first + count; e++) {
              const i = e % ticks.length;
              const at = time + Math.floor(e / ticks.length) * period;
              model.push({ type: "tick", time: at, cpu: cpus[i], device: devices[i], handler });
            }
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

Deno.test("a batched run's tick events, written into the columns, are the events pushed one by one", () => {
  // Values as a machine writes them (they pack), so that the rounds go straight into the columns;
  // now and then one that does not, which the ring keeps as an object; runs of hotplug callbacks
  // (one record, many events) among them.
  const cpu = fc.oneof(fc.nat(2047), fc.nat(2047), fc.nat(2047), fc.constant(70000));
  const device = fc.constantFrom("Hyper-V clockevent", "lapic");
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({
            gap: fc.oneof(fc.nat(5_000_000), fc.constant(2 ** 32)),
            period: fc.constantFrom(1_000_000, 4_000_000, 2 ** 31),
            run: fc.array(fc.tuple(cpu, device), { minLength: 1, maxLength: 9 }),
            first: fc.nat(20),
            count: fc.nat(40),
          }),
          fc.nat(60).map((n) => ({ drop: n })),
          fc.nat(2).map((which) => ({ callbacks: which })),
        ),
        { maxLength: 40 },
      ),
      fc.constantFrom(8, 64, 1000),
      fc.array(cpuhpRun, { minLength: 3, maxLength: 3 }),
      (steps, max, runs) => {
        const base: TraceEvent[] = [{ type: "tick_do_timer", time: 1, cpu: 0, from: -2, to: 0 }];
        const batched = new TraceRing(base, max);
        const plain = new TraceRing(base, max);
        let time = 1;
        for (const s of steps) {
          if ("drop" in s) {
            assert.equal(batched.dropOldest(s.drop), plain.dropOldest(s.drop));
            continue;
          }
          if ("callbacks" in s) {
            // A run's record (many events in one slot), when there is room for its pairs one by one.
            const run = runs[s.callbacks];
            if (max - Math.max(plain.length, batched.length) < 2 * run.idx.length) continue;
            pushRun(batched, [], [time, 1, 0, 0], run);
            pushRun(plain, [], [time, 1, 0, 0], run);
            continue;
          }
          time += s.gap;
          const { period, run, first, count } = s;
          const room = max - Math.max(plain.length, batched.length);
          const total = first + Math.max(0, Math.min(count, room));
          const cpus = Int32Array.from(run, ([c]) => c);
          const devices = run.map(([, d]) => d);
          pushTickRounds(batched, time, period, cpus, devices, "hrtimer_interrupt", first, total);
          for (let e = first; e < total; e++) {
            const i = e % run.length;
            plain.push({
              type: "tick",
              time: time + Math.floor(e / run.length) * period,
              cpu: cpus[i],
              device: devices[i],
              handler: "hrtimer_interrupt",
            });
          }
          time += Math.floor(Math.max(0, total - 1) / run.length) * period;
          assert.equal(batched.length, plain.length);
        }
        assert.equal(text(batched.events(0)), text(plain.events(0)));
        const from = Math.floor(plain.length / 2);
        assert.equal(text(batched.events(from)), text(plain.events(from)));
      },
    ),
    { numRuns: 500 },
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
          runStep,
          callbackStep,
        ),
        { maxLength: 300 },
      ),
      fc.array(cpuhpRun, { minLength: 3, maxLength: 3 }),
      (start, steps, runs) => {
        let ring = new TraceRing(start);
        const model = [...start];
        // Each base, with what it held when it was branched.
        const bases: { ring: TraceRing; events: string }[] = [];
        for (const s of steps) {
          if (!applyStep(ring, model, s, runs)) {
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
          cpuhp.map(([time, cpu, target, control, which]) => ({
            run: [time, cpu, target, control, which % 3] as const,
          })),
          fc.nat(70).map((n) => ({ drop: n })),
        ),
        { minLength: 200, maxLength: 500 },
      ),
      fc.array(
        fc.array(fc.tuple(fc.nat(300), fc.nat(300), fc.boolean()), { minLength: 1, maxLength: 5 })
          .map((pairs): CpuhpRun => ({
            idx: pairs.map((p) => p[0]),
            fun: pairs.map((p) => `f${p[0]}`),
            control: pairs.map((p) => p[2]),
            state: pairs.map((p) => p[1]),
          })),
        { minLength: 3, maxLength: 3 },
      ),
      (steps, runs) => {
        // At most 64 events: the columns stop growing, so the ring wraps around and drops cross
        // its end.
        const ring = new TraceRing([], 64);
        const model: TraceEvent[] = [];
        for (const s of steps) {
          if (ring.length > 60) model.splice(0, ring.dropOldest(ring.length - 30));
          if ("pair" in s) {
            const { time, cpu, target, idx, state } = s.pair;
            pushPair(ring, time, cpu, target, idx, "f", cpu, state);
            model.push({ type: "cpuhp_enter", time, cpu, target, idx, fun: "f", on: cpu });
            model.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on: cpu });
          } else if ("exit" in s) {
            const { time, cpu, idx, state } = s.exit;
            ring.pushExit(time, cpu, state, idx, 0, cpu);
            model.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on: cpu });
          } else if ("run" in s) {
            // Every run packs here: one record each.
            const length = ring.length;
            pushRun(ring, model, s.run, runs[s.run[4]]);
            assert.equal(ring.length, length + 2 * runs[s.run[4]].idx.length);
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
          pushPair(ring, time, 1, 2, 3, "f", 1, 2);
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

Deno.test("a drop of every size from a ring of runs wrapped round its end keeps exactly the newest events", () => {
  const runs: CpuhpRun[] = [
    { idx: [3, 5, 8], fun: ["a", "b", "c"], control: [true, false, true], state: [3, 5, 8] },
    { idx: [9], fun: ["d"], control: [false], state: [8] },
  ];
  for (let head = 0; head < 64; head += 3) {
    for (let drop = 1; drop < 60; drop++) {
      const ring = new TraceRing([], 64);
      const model: TraceEvent[] = [];
      // Single events, pairs and runs at times that differ by varying amounts, the oldest dropped
      // first so that the records wrap round the columns' end.
      const push = (n: number) => {
        for (let i = 0; i < n; i++) {
          const time = 7 * model.length + (i % 5);
          if (i % 3 === 0) pushRun(ring, model, [time, 1, 20, 0], runs[i % 2]);
          else if (i % 3 === 1) {
            pushPair(ring, time, 1, 2, 3, "f", 1, 2);
            model.push({ type: "cpuhp_enter", time, cpu: 1, target: 2, idx: 3, fun: "f", on: 1 });
            model.push({ type: "cpuhp_exit", time, cpu: 1, state: 2, idx: 3, ret: 0, on: 1 });
          } else {
            ring.pushExit(time, 2, 4, 5, 0, 2);
            model.push({ type: "cpuhp_exit", time, cpu: 2, state: 4, idx: 5, ret: 0, on: 2 });
          }
        }
      };
      // One record at a time, all but the newest two events dropped: the oldest record is
      // `head` slots on, the last two events of a run.
      for (let i = 0; i < head; i++) {
        push(1);
        model.splice(0, ring.dropOldest(ring.length - 2));
      }
      push(14);
      const kept = model.slice(drop);
      assert.equal(ring.dropOldest(drop), Math.min(drop, model.length));
      model.splice(0, drop);
      assert.equal(ring.length, kept.length);
      const froms = [0, 1, 2, 5, Math.floor(kept.length / 2), kept.length - 1];
      for (const from of froms.filter((f) => f >= 0 && f <= kept.length)) {
        assert.equal(
          text(ring.events(from)),
          text(kept.slice(from)),
          `head ${head}, drop ${drop}, from ${from}`,
        );
      }
      // What is pushed after a drop inside a run follows its surviving tail.
      push(2);
      assert.equal(text(ring.events(0)), text(model));
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

Deno.test("a walk's runs kept as one record each leave the trace and its drops as events one by one do", () => {
  // An event observer sends every callback through invoke(), event by event; without one, runs
  // of quiet callbacks are one ring record each. Small buffers overwrite records mid-run.
  for (const traceBuffer of [16, 37, 100, 1000]) {
    for (const kernel of ["5.10", "6.6", "6.12"] as const) {
      const plain = vm().kernel(kernel).cpus(4).traceBuffer(traceBuffer).build();
      const watched = vm().kernel(kernel).cpus(4).traceBuffer(traceBuffer).build();
      watched.observe({ event: () => {} });
      for (const m of [plain, watched]) {
        for (let i = 0; i < 6; i++) {
          m.offline(1 + (i % 3));
          if (i === 2) m.write("/sys/devices/system/cpu/cpu2/hotplug/target", "100");
          m.online(1 + (i % 3));
        }
      }
      const label = `${kernel}, traceBuffer ${traceBuffer}`;
      assert.equal(JSON.stringify(plain.snapshot()), JSON.stringify(watched.snapshot()), label);
      assert.equal(text(plain.trace), text(watched.trace), label);
    }
  }
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
