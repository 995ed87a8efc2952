/**
 * `deno task bench`: performance figures of the simulator core, printed (targets from the core
 * issue). Run on an otherwise idle machine; each figure is the median of several runs. The REPL's
 * figures are repl/bench.ts's (the same task runs both).
 *
 * @module
 */

import { exploration, explore, OPERATION_KINDS, record, timelineSvg, vm } from "../mod.ts";
import { median, row } from "./bench_report.ts";

import type { Machine } from "../mod.ts";
import { cFloor } from "./bench_report.ts";
import { forceTickStepping } from "../lib/time/fast_forward.ts";
import { advanceTo } from "../lib/time/advance.ts";
import { createKernel } from "../lib/machine/kernel.ts";

const gc = (globalThis as { gc?: () => void }).gc;
/** `deno task bench --verbose` also prints every timed window. */
const VERBOSE = Deno.args.includes("--verbose");

const big = () => vm().hyperv("2025").generation(2).cpus(2048).hz(1000);

// 1. Ticks that must be stepped: 2048 vCPUs at HZ=1000 with tick tracing on, one simulated second
// (five timed windows of 200 ms on one machine, after a 300 ms warm-up in ten advances that
// switches every CPU to high resolution and lets the JIT settle), batched by instant (lib/time/tick_rounds.ts); then
// the plain loop every bucket goes through when forced (lib/time/tick_handlers.ts
// runInterrupts()), and the C floor: the bare workload as a C loop batching the CPUs that tick at
// the same instant (tasks/bench_floor.c, gcc -O2), measured in the same window.
{
  const rate = (traceTicks: boolean, plain: boolean) => {
    const m = big().traceTicks(traceTicks).build();
    const was = forceTickStepping(plain);
    try {
      // Ten calls: a batched run is one call per advance, so one call would leave it unoptimised.
      for (let i = 0; i < 10; i++) m.advance("30ms");
      const rates: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = m.cpus().reduce((a, c) => a + c.ticks, 0);
        gc?.();
        const t0 = performance.now();
        m.advance("200ms");
        const dt = (performance.now() - t0) / 1000;
        const ticks = m.cpus().reduce((a, c) => a + c.ticks, 0) - before;
        if (ticks !== 2048 * 200) {
          throw new Error(`expected ${2048 * 200} tick events, got ${ticks}`);
        }
        rates.push(ticks / dt);
      }
      if (VERBOSE) console.log(rates.map((x) => (x / 1e6).toFixed(1)).join(" "));
      return median(rates);
    } finally {
      forceTickStepping(was);
    }
  };
  const r = rate(true, false);
  const floor = await cFloor();
  row(
    "ticks stepped, tick tracing on (2048 vCPUs)",
    `${(r / 1e6).toFixed(1)} M/s`,
    ">= 50 M/s",
    r >= 50e6,
  );
  // A tick observer (a breakpoint's hook): every tick handed to a callback, the state exact at
  // each (the kernel context directly: the public API has no tick observers).
  const k = createKernel(big().build().snapshot());
  let seen = 0;
  k.observers.add({ tick: () => void seen++ });
  advanceTo(k, k.s.now + 300_000_000);
  const watched = median(Array.from({ length: 5 }, () => {
    const before = seen;
    gc?.();
    const t0 = performance.now();
    advanceTo(k, k.s.now + 200_000_000);
    return (seen - before) / ((performance.now() - t0) / 1000);
  }));
  console.log(
    `INFO  ticks stepped, each to a tick observer          ${
      `${(watched / 1e6).toFixed(1)} M/s`.padStart(16)
    }   (a breakpoint's hook; state exact at every tick)`,
  );
  const plain = rate(false, true);
  console.log(
    `INFO  ticks through runInterrupts() (forced)        ${
      `${(plain / 1e6).toFixed(1)} M/s`.padStart(16)
    }   every bucket through the timer index`,
  );
  console.log(
    floor === null
      ? "INFO  C floor: not measured (no gcc on PATH)"
      : `INFO  C floor: bare workload, batched C loop       ${
        `${(floor / 1e6).toFixed(1)} M/s`.padStart(16)
      }   stepped ticks run at ${(100 * r / floor).toFixed(1)}% of it (${
        (floor / r).toFixed(1)
      }x below)`,
  );
}

