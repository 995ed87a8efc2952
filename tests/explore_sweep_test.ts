/**
 * `deno task sweep`: a sharded run merged is the unsharded run, files are written whole, and bad
 * flags and mismatched shards are refused with what is valid, writing nothing.
 */
import assert from "node:assert/strict";
import { sweep, type SweepTable } from "../lib/explore/sweep.ts";
import { sweepMerge } from "../lib/explore/sweep_merge.ts";

const TASK = new URL("../tasks/sweep.ts", import.meta.url).pathname;
const SMALL = ["--hosts", "2019,2012R2", "--kernels", "5.4,6.1", "--cpus", "3", "--hz", "250"];

async function sweepTask(dir: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", TASK, ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const read = async (path: string) => JSON.parse(await Deno.readTextFile(path)) as SweepTable;

Deno.test("sweep --shard 1/3, 2/3, 3/3 merged is the unsharded sweep, file for file", async () => {
  const dir = await Deno.makeTempDir({ dir: ".", prefix: ".sweep-test-" });
  try {
    const whole = await sweepTask(dir, ...SMALL, "--depth", "3", "--out", "whole.json");
    assert.equal(whole.code, 0, whole.stderr);
    for (const i of [1, 2, 3]) {
      const r = await sweepTask(
        dir,
        ...SMALL,
        "--depth",
        "3",
        "--shard",
        `${i}/3`,
        "--out",
        `s${i}.json`,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const merged = await sweepTask(
      dir,
      "merge",
      "s2.json",
      "s1.json",
      "s3.json",
      "--out",
      "merged.json",
    );
    assert.equal(merged.code, 0, merged.stderr);
    assert.deepEqual(await read(`${dir}/merged.json`), await read(`${dir}/whole.json`));
    const table = await read(`${dir}/whole.json`);
    assert.ok(table.rows.length >= 4);
    // The HTML links to scripts that are there, and each is the row's script.
    const html = await Deno.readTextFile(`${dir}/merged.html`);
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(links.length > 0);
    for (const link of links) {
      assert.match(await Deno.readTextFile(`${dir}/${link}`), /^# hvtick explore/);
    }
    // Nothing temporary is left behind.
    for await (const f of Deno.readDir(dir)) assert.doesNotMatch(f.name, /\.tmp-/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep: bad flags and mismatched shards are refused, naming what is valid, and write nothing", async () => {
  const dir = await Deno.makeTempDir({ dir: ".", prefix: ".sweep-test-" });
  try {
    const bad: [string[], RegExp][] = [
      [["--hostz", "2019"], /Unknown option '--hostz'[\s\S]*--hosts/],
      [["--hosts", "2020"], /Invalid hosts value "2020" \(did you mean "2022"\?\); valid: 2008R2/],
      [["--kernels", "5.4", "--shard", "3/2"], /Invalid shard "3\/2": expected I\/N/],
      [["--depth", "deep"], /--depth "deep": expected a whole number >= 0/],
      [
        ["--ops", "online,hibernat"],
        /Invalid operation "hibernat" \(did you mean "hibernate"\?\); valid: online/,
      ],
      [["--out", "x.txt"], /--out "x.txt": name a .json file/],
      [["merge", "--out", "m.json"], /name the shards' .json files/],
      [["merge", "nothere.json", "--out", "m.json"], /nothere.json/],
    ];
    for (const [args, message] of bad) {
      const r = await sweepTask(dir, ...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweepMerge: shards of another sweep, twice the same shard, a missing or edited one are refused", () => {
  const axes = {
    hosts: ["2019"],
    kernels: ["5.4", "5.5", "6.1"],
    arches: ["x86_64"],
    cpus: [2],
    hz: [250],
  };
  const part = (index: number, depth = 1) => sweep(axes, { depth }, { index, count: 3 });
  const [a, b, c] = [1, 2, 3].map((i) => part(i));
  assert.deepEqual(sweepMerge([c, a, b]), sweep(axes, { depth: 1 }));
  assert.throws(() => sweepMerge([a, b, part(3, 2)]), /table 3 is of another sweep than table 1/);
  assert.throws(() => sweepMerge([a, b, b]), /tables 2 and 3 are both shard 2\/3/);
  assert.throws(() => sweepMerge([a, c]), /shard 2\/3 is missing/);
  assert.throws(() => sweepMerge([a, b, { ...c, rows: [] }]), /not the matrix's 3 configurations/);
  assert.throws(() => sweepMerge([sweep(axes, { depth: 1 })]), /a whole sweep/);
  assert.throws(() => sweepMerge([{ format: "x" } as never]), /table 1 is not a sweep table/);
  assert.throws(() => sweepMerge([]), /at least one/);
});
