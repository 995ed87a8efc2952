/**
 * `deno task bench`: performance figures of the simulator core, printed (targets from the core
 * issue). Run on an otherwise idle machine; each figure is the median of several runs.
 *
 * @module
 */

import { vm } from "../mod.ts";
import { Session } from "../repl/session.ts";

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

// 3. The REPL on a 2048-vCPU machine: each command's latency (median of five runs, through the
// same Session the terminal uses), and cold start to the first prompt (a subprocess that reads
// `quit` from a pipe, median of five).
{
  const session = new Session();
  const boot = await session.execute("vm --hyperv 2025 --generation 2 --cpus 2048 --hz 1000");
  if (!boot.ok) throw new Error(boot.text);
  await session.execute("advance 10ms");
  const commands = [
    "cpus",
    "bound",
    "devices",
    "offline 1000",
    "online 1000",
    "advance 1ms",
    "cat /sys/devices/system/clockevents/clockevent1000/current_device",
    "cat /sys/devices/system/cpu/hotplug/states",
    "ls /sys/devices/system/cpu",
    "dmesg",
    "problems",
  ];
  let worst = { line: "", ms: 0 };
  for (const line of commands) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const out = await session.execute(line);
      times.push(performance.now() - t0);
      if (!out.ok) throw new Error(`${line}: ${out.text}`);
    }
    const ms = median(times);
    if (VERBOSE) console.log(`      ${line.padEnd(60)} ${ms.toFixed(2)} ms`);
    if (ms > worst.ms) worst = { line, ms };
  }
  row(
    `slowest REPL command (${worst.line.split(" ")[0]})`,
    `${worst.ms.toFixed(2)} ms`,
    "< 10 ms",
    worst.ms < 10,
  );

  const starts: number[] = [];
  const main = new URL("../repl/main.ts", import.meta.url).pathname;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read=.", "--allow-write=.", "--allow-env=NO_COLOR", main],
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("quit\n"));
    await w.close();
    await child.status;
    starts.push(performance.now() - t0);
  }
  const cold = median(starts);
  row("REPL cold start (launch to quit)", `${cold.toFixed(0)} ms`, "< 300 ms", cold < 300);
}