// 1b. Fast-forward: `advance 1h` with nothing observing ticks, on the machine above (a jump over
// a steady run of ticks, lib/time/fast_forward.ts), and on 64 vCPUs whose ticks are one-shot
// timers not yet on the high-resolution grid: CPUs 1-63 just came back online, so each runs
// tick_handle_periodic() on a one-shot-programmed device until its first tick switches it to
// high resolution; those instants are stepped and the rest jumped (hvtick models no one-shot
// timers but the tick's: no NO_HZ, no other hrtimers; docs/model.md §Time). Median of five, each
// on a fresh machine.
{
  const hour = (build: () => Machine) =>
    median(Array.from({ length: 5 }, () => {
      const m = build();
      gc?.();
      const t0 = performance.now();
      m.advance("1h");
      const ms = performance.now() - t0;
      if (m.cpus().some((c) => c.online && c.ticks < 3_600_000)) {
        throw new Error("advance 1h: a CPU missed ticks");
      }
      return ms;
    }));
  const big1h = hour(() => {
    const m = big().build();
    m.advance("300ms");
    return m;
  });
  row("advance 1h, 2048 vCPUs, HZ=1000", `${big1h.toFixed(1)} ms`, "< 100 ms", big1h < 100);
  const small1h = hour(() => {
    const m = vm().hyperv("2025").generation(2).cpus(64).hz(1000).build();
    m.advance("300ms");
    for (let cpu = 1; cpu < 64; cpu++) m.offline(cpu);
    for (let cpu = 1; cpu < 64; cpu++) m.online(cpu);
    return m;
  });
  row(
    "advance 1h, 64 vCPUs' one-shot ticks active",
    `${small1h.toFixed(1)} ms`,
    "< 1000 ms",
    small1h < 1000,
  );
}

// 2. offline + online of one CPU in a 2048-vCPU machine (after 200 untimed operations and a
// collection of the build's garbage).
{
  const m = big().build();
  const cycle = (i: number) => {
    const cpu = 1 + (i % 2047);
    const off = m.offline(cpu);
    const on = m.online(cpu);
    if (!off.ok || !on.ok) throw new Error(`${off.message} / ${on.message}`);
  };
  // The median time in µs of cycles `from` .. `to` - 1, each timed alone.
  const timed = (from: number, to: number) => {
    const times: number[] = [];
    for (let i = from; i < to; i++) {
      const t0 = performance.now();
      cycle(i);
      times.push((performance.now() - t0) * 1000);
    }
    return median(times);
  };
  for (let i = 0; i < 200; i++) cycle(i);
  gc?.();
  const us = timed(200, 800);
  row("offline + online of one CPU (2048 vCPUs)", `${us.toFixed(1)} µs`, "< 5 µs median", us < 5);
  // The same cycles once the JIT has settled: V8 moves the walk's functions to TurboFan between
  // cycles ~400 and ~3,000 (--trace-opt), so the row above times them mostly before.
  for (let i = 800; i < 4000; i++) cycle(i);
  console.log(
    `INFO  offline + online, steady (cycles 4000-5000)     ${
      `${timed(4000, 5000).toFixed(1)} µs`.padStart(16)
    }`,
  );
}

