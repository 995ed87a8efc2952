// Confinement (issue 12): the REPL may read and write only the current directory, but symbolic
// links led out of it — `source link_to_etc_passwd` printed /etc/passwd line by line as unknown
// commands, `save link_outdir/x.json` and `timeline link_outdir/…` wrote outside. A REPL process
// runs here in `cwd`, with links to files and a directory in its sibling `outside`.
import assert from "node:assert/strict";
import { fileCandidates, openHistory, readText, writeAtomic } from "../repl/files.ts";
import { Session } from "../repl/session.ts";
import { writeSession } from "../repl/store.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DIR = `.confine-test-${Deno.pid}`;
const CWD = `${DIR}/cwd`;
const OUT = `${DIR}/outside`;

/** `ln -s` (Deno.symlink needs unscoped read and write permissions, which the tests lack). */
async function symlink(target: string, path: string): Promise<void> {
  const out = await new Deno.Command("ln", { args: ["-s", target, path] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

async function setUp(): Promise<Record<string, string>> {
  await Deno.mkdir(CWD, { recursive: true });
  await Deno.mkdir(OUT, { recursive: true });
  const s = new Session();
  await s.execute("vm --cpus 2");
  const outside: Record<string, string> = {
    "secret.hvt": "vm --cpus 2\noffline 1\n",
    "s.json": writeSession(s),
    "existing.json": "keep me\n",
    "scenario.hvt": "offline 1\n",
  };
  for (const [name, text] of Object.entries(outside)) {
    await Deno.writeTextFile(`${OUT}/${name}`, text);
  }
  await Deno.writeTextFile(`${CWD}/real.json`, writeSession(s));
  await Deno.writeTextFile(`${CWD}/scenario.hvt`, "offline 1\n");
  await Deno.writeTextFile(`${CWD}/big.txt`, `${"x".repeat(10_000)}\n${"y z\n".repeat(1000)}`);
  const links: Record<string, string> = {
    passwd_link: "/etc/passwd", // a file outside, absolute
    secret_link: "../outside/secret.hvt", // a file outside, relative
    outdir: "../outside", // a directory outside
    outfile_link: "../outside/existing.json", // an existing file outside, to write through
    dangling_link: "../outside/new.json", // a file outside that does not exist yet
    inside_link: "real.json", // a link that stays inside: allowed
  };
  for (const [name, target] of Object.entries(links)) await symlink(target, `${CWD}/${name}`);
  return outside;
}

/** Runs `lines` in a REPL process in CWD (--json --keep-going); its records, in order. */
async function runRepl(lines: string[]): Promise<Record<string, unknown>[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read=.",
      "--allow-write=.",
      "--allow-env=NO_COLOR",
      `${ROOT}repl/main.ts`,
      "--json",
      "--keep-going",
    ],
    cwd: Deno.realPathSync(CWD),
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  await writer.close();
  const out = await child.output();
  return new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
}

const message = (r: Record<string, unknown>) => (r.error as { message: string }).message;

Deno.test("confinement: no read or write through a link leaves the current directory", async (t) => {
  try {
    const outside = await setUp();
    const refused: [string, RegExp][] = [
      ["source passwd_link", /passwd_link is a symbolic link to \/etc\/passwd/],
      ["source secret_link", /secret_link is a symbolic link to \.\.\/outside\/secret\.hvt/],
      ["load outdir/s.json", /outdir is a symbolic link to \.\.\/outside/],
      ["vm --cpus 2", /^$/],
      ["save outdir/x.json", /outdir is a symbolic link .* resolves to .*\/outside\/x\.json/],
      ["save outfile_link", /outfile_link is a symbolic link .*outside\/existing\.json/],
      ["save dangling_link", /a symbolic link to \.\.\/outside\/new\.json, which does not exist/],
      ["save ../outside/y.json", /it is .*\/outside\/y\.json, outside the current directory/],
      ["timeline outdir/t.svg", /outdir is a symbolic link/],
      ["report outdir/r.html", /outdir is a symbolic link/],
      ["trace export outdir/tr.json", /outdir is a symbolic link/],
      ["trace export outdir/tr.txt --format ftrace", /outdir is a symbolic link/],
      ["compare outdir/scenario.hvt --a kernel=5.4 --b kernel=5.5", /outdir is a symbolic/],
      ["compare scenario.hvt --a kernel=5.4 --b kernel=5.5 --svg outdir/c.svg", /outdir is a/],
    ];
    const records = await runRepl([
      ...refused.map(([l]) => l),
      "save inside_link",
      "load inside_link",
    ]);
    await t.step("each read and write through a link out is refused, naming the link", () => {
      assert.equal(records.length, refused.length + 2);
      refused.forEach(([line, why], i) => {
        const r = records[i];
        assert.equal(r.line, line);
        if (line.startsWith("vm")) return assert.equal(r.ok, true);
        assert.equal(r.ok, false, line);
        const path = line.includes("--svg") ? "outdir/c.svg" : line.split(" ").at(
          line.startsWith("trace") ? 2 : 1,
        );
        assert.match(message(r), new RegExp(`cannot access "${path!.replace(/\./g, "\\.")}": `));
        assert.match(message(r), why, line);
        assert.match(message(r), /outside the current directory|does not exist/, line);
      });
    });
    await t.step("nothing outside was written or changed", () => {
      const now = Object.fromEntries(
        [...Deno.readDirSync(OUT)].map((e) => [e.name, Deno.readTextFileSync(`${OUT}/${e.name}`)]),
      );
      assert.deepEqual(now, outside);
    });
    await t.step("a link that stays inside works, and stays a link", async () => {
      assert.deepEqual(records.slice(-2).map((r) => r.ok), [true, true]);
      assert.ok((await Deno.lstat(`${CWD}/inside_link`)).isSymlink);
      assert.match(await Deno.readTextFile(`${CWD}/real.json`), /"cpus": 2/);
    });
    await t.step(
      "sourcing a file that is not a script stops at its first line, quoted short",
      async () => {
        const records = await runRepl(["source big.txt"]);
        // Its first line's error and the source's, not one error per line (with --keep-going).
        assert.equal(records.length, 2);
        const [r, src] = records;
        assert.equal(r.ok, false);
        assert.equal(message(r), `${"x".repeat(80)}…: unknown command; type 'help' for the list`);
        assert.deepEqual([src.command, src.ok], ["source", false]);
      },
    );
  } finally {
    await Deno.remove(DIR, { recursive: true });
  }
});

Deno.test("confinement: the file helpers (reads, writes, completion, history)", async (t) => {
  const o = { root: CWD };
  try {
    await setUp();
    await t.step("reads through links to a file or a directory outside", async () => {
      for (const p of ["passwd_link", "secret_link", "outdir/s.json", "../outside/s.json"]) {
        await assert.rejects(readText(`${CWD}/${p}`, o), Deno.errors.NotCapable, p);
      }
      await assert.rejects(readText("/etc/passwd", o), Deno.errors.NotCapable);
      assert.match(await readText(`${CWD}/inside_link`, o), /hvtick-session/);
    });
    await t.step("writes through links to a file or a directory outside", async () => {
      for (const p of ["outdir/x.json", "outfile_link", "../outside/y.json"]) {
        await assert.rejects(writeAtomic(`${CWD}/${p}`, "x", o), Deno.errors.NotCapable, p);
      }
      await assert.rejects(writeAtomic(`${CWD}/dangling_link`, "x", o), /does not exist/);
      assert.deepEqual(
        [...Deno.readDirSync(OUT)].map((e) => e.name).sort(),
        ["existing.json", "s.json", "scenario.hvt", "secret.hvt"],
      );
    });
    await t.step("completion lists nothing outside", () => {
      assert.deepEqual(fileCandidates(`${CWD}/outdir/`, o), []);
      assert.deepEqual(fileCandidates(`${CWD}/outdir/s`, o), []);
      assert.deepEqual(fileCandidates(`${CWD}/out`, o), [`${CWD}/outdir`, `${CWD}/outfile_link`]);
    });
    await t.step("a history file linked outside is not kept, and said so", async () => {
      await symlink("../outside/existing.json", `${CWD}/.hvtick_history`);
      const h = await openHistory(`${CWD}/.hvtick_history`, 100, o);
      assert.deepEqual(h.lines, []);
      assert.match(h.problem!, /history not kept: .*is a symbolic link to .*outside the current/);
      await h.append("offline 1");
      assert.equal(await Deno.readTextFile(`${OUT}/existing.json`), "keep me\n");
    });
  } finally {
    await Deno.remove(DIR, { recursive: true });
  }
});
