/**
 * `deno task histories [--count N] [--seed S] [--verbose]`: a differential check for changes that
 * must not change behaviour. It runs N seeded random histories (configuration, then operations:
 * online/offline, advance, hibernate/resume, reset, race, writes to every modelled writable file)
 * through the public API only, and prints one digest per history of everything observable: each
 * result, the trace, dmesg, problems, every readable file, `cpus()`, `devices()`, the fingerprint;
 * then digests of explorations, scenario runs, comparisons, recordings and their pictures. Run it
 * on two trees (e.g. a `git worktree` of the commit before a change) and `diff` the outputs: any
 * line that differs names the history, and `--verbose` prints that history's operations. A
 * snapshot that `restore()` refuses is reported (with its history's operations) and the exit
 * status is 1.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  chromeTrace,
  compare,
  explore,
  ftraceText,
  HYPERV_IDS,
  KERNEL_IDS,
  type Machine,
  record,
  reportHtml,
  runScenario,
  timelineSvg,
  vm,
  type VmOptions,
} from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "2000" },
    seed: { type: "string", default: "1" },
    verbose: { type: "boolean", default: false },
  },
});
const COUNT = Number(values.count);
const SEED = Number(values.seed);
if (!Number.isSafeInteger(COUNT) || COUNT < 0 || !Number.isSafeInteger(SEED)) {
  console.error("histories: --count and --seed take whole numbers");
  Deno.exit(2);
}

// mulberry32: a small seeded generator, so that a seed names the same histories everywhere.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// FNV-1a over the text, two lanes: a digest short enough for one line per history.
function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

function randomConfig(r: () => number): VmOptions {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  // Mostly valid configurations (arm64 needs a Generation 2 Hyper-V host); one in ten anything.
  const wild = r() < 0.1;
  const arch = r() < 0.25 ? "arm64" : "x86_64";
  const o: VmOptions = {
    hyperv: wild || arch === "x86_64"
      ? pick(HYPERV_IDS)
      : pick(HYPERV_IDS.filter((h) => h >= "2012R2" && h !== "none")),
    arch,
    kernel: pick(KERNEL_IDS),
    cpus: 1 + Math.floor(r() * 5),
    hz: pick([100, 250, 300, 1000]),
  };
  if (wild || (arch === "x86_64" && r() < 0.5)) o.generation = r() < 0.5 ? 1 : 2;
  if (!wild && ["2008R2", "2012"].includes(o.hyperv!)) o.generation = 1;
  if (!wild && o.hyperv === "2008R2") o.cpus = Math.min(o.cpus!, 4);
  if (r() < 0.3) {
    o.features = {};
    for (const f of ["stimerDirectMode", "syntheticTimers", "synic", "invariantTsc", "arat"]) {
      if (r() < 0.4) (o.features as Record<string, boolean>)[f] = r() < 0.5;
    }
  }
  if (r() < 0.3) o.vmbusChannels = r() < 0.5 ? [] : [0, Math.floor(r() * (o.cpus ?? 4))];
  if (r() < 0.2) o.cpu0Hotplug = true;
  if (r() < 0.3) o.hotplugStateControl = true;
  if (r() < 0.2) o.traceTicks = true;
  if (r() < 0.1) o.traceBuffer = 16 + Math.floor(r() * 200);
  return o;
}

function randomOp(r: () => number, cpus: number, online: number): string {
  const cpu = Math.floor(r() * cpus);
  const x = r();
  if (x < 0.2) return `offline ${cpu}`;
  if (x < 0.38) return `online ${cpu}`;
  if (x < 0.55) return `advance ${Math.floor(r() * 30_000_000)}`;
  if (x < 0.6) return "hibernate";
  if (x < 0.65) return "resume";
  if (x < 0.67) return "reset";
  if (x < 0.7) return `race ${r() < 0.5 ? "passes" : "sleeps"}`;
  const base = `/sys/devices/system/cpu/cpu${cpu}`;
  if (x < 0.8) {
    const v = r() < 0.1 ? -1 : Math.floor(r() * (online + 2));
    return `write ${base}/hotplug/fail ${v}`;
  }
  if (x < 0.88) {
    const v = r() < 0.5 ? (r() < 0.5 ? 0 : online) : Math.floor(r() * (online + 2));
    return `write ${base}/hotplug/target ${v}`;
  }
  if (x < 0.93) return `write ${base}/online ${r() < 0.5 ? 1 : 0}`;
  const names = ["lapic", "Hyper-V clockevent", "hpet", "pit", "arch_sys_timer", "nope"];
  return `write /sys/devices/system/clockevents/clockevent${cpu}/unbind_device ${
    names[Math.floor(r() * names.length)]
  }`;
}

// Everything observable about the machine now, as text.
function observe(m: Machine): string {
  const parts = [
    `now=${m.now} jiffies=${m.jiffies} mono=${m.monotonic} ref=${m.referenceCounter}`,
    `power=${m.power} hung=${m.hung} race=${m.parkRace} fp=${m.fingerprint()}`,
    JSON.stringify(m.cpus()),
    JSON.stringify(m.devices()),
    JSON.stringify(m.problems()),
    m.dmesg(),
    JSON.stringify(m.trace),
  ];
  for (const path of m.files()) {
    try {
      parts.push(`${path}=${m.read(path)}`);
    } catch (e) {
      parts.push(`${path}!${(e as Error).name}`);
    }
  }
  return parts.join("\n");
}

function run(m: Machine, line: string): string {
  const [word, ...rest] = line.split(" ");
  try {
    switch (word) {
      case "offline":
      case "online":
        return JSON.stringify(m[word](Number(rest[0])));
      case "advance":
        return String(m.advance(Number(rest[0])));
      case "hibernate":
        return JSON.stringify(m.hibernate());
      case "resume":
        return JSON.stringify(m.resume());
      case "reset":
        m.reset();
        return "reset";
      case "race":
        m.parkRace = rest[0] as "passes" | "sleeps";
        return "race";
      case "write":
        return JSON.stringify(m.write(rest[0], rest.slice(1).join(" ")));
    }
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  throw new Error(`histories: no such operation ${line}`);
}

const r = rng(SEED);
const refused: string[] = [];
for (let i = 0; i < COUNT; i++) {
  const options = randomConfig(r);
  const ops: string[] = [];
  const out: string[] = [JSON.stringify(options)];
  let m: Machine | null = null;
  try {
    m = vm(options).build();
  } catch (e) {
    out.push(`${(e as Error).name}: ${(e as Error).message}`);
  }
  if (m) {
    const online = Number(
      m.read("/sys/devices/system/cpu/hotplug/states").trimEnd().split("\n").at(-1)!.split(":")[0],
    );
    const n = 1 + Math.floor(r() * 14);
    for (let j = 0; j < n; j++) ops.push(randomOp(r, m.config.cpus, online));
    out.push(observe(m));
    for (const line of ops) {
      out.push(line, run(m, line));
      // Reading everything after every operation is slow; every third one and the last suffice.
      if (r() < 0.33) out.push(observe(m));
    }
    out.push(observe(m));
    const snap = m.snapshot();
    try {
      const copy = vm(options).build().restore(snap);
      out.push(copy.fingerprint() === m.fingerprint() ? "restore ok" : "restore differs");
    } catch (e) {
      // A snapshot the model made that restore() refuses loses what a user saved: name it, go on.
      const why = `${(e as Error).name}: ${(e as Error).message}`;
      out.push(`restore refused: ${why}`);
      refused.push(`history ${i}: ${why}\n  ${JSON.stringify(options)} ${ops.join("; ")}`);
    }
  }
  const line = `history ${i} ${digest(out.join("\n"))}`;
  console.log(values.verbose ? `${line} ${JSON.stringify(options)} ${ops.join("; ")}` : line);
}

// Explorations, scenarios, comparisons and pictures on a few fixed configurations.
const CONFIGS: VmOptions[] = [
  { hyperv: "2019", kernel: "5.5", cpus: 3 },
  { hyperv: "2019", kernel: "5.4", cpus: 2 },
  { hyperv: "2012R2", kernel: "5.5", cpus: 2 },
  { hyperv: "2012R2", kernel: "5.2", cpus: 2 },
  { hyperv: "2022", kernel: "6.1", cpus: 3 },
  { hyperv: "2019", arch: "arm64", kernel: "5.5", cpus: 2 },
  { hyperv: "2022", arch: "arm64", kernel: "6.1", cpus: 2 },
  { hyperv: "none", kernel: "6.1", cpus: 2 },
  { hyperv: "2016", kernel: "6.1", cpus: 2, hotplugStateControl: true, vmbusChannels: [0, 1] },
];
const SCENARIO = [
  "advance 8ms",
  "offline 1",
  "echo 150 > /sys/devices/system/cpu/cpu1/hotplug/fail",
  "online 1",
  "online 1",
  "advance 4ms",
  "hibernate",
  "advance 5ms",
  "resume",
  "race passes",
  "offline 1",
  "advance 4ms",
];
// The line each configuration is compared with (5.5, the seed's line, with 5.4).
const COMPARE_WITH: Readonly<Record<string, string>> = {
  "5.2": "5.5",
  "5.4": "5.5",
  "5.5": "5.4",
  "6.1": "5.5",
};
for (const [i, config] of CONFIGS.entries()) {
  const all = explore(config, {
    depth: 3,
    ops: ["online", "offline", "advance", "hibernate", "fail"],
  });
  console.log(`explore ${i} ${digest(JSON.stringify(all))}`);
  const deep = explore(config, { depth: 7 });
  console.log(`explore-deep ${i} ${digest(JSON.stringify(deep))}`);
  const run = runScenario(config, SCENARIO);
  console.log(`scenario ${i} ${digest(JSON.stringify(run))}`);
  const rec = record(config, SCENARIO);
  console.log(
    `record ${i} ${
      digest(
        JSON.stringify({ ...rec, lanes: rec.lanes.map((l) => ({ ...l, ticks: [...l.ticks] })) }),
      )
    }`,
  );
  console.log(
    `svg ${i} ${digest(timelineSvg(rec))} ${digest(timelineSvg(rec, { width: 500, since: 4e6 }))}`,
  );
  console.log(`report ${i} ${digest(reportHtml(rec))}`);
  console.log(`chrome ${i} ${digest(JSON.stringify(chromeTrace(rec)))}`);
  console.log(`ftrace ${i} ${digest(ftraceText(rec))}`);
  const other = { ...config, kernel: COMPARE_WITH[config.kernel!] };
  try {
    console.log(`compare ${i} ${digest(JSON.stringify(compare(SCENARIO, config, other)))}`);
  } catch (e) {
    console.log(`compare ${i} ${(e as Error).name}: ${(e as Error).message}`);
  }
}
if (refused.length > 0) {
  console.error(`histories: restore() refused ${refused.length} snapshot(s) the model made:`);
  for (const history of refused) console.error(history);
  Deno.exit(1);
}