// 3. build() of a 2048-vCPU machine, and memory per vCPU.
{
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    big().build();
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  row("build() of a 2048-vCPU machine", `${ms.toFixed(1)} ms`, "< 50 ms", ms < 50);
  if (gc) {
    // The heap a booted machine holds, per vCPU; then the same machine with a 16-event trace
    // ring, since the default ring (32768 events, filled by the boot's hotplug events) is one
    // fixed-size buffer whatever the vCPU count.
    // Last-resort collections (full, compacting, synchronous): a plain one may leave an earlier
    // section's garbage in place, and the figure went to 0.05 KiB, even below zero.
    const settle = () => {
      const full = gc as (options?: object) => void;
      for (let i = 0; i < 2; i++) full({ type: "major", execution: "sync", flavor: "last-resort" });
    };
    // The heap and what lives outside it: typed arrays' backing stores (the packed trace ring,
    // lib/engine/trace_ring.ts) are external memory, which heapUsed leaves out.
    const used = () => {
      const u = Deno.memoryUsage();
      return u.heapUsed + u.external;
    };
    const perVcpu = (traceBuffer?: number) => {
      settle();
      const before = used();
      const b = big();
      const keep = (traceBuffer ? b.traceBuffer(traceBuffer) : b).build();
      keep.advance("10ms");
      settle();
      const per = (used() - before) / 2048;
      void keep.now;
      return per;
    };
    const per = perVcpu();
    row(
      "memory per vCPU (booted, 10 ms run)",
      `${(per / 1024).toFixed(2)} KiB`,
      "< 1 KiB",
      per < 1024,
    );
    const bare = perVcpu(16);
    console.log(
      `INFO  memory per vCPU with a 16-event trace ring     ${
        `${(bare / 1024).toFixed(2)} KiB`.padStart(16)
      }   the default ring is ${((per - bare) / 1024).toFixed(2)} KiB of it`,
    );
  }
}

// 4. snapshot() and restore() of a 2048-vCPU machine after 8 ms of ticks (5.5 MB of state, most
// of it the trace buffer), median of nine: restore() checks the whole snapshot before it takes
// it (lib/api/snapshot_check.ts), which adds about as much as copying it does.
{
  const m = big().build();
  m.advance("8ms");
  const snap = m.snapshot();
  const timed = (f: () => void) =>
    median(Array.from({ length: 9 }, () => {
      gc?.();
      const t0 = performance.now();
      f();
      return performance.now() - t0;
    }));
  const save = timed(() => m.snapshot());
  const load = timed(() => m.restore(snap));
  console.log(
    `INFO  snapshot() of a 2048-vCPU machine              ${`${save.toFixed(1)} ms`.padStart(16)}`,
  );
  row("restore() of that snapshot, checked whole", `${load.toFixed(1)} ms`, "< 200 ms", load < 200);
}

// 5. Exploration of a 4-CPU machine without symmetry reduction (Hyper-V 2019, Linux 5.5,
// online/offline/advance, every invariant at every step; section 7 has the reduced search). The rate is measured on depth 14 (125,738 states, 335,900
// transitions), median of three runs: a search of 19,000 states (depth 10) lasts 40-150 ms, most
// of it the JIT warming up, so its rate says little about a search one waits for. Its figures are
// printed too: the first run, and the median of the next four. Memory per stored state comes from
// a separate run of depth 14 (collections would slow a timed one): the heap at the deepest
// progress report (the visited set, the search tree and the frontier's anchors), after a
// collection.
{
  const config = { hyperv: "2019", kernel: "5.5", cpus: 4 } as const;
  const timed = (depth: number) => {
    gc?.();
    const t0 = performance.now();
    const r = explore(config, { depth, symmetry: false });
    const ms = performance.now() - t0;
    if (VERBOSE) {
      console.log(
        `      depth ${depth}: ${r.states} states, ${r.transitions} transitions, ${
          ms.toFixed(1)
        } ms`,
      );
    }
    return { states: r.states, ms };
  };
  const small = [0, 1, 2, 3, 4].map(() => timed(10));
  const later = median(small.slice(1).map((t) => t.ms));
  console.log(
    `INFO  explore: depth 10 (${small[0].states} states)          ${
      `${small[0].ms.toFixed(0)} ms`.padStart(16)
    }   first run; then ${later.toFixed(0)} ms (median of four): ${
      (small[0].states / later).toFixed(0)
    } k states/s`,
  );
  const rates = [0, 1, 2].map(() => {
    const t = timed(14);
    return t.states / (t.ms / 1000);
  });
  const rate = median(rates);
  row(
    "explore: distinct states per second (4 vCPUs)",
    `${(rate / 1000).toFixed(1)} k/s`,
    ">= 250 k/s",
    rate >= 250_000,
  );
  gc?.();
  const base = Deno.memoryUsage().heapUsed;
  const search = exploration(config, { depth: 14, progressEvery: 10_000, symmetry: false });
  let step = search.next();
  let perState = 0;
  let heap = 0;
  while (!step.done) {
    gc?.();
    const used = Deno.memoryUsage().heapUsed - base;
    if (used > heap) [heap, perState] = [used, used / step.value.states];
    step = search.next();
  }
  console.log(
    `INFO  explore: memory per stored state              ${
      `${(perState / 1024).toFixed(2)} KiB`.padStart(16)
    }`,
  );
}

