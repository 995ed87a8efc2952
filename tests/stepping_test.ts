/**
 * Stepping and breakpoints (lib/api/run_until.ts): a walk stopped anywhere and resumed ends exactly
 * as the walk never stopped — the same state, fingerprint, dmesg and trace — over the golden
 * scenarios' operations at every boundary and over random operations (fast-check); what a stop
 * shows; what is refused while stopped; snapshots of a stopped machine.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  HangError,
  Machine,
  type Operation,
  OPERATION_NAMES,
  parseOperation,
  PoweredOffError,
  StoppedError,
  type StopPoint,
  vm,
  type VmOptions,
} from "../mod.ts";
import { VM_GRAMMAR, vmOptions } from "../lib/ops/vm_line.ts";
import { parseWords } from "../lib/ops/grammar.ts";
import { words } from "../lib/ops/lexer.ts";

const CPU = "/sys/devices/system/cpu";

/** Runs `op`: its result or the class of what it threw (both machines must agree on it). */
function outcome(f: () => unknown): string {
  try {
    const r = f() as { ok?: boolean; message?: string } | null;
    return JSON.stringify(r ?? null);
  } catch (e) {
    if (e instanceof HangError || e instanceof PoweredOffError || e instanceof RangeError) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
    throw e;
  }
}

/** The boundaries `op` passes on a copy of `m`. */
function boundaries(m: Machine, op: Operation): number {
  const copy = new Machine(m.config).restore(m.snapshot());
  let n = 0;
  const stop = copy.observe({ step: () => void n++ });
  outcome(() => copy.run(op));
  stop();
  return n;
}

/** Runs `op` on `m` stopped at boundary `at` (its `at`-th), then continued to the end. */
function broken(m: Machine, op: Operation, at: number): string {
  let seen = 0;
  return outcome(() => {
    const first = m.runUntil(() => ++seen === at, { operation: op });
    if (!m.stopped) return first.result;
    assert.equal(m.stopped.boundary, at);
    // What a stop shows is the state itself: a snapshot round-trips through restore.
    const copy = new Machine(m.config).restore(m.snapshot());
    assert.deepEqual(copy.stopped, m.stopped);
    return m.runUntil([]).result;
  });
}

function same(a: Machine, b: Machine, what: string): void {
  assert.equal(b.fingerprint(), a.fingerprint(), `${what}: fingerprint`);
  assert.equal(b.dmesg(), a.dmesg(), `${what}: dmesg`);
  assert.deepEqual(b.trace, a.trace, `${what}: trace`);
  assert.deepEqual(b.snapshot(), a.snapshot(), `${what}: state`);
}

/** The golden scripts' machines and the operations run on each. */
function goldenRuns(): { options: VmOptions; ops: string[]; file: string }[] {
  const runs: { options: VmOptions; ops: string[]; file: string }[] = [];
  for (const entry of Deno.readDirSync(new URL("./golden/", import.meta.url))) {
    if (!entry.name.endsWith(".hvt")) continue;
    const text = Deno.readTextFileSync(new URL(`./golden/${entry.name}`, import.meta.url));
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line.startsWith("vm ")) {
        const argv = words(line).slice(1);
        try {
          runs.push({
            options: vmOptions(parseWords("vm", VM_GRAMMAR, argv).values),
            ops: [],
            file: entry.name,
          });
        } catch {
          // A golden line that shows a refusal.
        }
      } else if (runs.length && OPERATION_NAMES.includes(line.split(/\s+/)[0] as never)) {
        runs[runs.length - 1].ops.push(line);
      }
    }
  }
  return runs.filter((r) => r.ops.length > 0);
}

