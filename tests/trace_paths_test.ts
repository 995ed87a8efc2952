/**
 * The packed trace's short cuts (a run of quiet hotplug callbacks as one ring record,
 * lib/engine/trace_runs.ts; a batched run of ticks written into the ring's columns,
 * lib/engine/trace_ticks.ts) against the event-by-event path an event observer forces, through a
 * session that reads the ring every way the machine does: walks stopped mid-way and resumed (the
 * replay's branched ring over the records before it), injected faults and rollbacks, hibernation
 * (the image's trace), a snapshot restored, and kexec's copied boot; with buffers small enough
 * that every walk and every advance overwrites records mid-run.
 */
import assert from "node:assert/strict";
import { type Machine, vm } from "../mod.ts";

const CPU = "/sys/devices/system/cpu";

// The session: offline/online walks, advances of traced ticks, faults in both directions, a
// target write, hibernation, a restore and kexec; each line run whole or stepped.
const SCRIPT = [
  "advance 5ms",
  "offline 1",
  "advance 43ms",
  `echo 120 > ${CPU}/cpu2/hotplug/fail`,
  "offline 2",
  "online 1",
  "offline 3",
  `echo 60 > ${CPU}/cpu3/hotplug/fail`,
  "online 3",
  "advance 1s",
  "hibernate",
  "resume",
  "restore",
  "offline 2",
  `echo 100 > ${CPU}/cpu2/hotplug/target`,
  "online 2",
  "kexec",
  "offline 1",
  "advance 61ms",
  "online 1",
  "advance 17ms",
];

/** Runs `line` on `m`: whole, or (`steps` > 0) stopped after `steps` callbacks and resumed. */
function run(m: Machine, line: string, steps: number): string {
  try {
    if (line === "restore") {
      m.restore(m.snapshot());
      return "restored";
    }
    if (steps === 0 || /^(advance|echo|hibernate|resume|kexec)/.test(line)) {
      return JSON.stringify(m.run(line));
    }
    let r = m.step(line);
    for (let i = 1; i < steps && m.stopped; i++) {
      r = m.step();
      // What the stopped machine shows reads the replay's ring and the one under it.
      void m.trace;
    }
    return JSON.stringify(m.stopped ? m.runUntil([]).result : r.result);
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

Deno.test("runs as one record and ticks into columns leave what the event-by-event path leaves, through stops, faults, hibernation, restore and kexec", () => {
  let seen = 0;
  for (const traceBuffer of [16, 37, 100]) {
    for (const kernel of ["5.10", "6.6", "6.12"] as const) {
      const make = () => vm().kernel(kernel).cpus(4).traceBuffer(traceBuffer).traceTicks().build();
      const plain = make(), stepped = make(), watched = make();
      watched.observe({ event: () => void seen++ });
      for (const [i, line] of SCRIPT.entries()) {
        const what = `${kernel}, traceBuffer ${traceBuffer}: ${line}`;
        const expected = run(watched, line, 0);
        assert.equal(run(plain, line, 0), expected, what);
        assert.equal(run(stepped, line, 3 + (i % 5) * 7), expected, what);
        const trace = JSON.stringify(watched.trace);
        assert.equal(JSON.stringify(plain.trace), trace, what);
        assert.equal(JSON.stringify(stepped.trace), trace, what);
        const state = JSON.stringify(watched.snapshot());
        assert.equal(JSON.stringify(plain.snapshot()), state, what);
        assert.equal(JSON.stringify(stepped.snapshot()), state, what);
      }
    }
  }
  // The observer saw events throughout (kexec and restore kept it).
  assert.ok(seen > 10_000, `${seen} events observed`);
});
