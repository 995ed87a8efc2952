/**
 * The REPL's part of `deno task bench`: every command of the table on a 2048-vCPU machine, timed
 * through the same Session the terminal uses, and the REPL's cold start. Run on an otherwise idle
 * machine; each figure is the median of several runs.
 *
 * @module
 */

import { Session } from "./session.ts";
import { COMMANDS } from "./commands/index.ts";
import type { Context } from "./command.ts";
import { median, row } from "../tasks/bench_report.ts";

/** `deno task bench --verbose` also prints every timed command. */
const VERBOSE = Deno.args.includes("--verbose");

// 3. The REPL on a 2048-vCPU machine: every command of the table, each sample line timed five
// times through the same Session the terminal uses (median). Commands without a `cost` must
// answer in under 1 ms, unless their output grows with the machine (listed with its size); the
// ones whose work grows with the machine or the input (booting 2048 vCPUs, hibernating them,
// printing the whole trace buffer…) are reported with their figures.
// Then cold start to the first prompt (a subprocess that reads `quit` from a pipe, median of five).
{
  const SCRATCH = "bench-session.tmp";
  const SCRIPT = "bench-script.tmp";
  // The pictures need their own extensions (timeline: .svg, report: .html, trace export: .json).
  const PICTURE = "bench-picture.tmp";
  // A session's order: boot once and run 10 ms (so logs, traces and timers have something in
  // them), then groups of lines in order, five rounds each (hibernate needs a resume before the
  // next); booting again comes last.
  const BOOT = "vm --hyperv 2025 --generation 2 --cpus 2048 --hz 1000";
  const samples: readonly (readonly string[])[] = [
    ["advance 1ms"],
    ["cpus"],
    ["bound", "bound 1000"],
    ["devices"],
    ["offline 1000", "online 1000"],
    [
      "cat /sys/devices/system/clockevents/clockevent1000/current_device",
      "cat /sys/devices/system/cpu/hotplug/states",
      "cat /sys/devices/system/cpu/online",
      "cat /proc/timer_list",
    ],
    [
      "echo 0 > /sys/devices/system/cpu/cpu1000/online",
      "echo 1 > /sys/devices/system/cpu/cpu1000/online",
    ],
    ["ls /sys/devices/system/cpu", "ls /sys/devices/system/cpu/cpu1000/hotplug"],
    ["dmesg"],
    ["trace --cpu 1000", "trace --tail 100", "trace"],
    ["problems"],
    ["help", "help offline"],
    [`save ${SCRATCH}`, `load ${SCRATCH}`],
    [`source ${SCRIPT}`],
    ["race passes", "race sleeps"],
    [`timeline ${PICTURE}.svg`, `report ${PICTURE}.html`, `trace export ${PICTURE}.json`],
    ["explore --depth 1 --max-states 50"],
    [`compare --a kernel=5.4 --b kernel=5.5 ${SCRIPT}`],
    ["hibernate", "resume"],
    ["modprobe hv_vmbus"],
    ["swapon /dev/vda"],
    ["poweroff", "poweron"],
    ["kexec", "reset"],
    ["kdump", "reset"],
    // A walk stopped at a breakpoint, stepped and continued; the breakpoint deleted and the CPU
    // back online for the next round.
    [
      "break state sched:active --cpu 1000",
      "offline 1000",
      "step",
      "continue",
      "delete all",
      "online 1000",
    ],
    ["quit"],
    ["reset"],
    [BOOT],
  ];
  // Lines the bench VM refuses, timed all the same: a Hyper-V VM has no virtio disk (ENOENT); the
  // kexec'd kernel of the default line crashes (hv_cpu_die() never ran; reset boots afresh), and
  // its kdump capture kernel hangs (fff7b5e6ee63: the stimer programmed before the LAPIC is on).
  const REFUSED = new Set(["swapon /dev/vda", "kexec", "kdump"]);
  const sampled = new Set(samples.flat().map((l) => l.split(" ")[0]));
  const missing = COMMANDS.filter((c) => !sampled.has(c.name)).map((c) => c.name);
  if (missing.length) throw new Error(`bench: no sample line for ${missing.join(", ")}`);

  await Deno.writeTextFile(SCRIPT, "offline 1000\nonline 1000\ncpus\n");
  const session = new Session();
  const ctx: Context = {
    readFile: (p) => Deno.readTextFile(p),
    writeFile: (p, text) =>
      Deno.writeTextFile(p, typeof text === "string" ? text : ReadableStream.from(text)),
    runScript: async (text) => {
      for (const line of text.split("\n")) if (!(await session.execute(line, ctx)).ok) return false;
      return true;
    },
  };
  const times = new Map<string, number[]>();
  const sizes = new Map<string, number>();
  for (const line of [BOOT, "advance 10ms"]) {
    const out = await session.execute(line);
    if (!out.ok) throw new Error(`${line}: ${out.text}`);
  }
  try {
    for (const group of samples) {
      for (let round = 0; round < 5; round++) {
        for (const line of group) {
          const t0 = performance.now();
          const out = await session.execute(line, ctx);
          const ms = performance.now() - t0;
          if (!out.ok && !REFUSED.has(line)) throw new Error(`${line}: ${out.text}`);
          times.set(line, [...(times.get(line) ?? []), ms]);
          sizes.set(line, out.text.length);
        }
      }
    }
  } finally {
    await Deno.remove(SCRATCH).catch(() => {});
    await Deno.remove(SCRIPT).catch(() => {});
    for (const ext of ["svg", "html", "json"]) {
      await Deno.remove(`${PICTURE}.${ext}`).catch(() => {});
    }
  }
  // A line that prints more than this (a per-CPU listing of 2048 vCPUs, the whole log) costs what
  // its output does: listed with its size, outside the 1 ms target.
  const OUTPUT_BOUND = 4096;
  let worst = { line: "", ms: 0 };
  for (const [line, ts] of times) {
    const command = COMMANDS.find((c) => c.name === line.split(" ")[0])!;
    const ms = median(ts);
    if (command.cost) {
      console.log(
        `INFO  ${line.slice(0, 44).padEnd(44)} ${
          `${ms.toFixed(1)} ms`.padStart(16)
        }   cost: ${command.cost}`,
      );
    } else if (sizes.get(line)! > OUTPUT_BOUND) {
      console.log(
        `INFO  ${line.slice(0, 44).padEnd(44)} ${`${ms.toFixed(1)} ms`.padStart(16)}   cost: its ${
          (sizes.get(line)! / 1024).toFixed(0)
        } KiB of output (grows with the machine)`,
      );
    } else {
      if (VERBOSE) console.log(`      ${line.padEnd(60)} ${ms.toFixed(2)} ms`);
      if (ms > worst.ms) worst = { line, ms };
    }
  }
  row(
    `slowest other REPL command (${worst.line.split(" ")[0]})`,
    `${worst.ms.toFixed(2)} ms`,
    "< 1 ms median",
    worst.ms < 1,
  );

  const starts: number[] = [];
  const main = new URL("./main.ts", import.meta.url).pathname;
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
