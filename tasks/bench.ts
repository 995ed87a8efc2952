/**
 * `deno task bench`: performance figures of the simulator core, printed (targets from the core
 * issue). Run on an otherwise idle machine; each figure is the median of several runs.
 *
 * @module
 */

import { vm } from "../mod.ts";

const gc = (globalThis as { gc?: () => void }).gc;
/** `deno task bench --verbose` also prints every timed window. */
const VERBOSE = Deno.args.includes("--verbose");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function row(name: string, value: string, target: string, ok: boolean): void {
  console.log(
    `${ok ? "PASS" : "MISS"}  ${name.padEnd(44)} ${value.padStart(16)}   target ${target}`,
  );
}

const big = () => vm().hyperv("2025").generation(2).cpus(2048).hz(1000);

// 1. Ticks: 2048 vCPUs at HZ=1000, one simulated second (five timed windows of 200 ms on one
// machine, after a 300 ms warm-up that switches every CPU to high resolution and lets the JIT
// settle). The tick loop allocates nothing, so no collection falls into a window.
{
  const m = big().build();
  m.advance("300ms");
  const rates: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = m.cpus().reduce((a, c) => a + c.ticks, 0);
    gc?.();
    const t0 = performance.now();
    m.advance("200ms");
    const dt = (performance.now() - t0) / 1000;
    const ticks = m.cpus().reduce((a, c) => a + c.ticks, 0) - before;
    if (ticks !== 2048 * 200) throw new Error(`expected ${2048 * 200} tick events, got ${ticks}`);
    rates.push(ticks / dt);
  }
  const r = median(rates);
  if (VERBOSE) {
    console.log(rates.map((x) => (x / 1e6).toFixed(1)).join(" "));
  }
  row("tick events per second of wall time", `${(r / 1e6).toFixed(1)} M/s`, ">= 20 M/s", r >= 20e6);
}

// 2. offline + online of one CPU in a 2048-vCPU machine (after 200 untimed operations that let
// the JIT settle, and a collection of the build's garbage).
{
  const m = big().build();
  const cycle = (i: number) => {
    const cpu = 1 + (i % 2047);
    const off = m.offline(cpu);
    const on = m.online(cpu);
    if (!off.ok || !on.ok) throw new Error(`${off.message} / ${on.message}`);
  };
  for (let i = 0; i < 200; i++) cycle(i);
  gc?.();
  const times: number[] = [];
  for (let i = 200; i < 800; i++) {
    const t0 = performance.now();
    cycle(i);
    times.push((performance.now() - t0) * 1000);
  }
  const us = median(times);
  row("offline + online of one CPU (2048 vCPUs)", `${us.toFixed(1)} µs`, "< 50 µs median", us < 50);
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
    gc();
    const before = Deno.memoryUsage().heapUsed;
    const keep = big().build();
    keep.advance("10ms");
    gc();
    const per = (Deno.memoryUsage().heapUsed - before) / 2048;
    row(
      "memory per vCPU (booted, 10 ms run)",
      `${(per / 1024).toFixed(2)} KiB`,
      "< 4 KiB",
      per < 4096,
    );
    void keep.now;
  }
}