Deno.test("every golden scenario's operations, broken at every boundary and continued, end as unbroken", () => {
  let checked = 0;
  for (const run of goldenRuns()) {
    let a: Machine;
    try {
      a = vm(run.options).build();
    } catch {
      continue;
    }
    for (const line of run.ops) {
      let op: Operation;
      try {
        op = parseOperation(line, { cpus: a.config.cpus });
      } catch {
        continue; // a golden line that shows a misuse
      }
      const n = boundaries(a, op);
      // At most 12 boundaries per operation, spread over the walk (all of them when fewer).
      const points = n <= 12
        ? [...Array(n).keys()].map((i) => i + 1)
        : [...Array(12).keys()].map((i) => 1 + Math.floor(i * (n - 1) / 11));
      const before = a.snapshot();
      const expected = outcome(() => a.run(op));
      for (const at of points) {
        const b = vm(run.options).build().restore(before);
        assert.equal(broken(b, op, at), expected, `${run.file} "${line}" stopped at ${at}/${n}`);
        same(a, b, `${run.file} "${line}" stopped at ${at}/${n}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 200, `only ${checked} stops checked`);
});

const CPUS = 4;
const op: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("online" as const, "offline" as const),
    cpu: fc.integer({ min: 1, max: CPUS - 1 }),
  }),
  fc.record({ kind: fc.constant("advance" as const), ns: fc.integer({ min: 0, max: 10_000_000 }) }),
  fc.record({ kind: fc.constantFrom("hibernate" as const, "resume" as const) }),
  fc.record({
    kind: fc.constant("echo" as const),
    path: fc.integer({ min: 1, max: CPUS - 1 }).chain((cpu) =>
      fc.constantFrom(`${CPU}/cpu${cpu}/hotplug/fail`, `${CPU}/cpu${cpu}/hotplug/target`)
    ),
    value: fc.integer({ min: -1, max: 240 }).map(String),
  }),
);

Deno.test("random operations stepped part way and continued end as unbroken runs (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("5.2", "5.4", "5.5", "6.1", "6.12"),
      fc.constantFrom("2012R2", "2019"),
      fc.array(fc.tuple(op, fc.integer({ min: 0, max: 400 })), { maxLength: 8 }),
      (kernel, hyperv, ops) => {
        const a = vm().kernel(kernel as "5.5").hyperv(hyperv as "2019").cpus(CPUS).build();
        const b = vm().kernel(kernel as "5.5").hyperv(hyperv as "2019").cpus(CPUS).build();
        for (const [o, steps] of ops) {
          if (o.kind === "resume" && a.power !== "hibernated") continue;
          const expected = outcome(() => a.run(o));
          const got = outcome(() => {
            let r = b.step(o);
            for (let i = 0; i < steps && b.stopped; i++) r = b.step();
            return b.stopped ? b.runUntil([]).result : r.result;
          });
          assert.equal(got, expected);
          same(a, b, `${kernel} on ${hyperv}: ${JSON.stringify(o)} after ${steps} steps`);
        }
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("a stop shows the walk's own picture, and other operations are refused until it ends", () => {
  const m = vm().hyperv("2012R2").kernel("5.2").cpus(4).build();
  const r = m.runUntil("callback hv_synic_cleanup --cpu 2", { operation: "offline 2" });
  const at = r.stopped!;
  assert.equal(at.phase, "enter");
  assert.equal(at.callback, "hv_synic_cleanup");
  assert.match(
    at.reason,
    /^callback hv_synic_cleanup --cpu 2: CPU2 is about to run hv_synic_cleanup$/,
  );
  // The AP's hotplug thread moves st->state below a step before it calls its teardown
  // (lib/hotplug/cpuhp.ts apThread); st->target is the walk's target.
  assert.equal(m.cpu(2).state, at.state! - 1);
  assert.equal(m.read(`${CPU}/cpu2/hotplug/state`), `${at.state! - 1}\n`);
  // The AP's part of the walk goes down to CPUHP_TEARDOWN_CPU (kernel/cpu.c _cpu_down()).
  const target = Number(m.read(`${CPU}/cpu2/hotplug/target`));
  assert.ok(target > 0 && target < at.state!, `target ${target}`);
  assert.equal(m.boundDevice(2), "Hyper-V clockevent");
  const last = m.trace.at(-1)!;
  assert.ok(
    last.type === "cpuhp_exit" && last.idx > at.state!,
    "the trace ends before the callback",
  );
  // Another hotplug write would wait for cpu_hotplug_lock: refused, naming the stopped walk.
  assert.throws(() => m.offline(3), (e) => {
    assert.ok(e instanceof StoppedError);
    assert.match(
      (e as Error).message,
      /^Cannot run "offline 3": "offline 2" is stopped before hv_synic_cleanup \(teardown of \d+ hyperv\/vmbus:online\) on CPU2 and holds cpu_hotplug_lock/,
    );
    return true;
  });
  assert.throws(() => m.advance("1ms"), StoppedError);
  const fingerprint = m.fingerprint();
  assert.throws(() => m.run("echo 1 > /sys/devices/system/cpu/cpu1/hotplug/fail"), StoppedError);
  assert.equal(m.fingerprint(), fingerprint, "a refusal changes nothing");
  // One step: the teardown ran, the legacy design's LAPIC took over.
  const s = m.step().stopped!;
  assert.equal(s.phase, "exit");
  assert.equal(s.callback, "hv_synic_cleanup");
  assert.equal(m.boundDevice(2), "lapic");
  assert.deepEqual(m.boundDevices(), [0, 1, 2, 3].map((cpu) => m.boundDevice(cpu)));
  assert.equal(m.runUntil([]).result?.ok, true);
  assert.equal(m.stopped, null);
  assert.equal(m.cpu(2).online, false);
});

Deno.test("conditions: a CPU reaching a state, a device change, a hang; bad ones are refused", () => {
  const m = vm().kernel("5.5").cpus(4).build();
  const mid = m.runUntil({ kind: "state", state: "hyperv/vmbus:online", cpu: 3 }, {
    operation: "offline 3",
  }).stopped!;
  // Down to it: the teardowns above it have returned, its own has not run.
  assert.equal(mid.phase, "enter");
  assert.equal(mid.stateName, "hyperv/vmbus:online");
  assert.equal(m.runUntil("state 0 --cpu 3").stopped?.phase, "end");
  assert.equal(m.cpu(3).state, 0);
  const dev = m.runUntil("device --cpu 3", { operation: "online 3" }).stopped!;
  assert.match(dev.reason, /^device --cpu 3: CPU3's tick device: Hyper-V clockevent <- \(none\)$/);
  m.runUntil([]);
  // Time alone: no device changes in 10 ms of ticks; the limit is reached.
  const quiet = m.runUntil("device", { limit: "10ms" });
  assert.equal(quiet.stopped, null);
  assert.equal(quiet.advanced, 10_000_000);
  // 5.4 on a Direct Mode host hangs in hibernation: stopped after the operation, at its end.
  const h = vm().kernel("5.4").hyperv("2019").cpus(2).build();
  const hang = h.runUntil("hang", { operation: "hibernate" }).stopped!;
  assert.equal(hang.phase, "end");
  assert.match(hang.reason, /^hang: hung: CPU1 has no working clockevent device/);
  assert.equal(h.stopped, null, "a hang ends the operation: no walk is left stopped");
  assert.throws(
    () => m.runUntil("state nope"),
    /state "nope": not a hotplug state of this kernel; valid: 0 to/,
  );
  assert.throws(() => m.runUntil("callback hv_synic_clenaup"), /did you mean "hv_synic_cleanup"/);
  assert.throws(() => m.runUntil("violation no-hnag", { limit: 1 }), /Invalid invariant "no-hnag"/);
  assert.throws(() => m.runUntil("device"), /Nothing to run until a condition/);
  assert.throws(() => m.step(), /Nothing to step: no hotplug walk is stopped/);
  assert.throws(() => m.runUntil("device", { limt: 1 } as never), /Invalid options key "limt"/);
});

Deno.test("observers see each boundary once, also across a stop and a resumed walk", () => {
  const a = vm().kernel("6.1").cpus(3).build();
  const b = vm().kernel("6.1").cpus(3).build();
  const seen = (m: Machine) => {
    const out: string[] = [];
    m.observe({
      step: (p) => out.push(`${p.phase} ${p.state} ${p.callback}`),
      device: (cpu, d) => out.push(`device ${cpu} ${d}`),
    });
    return out;
  };
  const sa = seen(a);
  const sb = seen(b);
  a.offline(1);
  b.runUntil("state 100 --cpu 1", { operation: "offline 1" });
  assert.ok(b.stopped);
  b.step();
  b.step();
  b.runUntil([]);
  assert.deepEqual(sb, sa);
});

Deno.test("the README's stepping example does what its comments say", () => {
  const m = vm().hyperv("2012R2").kernel("5.2").cpus(4).build();
  const at = m.runUntil("callback hv_synic_cleanup", { operation: "offline 2" }).stopped!;
  assert.equal(at.phase, "enter");
  assert.equal(m.read("/sys/devices/system/cpu/cpu2/hotplug/state"), "173\n");
  m.step();
  assert.equal(m.boundDevice(2), "lapic");
  const unbroken = vm().hyperv("2012R2").kernel("5.2").cpus(4).build();
  assert.deepEqual(m.runUntil([]).result, unbroken.offline(2));
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  assert.ok(readme.includes('m.runUntil("callback hv_synic_cleanup", { operation: "offline 2" })'));
});

Deno.test("the REPL's session log holds each stepped operation once, whole, when its walk ends", async () => {
  const { Session } = await import("../repl/session.ts");
  const s = new Session();
  for (
    const line of [
      "vm --hyperv 2012R2 --kernel 5.2 --cpus 4",
      "break callback hv_synic_cleanup",
      "offline 2",
      "step",
      "continue",
      "advance 5ms --until device",
      "step online 2",
      "step",
    ]
  ) {
    const out = await s.execute(line);
    assert.ok(out.ok, `${line}: ${out.text}`);
  }
  // Stopped in online 2: not logged yet.
  assert.deepEqual(s.log, ["offline 2", "advance 5000000ns"]);
  assert.ok((await s.execute("continue")).ok);
  assert.deepEqual(s.log, ["offline 2", "advance 5000000ns", "online 2"]);
  const replay = new Session();
  await replay.execute("vm --hyperv 2012R2 --kernel 5.2 --cpus 4");
  for (const line of s.log) await replay.execute(line);
  assert.equal(replay.machine!.fingerprint(), s.machine!.fingerprint());
  assert.equal(replay.machine!.dmesg(), s.machine!.dmesg());
});

Deno.test("three walks broken at every one of their boundaries end as unbroken", () => {
  const cases: [() => Machine, string][] = [
    // The legacy design's offline: the stimer unbound in hyperv/vmbus:online, the LAPIC after.
    [() => vm().hyperv("2012R2").kernel("5.2").cpus(4).build(), "offline 2"],
    // 5.4's hibernation on a Direct Mode host: freeze_secondary_cpus() hangs on CPU1.
    [() => vm().hyperv("2019").kernel("5.4").cpus(3).build(), "hibernate"],
    // A fault injected into an online walk, rolled back.
    [() => {
      const m = vm().kernel("6.1").cpus(3).build();
      m.offline(2);
      assert.ok(m.run(`echo 158 > ${CPU}/cpu2/hotplug/fail`).ok);
      return m;
    }, "online 2"],
  ];
  for (const [make, line] of cases) {
    const a = make();
    const op = parseOperation(line, { cpus: a.config.cpus });
    const n = boundaries(a, op);
    const expected = outcome(() => a.run(op));
    assert.ok(n > 10, `${line}: ${n} boundaries`);
    if (line === "online 2") assert.match(expected, /fault injected .* rolled back/);
    if (line === "hibernate") assert.equal(a.hung, true);
    for (let at = 1; at <= n; at++) {
      const b = make();
      assert.equal(broken(b, op, at), expected, `${line} stopped at ${at}/${n}`);
      same(a, b, `${line} stopped at ${at}/${n}`);
    }
  }
});

Deno.test("a predicate sees each boundary once, also when a stopped walk goes on under it", () => {
  const a = vm().kernel("5.5").cpus(3).build();
  const all: string[] = [];
  a.runUntil((p) => {
    all.push(`${p.phase} ${p.callback}`);
    return false;
  }, { operation: "offline 1" });
  const b = vm().kernel("5.5").cpus(3).build();
  const seen: string[] = [];
  const at = (p: StopPoint) => {
    seen.push(`${p.phase} ${p.callback}`);
    return p.callback === "hv_synic_cleanup";
  };
  b.runUntil(at, { operation: "offline 1" });
  b.runUntil(at); // stops again after hv_synic_cleanup returned
  assert.equal(b.stopped?.phase, "exit");
  b.runUntil(at);
  assert.equal(b.stopped, null);
  assert.deepEqual(seen, all);
});

Deno.test("a stopped walk's snapshot holds the machine before the operation, trace and all, step after step", () => {
  // A small trace buffer: the walk's events drop old ones from the ring it goes on with.
  const build = () => vm().cpus(4).traceBuffer(64).build();
  const m = build();
  m.advance("3ms");
  const before = m.snapshot();
  assert.ok(before.log.trace.length >= 64);
  const unbroken = build().restore(before);
  unbroken.offline(2);
  const end = unbroken.snapshot();
  m.runUntil("callback hv_synic_cleanup --cpu 2", { operation: "offline 2" });
  let stops = 0;
  while (m.stopped) {
    const s = m.snapshot();
    assert.deepEqual(s.walk!.before, before);
    // A restored stop (its before's events plain) goes on to the end the live one reaches.
    const restored = build().restore(s);
    restored.runUntil([]);
    assert.deepEqual(restored.snapshot(), end);
    m.step();
    stops++;
  }
  assert.ok(stops > 3, `${stops} stops`);
  assert.deepEqual(m.snapshot(), end);
});
