/**
 * `deno task sweep`: explore over a matrix of configurations (lib/explore/sweep.ts) in parallel
 * workers, one verdict table written as JSON and as a self-contained HTML page beside it, with the
 * counterexamples' `.hvt` scripts. `--shard I/N` runs a deterministic slice; `sweep merge A.json
 * B.json … --out FILE` joins the slices. Every file is written to a temporary name and renamed, so
 * none is ever half-written.
 *
 *     deno task sweep [--hosts 2019,2022] [--kernels 5.4,6.6] [--arches x86_64] [--kconfigs default]
 *                     [--cpus 2,4] [--hz 250] [--depth 6] [--ops online,offline,advance]
 *                     [--max-states N] [--shard I/N] [--workers N] [--out sweep.json]
 *     deno task sweep merge a.json b.json … --out sweep.json
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  parseShard,
  SWEEP_AXES,
  type SweepAxes,
  sweepPlan,
  type SweepRow,
  type SweepSearch,
  type SweepTable,
} from "../lib/explore/sweep.ts";
import { sweepHtml, sweepScripts } from "../lib/explore/sweep_html.ts";
import { sweepMerge } from "../lib/explore/sweep_merge.ts";
import type { OperationKind } from "../lib/ops/moves.ts";
import type { SweepJob } from "./sweep_worker.ts";

const RUN_FLAGS = [...SWEEP_AXES, "depth", "ops", "max-states", "shard", "workers", "out"];
const USAGE = "usage: deno task sweep [--FLAG VALUE …] | deno task sweep merge A.json B.json … " +
  `--out FILE; flags: ${RUN_FLAGS.map((f) => `--${f}`).join(", ")}`;

/** A mistake in the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

function parse(args: string[], flags: readonly string[], positionals: boolean) {
  try {
    return parseArgs({
      args,
      options: Object.fromEntries(flags.map((f) => [f, { type: "string" as const }])),
      allowPositionals: positionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function whole(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) {
    throw new UsageError(`--${flag} ${JSON.stringify(text)}: expected a whole number >= ${min}`);
  }
  return n;
}

/** Writes `text` to `path` through a temporary file in the same directory, then renames it. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Writes the table as `out` (JSON), its HTML page beside it and the counterexample scripts. */
async function writeTable(table: SweepTable, out: string): Promise<string[]> {
  if (!out.endsWith(".json")) {
    throw new UsageError(`--out ${JSON.stringify(out)}: name a .json file`);
  }
  const slash = out.lastIndexOf("/");
  const dir = slash < 0 ? "" : out.slice(0, slash + 1);
  const base = out.slice(slash + 1, -".json".length);
  const scripts = sweepScripts(table, base);
  for (const s of scripts) await writeAtomic(dir + s.name, s.text);
  const html = `${dir}${base}.html`;
  await writeAtomic(html, sweepHtml(table, base));
  await writeAtomic(out, JSON.stringify(table, null, 1) + "\n");
  return [out, html, `${scripts.length} counterexample scripts`];
}

/**
 * Explores `jobs` in `count` workers; rows in the order of `jobs`. Progress goes to stderr every
 * tenth of the jobs (stdout keeps the summary).
 */
async function runWorkers(jobs: SweepJob[], count: number): Promise<SweepRow[]> {
  const rows = new Array<SweepRow>(jobs.length);
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.ceil(jobs.length / 10));
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(new URL("./sweep_worker.ts", import.meta.url), { type: "module" });
      const send = () => {
        if (next >= jobs.length) {
          w.terminate();
          resolve();
          return;
        }
        const i = next++;
        w.onmessage = (e: MessageEvent<{ row?: SweepRow; error?: string }>) => {
          if (e.data.error) {
            w.terminate();
            reject(new Error(e.data.error));
            return;
          }
          rows[i] = e.data.row!;
          if (++done % step === 0 && done < jobs.length) {
            console.error(`sweep: ${done}/${jobs.length} configurations explored`);
          }
          send();
        };
        w.postMessage(jobs[i]);
      };
      w.onerror = (e) => {
        e.preventDefault();
        w.terminate();
        reject(new Error(e.message));
      };
      send();
    });
  await Promise.all(Array.from({ length: Math.min(count, jobs.length) }, one));
  return rows;
}

async function merge(args: string[]): Promise<string[]> {
  const { values, positionals } = parse(args, ["out"], true);
  if (positionals.length === 0) throw new UsageError("sweep merge: name the shards' .json files");
  if (values.out === undefined) throw new UsageError("sweep merge: --out FILE.json is required");
  const tables = await Promise.all(positionals.map(async (path) => {
    try {
      return JSON.parse(await Deno.readTextFile(path)) as SweepTable;
    } catch (e) {
      throw new UsageError(`sweep merge: ${path}: ${(e as Error).message}`);
    }
  }));
  return await writeTable(sweepMerge(tables), values.out);
}

async function run(args: string[]): Promise<string[]> {
  const { values } = parse(args, RUN_FLAGS, false);
  const list = (v: string | undefined) => v?.split(",").map((x) => x.trim());
  const axes: Record<string, unknown> = {};
  for (const axis of SWEEP_AXES) {
    const v = list(values[axis]);
    if (v) axes[axis] = axis === "cpus" || axis === "hz" ? v.map((x) => whole(axis, x, 1)) : v;
  }
  const search: SweepSearch = {
    depth: values.depth === undefined ? undefined : whole("depth", values.depth, 0),
    ops: list(values.ops) as OperationKind[] | undefined,
    maxStates: values["max-states"] === undefined
      ? undefined
      : whole("max-states", values["max-states"], 1),
  };
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  const workers = values.workers === undefined
    ? navigator.hardwareConcurrency
    : whole("workers", values.workers, 1);
  const out = values.out ?? "sweep.json";
  if (!out.endsWith(".json")) {
    throw new UsageError(`--out ${JSON.stringify(out)}: name a .json file`);
  }
  // Everything is checked before anything runs.
  const plan = sweepPlan(axes as SweepAxes, search, shard);
  const t0 = performance.now();
  const jobs = plan.entries.map((entry) => ({ entry, search: plan.table.search }));
  const rows = await runWorkers(jobs, workers);
  const seconds = (performance.now() - t0) / 1000;
  const written = await writeTable({ ...plan.table, rows }, out);
  return [
    `explored ${rows.length} of ${plan.table.size} configurations at depth ${plan.table.search.depth}` +
    ` in ${seconds.toFixed(1)} s (${Math.min(workers, jobs.length)} workers)`,
    ...written.map((w) => `wrote ${w}`),
  ];
}

/** Runs the command line `args`; returns the exit code (0, 1 for a failure, 2 for bad usage). */
export async function main(args: string[]): Promise<number> {
  try {
    const lines = args[0] === "merge" ? await merge(args.slice(1)) : await run(args);
    for (const l of lines) console.log(l);
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError || e instanceof RangeError || e instanceof TypeError;
    console.error(`sweep: ${(e as Error).message}${e instanceof UsageError ? `\n${USAGE}` : ""}`);
    return usage ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