// 6. Timeline: 64 vCPUs at HZ=1000 over 10 simulated seconds (CPU5 offline for 3 s), recorded
// once; render time (median of five) and SVG size.
{
  const rec = record({ hyperv: "2019", kernel: "5.5", cpus: 64, hz: 1000 }, [
    "advance 2s",
    "offline 5",
    "advance 3s",
    "online 5",
    "advance 5s",
  ]);
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    size = timelineSvg(rec).length;
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  row("timeline: render 64 vCPUs x 10 s at HZ=1000", `${ms.toFixed(0)} ms`, "< 1000 ms", ms < 1000);
  row("timeline: SVG size", `${(size / 1e6).toFixed(2)} MB`, "< 5 MB", size < 5e6);
}

// 7. Stepping (lib/api/run_until.ts): a step of a stopped walk runs the operation again from the
// state before it up to the stop, so it costs a copy of that state and the walk's prefix. Every
// callback of an offline of CPU1 on 240 vCPUs (Hyper-V 2019's maximum), stepped one at a time.
{
  const m = vm().hyperv("2019").kernel("5.5").cpus(240).build();
  const times: number[] = [];
  m.step("offline 1");
  while (m.stopped) {
    const t0 = performance.now();
    m.step();
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  row(
    "step: one callback of a stopped walk (240 vCPUs)",
    `${ms.toFixed(1)} ms`,
    "< 50 ms",
    ms < 50,
  );
}

// 8. Symmetry reduction (issue 15): 8 vCPUs to depth 12 with every operation kind, one state per
// class, and keeping every state (stopped after 60 s of wall time: the figure then says how far
// it got), and with every kind but fault injection, 64 vCPUs to depth 8 (default operations)
// within the 1 GiB budget, and the 4-vCPU rate of distinct states (orbits) per second.
{
  const timed = (config: Parameters<typeof explore>[0], options: Parameters<typeof explore>[1]) => {
    gc?.();
    const t0 = performance.now();
    const r = explore(config, {
      ...options,
      shouldStop: () => performance.now() - t0 > 60_000 && "time budget",
    });
    return { r, s: (performance.now() - t0) / 1000 };
  };
  // First, before the 8-vCPU search leaves a heap of a gigabyte behind, and without the time
  // budget: the search asks shouldStop() before every operation, and a clock read each time cost
  // this search about as much as the search itself (0.56 M/s with it, 1.0-1.7 M/s without). Depth
  // 22: 137,011 orbits, a tenth of a second; depth 14 is over in a few milliseconds.
  const rates = [0, 1, 2].map(() => {
    gc?.();
    const t0 = performance.now();
    const r = explore({ hyperv: "2019", kernel: "5.5", cpus: 4 }, { depth: 22 });
    return r.states / ((performance.now() - t0) / 1000);
  });
  const rate = median(rates);
  row(
    "explore, symmetry: orbits per second (4 vCPUs)",
    `${(rate / 1e6).toFixed(2)} M/s`,
    ">= 2 M/s",
    rate >= 2e6,
  );
  // The same searches one after another, without the collection before each: a full collection
  // lets the shapes of the previous search's objects die, and V8 throws away the optimized code
  // that checked for them, so each search above also recompiles its loop (issue 15).
  const warm = median([0, 1, 2].map(() => {
    const t0 = performance.now();
    const r = explore({ hyperv: "2019", kernel: "5.5", cpus: 4 }, { depth: 22 });
    return r.states / ((performance.now() - t0) / 1000);
  }));
  console.log(
    `INFO  ... ${(warm / 1e6).toFixed(2)} M/s when no collection runs between searches`,
  );
  // The same search as the first in a fresh process (what a user running one search waits for):
  // nothing compiled, nothing booted yet. Median of three processes, one after another.
  const firsts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const code = `import { explore } from "./mod.ts";
      const t0 = performance.now();
      const r = explore({ hyperv: "2019", kernel: "5.5", cpus: 4 }, { depth: 22 });
      console.log(r.states / ((performance.now() - t0) / 1000));`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`the fresh-process search failed (exit code ${out.code})`);
    firsts.push(Number(new TextDecoder().decode(out.stdout)));
  }
  const fresh = median(firsts);
  console.log(`INFO  ... ${(fresh / 1e6).toFixed(2)} M/s for the first search in a fresh process`);
  const all = [...OPERATION_KINDS];
  // One state per class (`anchors: false`: states equal but for now, jiffies_64, tick counts and
  // refEpoch count once; the same verdicts and counterexample lengths, docs/model.md
  // §Exploration, "One state per class"), named in the row; the search that keeps every state
  // (the default) is printed below it.
  const e8 = timed({ hyperv: "2019", kernel: "5.5", cpus: 8 }, {
    depth: 12,
    ops: all,
    anchors: false,
  });
  row(
    "explore 8 vCPUs d12 all ops, anchors: false",
    `${e8.s.toFixed(1)} s`,
    `complete < 10 s`,
    e8.r.stopped === null && e8.s < 10,
  );
  console.log(
    `INFO  ... ${e8.r.states} classes (orbits), ${e8.r.transitions} transitions, ` +
      `${e8.r.modelRuns} model runs, depth ${e8.r.depthCovered}, ` +
      `${(e8.r.bytes / 2 ** 20).toFixed(0)} MiB${e8.r.stopped ? `, stopped: ${e8.r.stopped}` : ""}`,
  );
  const kept = timed({ hyperv: "2019", kernel: "5.5", cpus: 8 }, { depth: 12, ops: all });
  console.log(
    `INFO  ... every state kept (anchors: true, the default): ${kept.s.toFixed(1)} s, ` +
      `${kept.r.states} orbits, depth ${kept.r.depthCovered}` +
      `${kept.r.stopped ? `, stopped: ${kept.r.stopped}` : ""}`,
  );
  // Fault injection is most of it: one operation per CPU and failable state (those another covers
  // left out: lib/ops/moves.ts covering), each run once per class.
  const nofail = timed({ hyperv: "2019", kernel: "5.5", cpus: 8 }, {
    depth: 12,
    ops: all.filter((op) => op !== "fail"),
  });
  console.log(
    `INFO  explore, symmetry: 8 vCPUs, depth 12, all but fail ${
      `${nofail.s.toFixed(1)} s`.padStart(16)
    }   ${nofail.r.states} orbits${nofail.r.stopped ? `, stopped: ${nofail.r.stopped}` : ""}`,
  );
  const e64 = timed({ hyperv: "2019", kernel: "5.5", cpus: 64 }, { depth: 8 });
  row(
    "explore, symmetry: 64 vCPUs, depth 8",
    `${(e64.r.bytes / 2 ** 20).toFixed(0)} MiB`,
    "complete within 1 GiB",
    e64.r.stopped === null,
  );
  console.log(
    `INFO  ... ${e64.r.states} orbits in ${e64.s.toFixed(1)} s, ${e64.r.transitions} ` +
      `transitions, ${e64.r.modelRuns} model runs`,
  );
}

// 9. The sweep's full default matrix at depth 6, in workers on every core (tasks/sweep.ts).
{
  const dir = await Deno.makeTempDir({ dir: "." });
  try {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read=.",
        "--allow-write=.",
        "tasks/sweep.ts",
        "--out",
        `${dir}/sweep.json`,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const s = (performance.now() - t0) / 1000;
    if (!out.success) throw new Error(`deno task sweep failed (exit code ${out.code})`);
    const text = new TextDecoder().decode(out.stdout).split("\n")[0];
    console.log(
      `INFO  sweep: default matrix at depth 6 ${`${s.toFixed(1)} s`.padStart(16)}   ${text}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
