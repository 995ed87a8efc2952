/**
 * A hotplug walk takes a short path for callbacks with no modelled effect when nobody watches its
 * steps (lib/hotplug/invoke.ts `invokeEmpty`, and the tick answer it remembers between them). A
 * step observer sends every callback through the general path: both must leave the same machine.
 */
import assert from "node:assert/strict";
import { HYPERV_IDS, KERNEL_IDS, type Machine, vm } from "../mod.ts";
import { runnable } from "./helpers.ts";

const CPU = "/sys/devices/system/cpu";

// Offline, online, faults injected in both directions (rollbacks), a target write and time:
// what each machine answers, errors included (a hung machine refuses the rest).
function drive(m: Machine): unknown[] {
  const states = m.read(`${CPU}/hotplug/states`).trim().split("\n").map((l) =>
    Number(l.split(":")[0])
  );
  const out: unknown[] = [];
  const run = (f: () => unknown) => {
    try {
      out.push(f());
    } catch (e) {
      out.push(String(e));
    }
  };
  run(() => m.offline(1));
  run(() => m.online(1));
  run(() => m.offline(2));
  for (const at of [states[Math.floor(states.length / 2)], states[states.length - 3]]) {
    run(() => m.write(`${CPU}/cpu1/hotplug/fail`, `${at}`));
    run(() => m.offline(1));
    run(() => m.write(`${CPU}/cpu2/hotplug/fail`, `${at}`));
    run(() => m.online(2));
  }
  // A write's result counts the callbacks it ran.
  run(() => m.write(`${CPU}/cpu1/online`, "0"));
  run(() => m.write(`${CPU}/cpu1/online`, "1"));
  run(() => m.advance("3ms"));
  run(() => m.write(`${CPU}/cpu1/hotplug/target`, `${states[Math.floor(states.length / 3)]}`));
  run(() => m.online(1));
  run(() => m.online(2));
  return out;
}

Deno.test("a walk watched step by step ends exactly as an unwatched one, on every line and host", () => {
  let compared = 0;
  for (const kernel of KERNEL_IDS) {
    for (const hyperv of HYPERV_IDS) {
      const options = runnable(hyperv, kernel, 3);
      if (!options) continue;
      const plain = vm(options).build();
      const watched = vm(options).build();
      let steps = 0;
      watched.observe({ step: () => void steps++ });
      const a = drive(plain);
      const b = drive(watched);
      const what = `${kernel} on ${hyperv}`;
      assert.ok(steps > 0, what);
      assert.deepEqual(b, a, what);
      assert.deepEqual(watched.snapshot(), plain.snapshot(), what);
      compared++;
    }
  }
  assert.ok(compared >= KERNEL_IDS.length, `${compared} configurations`);
});

// The short path packs a run of callbacks' events into the trace buffer together, dropping the
// oldest only where one event at a time would (traceLost counts them): buffers so small that a
// walk overflows them mid-run, at every phase; and callbacks that take time, which the short path
// leaves to the general one.
Deno.test("a walk watched step by step ends exactly as an unwatched one with a tiny trace buffer or timed callbacks", () => {
  let compared = 0;
  for (const kernel of KERNEL_IDS) {
    const options = runnable("2019", kernel, 3);
    if (!options) continue;
    for (
      const extra of [
        { traceBuffer: 16 },
        { traceBuffer: 17 },
        { traceBuffer: 18 },
        { traceBuffer: 19 },
        { timing: { callback: "20us" } },
      ]
    ) {
      const plain = vm({ ...options, ...extra }).build();
      const watched = vm({ ...options, ...extra }).build();
      watched.observe({ step: () => {} });
      const what = `${kernel} ${JSON.stringify(extra)}`;
      assert.deepEqual(drive(watched), drive(plain), what);
      assert.deepEqual(watched.snapshot(), plain.snapshot(), what);
      compared++;
    }
  }
  assert.ok(compared >= 5 * KERNEL_IDS.length, `${compared} configurations`);
});
