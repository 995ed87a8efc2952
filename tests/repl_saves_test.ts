// Saves (issue 12): two REPL processes saving the same file lost saves (1,683 of 6,000 failed,
// their `.tmp-<ms>` names collided) and a reader saw partial files (440 corrupt reads); killed
// saves left temporary files nothing removed; a save over a 0444 file replaced it as 0644. Here
// real `deno run` REPLs save in a loop while others are SIGKILLed mid-save and this process reads.
import assert from "node:assert/strict";
import { Session } from "../repl/session.ts";
import { writeSession } from "../repl/store.ts";
import { fileCandidates, isTempName, readText, writeAtomic } from "../repl/files.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DIR = `.saves-test-${Deno.pid}`;

/** A REPL child in `cwd` reading `input`, as the README runs it (with --json --keep-going). */
function repl(cwd: string, input: string, stdout: "piped" | "null" = "piped") {
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
    cwd,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "piped",
    stdout,
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  writer.write(new TextEncoder().encode(input)).then(() => writer.close()).catch(() => {});
  return child;
}

/** The session file a REPL that ran only `vm --cpus N` saves. */
async function sessionText(cpus: number): Promise<string> {
  const s = new Session();
  await s.execute(`vm --cpus ${cpus}`);
  return writeSession(s);
}

const temps = (dir: string) => [...Deno.readDirSync(dir)].filter((e) => isTempName(e.name));

Deno.test("saves: concurrent REPLs, a reader and SIGKILLs lose nothing and leave nothing", async () => {
  const cwd = `${DIR}/concurrent`;
  await Deno.mkdir(cwd, { recursive: true });
  const abs = Deno.realPathSync(cwd);
  try {
    const SAVES = 1000;
    const expected = new Set(await Promise.all([2, 3, 4].map(sessionText)));
    const loop = (cpus: number, n: number) => `vm --cpus ${cpus}\n${"save s.json\n".repeat(n)}`;
    const savers = [repl(abs, loop(2, SAVES)), repl(abs, loop(3, SAVES))];
    let running = true;
    const outputs = Promise.all(savers.map((c) => c.output())).finally(() => running = false);

    // Reads while they save: each must be one of the complete files.
    const reading = (async () => {
      let reads = 0, corrupt = 0;
      while (running) {
        try {
          const text = await Deno.readTextFile(`${cwd}/s.json`);
          reads++;
          if (!expected.has(text)) corrupt++;
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e; // before the first save
        }
      }
      return { reads, corrupt };
    })();

    // Meanwhile other REPLs save the same file in a loop and are killed at random moments.
    const orphans = new Set<string>();
    const killing = (async () => {
      let kills = 0;
      const victim = async () => {
        while (running) {
          const child = repl(abs, loop(4, 100_000), "null");
          await new Promise((r) => setTimeout(r, 250 + Math.random() * 400));
          try {
            child.kill("SIGKILL");
            kills++;
          } catch {
            // it had already exited
          }
          await child.status;
          // What its save in progress left (until a later save sweeps it).
          for (const e of temps(cwd)) {
            if (e.name.startsWith(`s.json.tmp-${child.pid}-`)) orphans.add(e.name);
          }
        }
      };
      await Promise.all([victim(), victim()]);
      return kills;
    })();

    const [outs, { reads, corrupt }, kills] = await Promise.all([outputs, reading, killing]);
    const records = outs.flatMap((o) =>
      new TextDecoder().decode(o.stdout).trim().split("\n").map((l) => JSON.parse(l))
    );
    const saves = records.filter((r) => r.command === "save");
    const failed = saves.filter((r) => !r.ok);
    // Only the files of killed saves no later save has swept yet (found at the end).
    const leftByKills = temps(cwd).length;
    // The next save removes what killed saves left (no process holds their locks any more).
    const last = await repl(abs, loop(2, 1)).output();
    assert.ok(last.success);
    const leftover = temps(cwd).length;
    console.log(
      `  ${saves.length} saves by 2 REPLs, ${failed.length} failed; ${reads} concurrent reads, ` +
        `${corrupt} corrupt; ${kills} REPLs killed while saving: ${orphans.size} temporary files ` +
        `of theirs seen, ${leftByKills} left at the end, ${leftover} after the next save`,
    );
    assert.equal(saves.length, 2 * SAVES);
    assert.deepEqual(failed, []);
    assert.equal(corrupt, 0);
    assert.ok(reads > 100, `only ${reads} reads`);
    assert.ok(kills >= 4, `only ${kills} kills`);
    assert.equal(leftover, 0);
    assert.equal(await Deno.readTextFile(`${cwd}/s.json`), await sessionText(2));
  } finally {
    await Deno.remove(cwd, { recursive: true });
    await Deno.remove(DIR).catch(() => {}); // once both tests are done
  }
});

Deno.test("saves: the target's mode, read-only targets, failures and stale temporary files", async (t) => {
  const cwd = `${DIR}/modes`;
  await Deno.mkdir(cwd, { recursive: true });
  const o = { root: cwd };
  try {
    await t.step("a read-only (0444) target is refused, and nothing is written", async () => {
      await Deno.writeTextFile(`${cwd}/ro.json`, "{}\n");
      await Deno.chmod(`${cwd}/ro.json`, 0o444);
      await assert.rejects(
        writeAtomic(`${cwd}/ro.json`, "new\n", o),
        Deno.errors.PermissionDenied,
        "it is read-only (mode 0444); not overwritten",
      );
      assert.equal(await Deno.readTextFile(`${cwd}/ro.json`), "{}\n");
      assert.equal((await Deno.stat(`${cwd}/ro.json`)).mode! & 0o777, 0o444);
      assert.deepEqual(temps(cwd), []);
    });

    await t.step("a save keeps the target's mode; a new file gets the usual one", async () => {
      await Deno.writeTextFile(`${cwd}/m.json`, "old\n");
      await Deno.chmod(`${cwd}/m.json`, 0o640);
      await writeAtomic(`${cwd}/m.json`, "new\n", o);
      assert.equal(await Deno.readTextFile(`${cwd}/m.json`), "new\n");
      assert.equal((await Deno.stat(`${cwd}/m.json`)).mode! & 0o7777, 0o640);
      await Deno.writeTextFile(`${cwd}/plain.txt`, "");
      await writeAtomic(`${cwd}/fresh.json`, "x\n", o);
      assert.equal(
        (await Deno.stat(`${cwd}/fresh.json`)).mode! & 0o7777,
        (await Deno.stat(`${cwd}/plain.txt`)).mode! & 0o7777,
      );
    });

    await t.step("a save that fails removes its temporary file", async () => {
      // A streamed text that fails half way (an export whose model run throws).
      const bad = function* () {
        yield "partial";
        throw new Error("no text");
      };
      await assert.rejects(writeAtomic(`${cwd}/m.json`, bad(), o), /no text/);
      assert.equal(await Deno.readTextFile(`${cwd}/m.json`), "new\n");
      assert.deepEqual(temps(cwd), []);
    });

    await t.step("a save's name form is reserved for temporary files", async () => {
      await assert.rejects(writeAtomic(`${cwd}/x.tmp-12-ab`, "x", o), /kept for the temporary/);
    });

    await t.step(
      "stale temporary files: never read or listed, removed by the next save",
      async () => {
        const old = `${cwd}/s.json.tmp-1796622698575`; // an older hvtick's name
        const killed = `${cwd}/s.json.tmp-4242-0badcafe`;
        const busy = `${cwd}/s.json.tmp-4343-feedf00d`; // a save in progress holds its lock
        for (const f of [old, killed, busy]) await Deno.writeTextFile(f, '{"format":');
        const holder = await Deno.open(busy, { read: true });
        await holder.lock(true);
        try {
          for (const f of [old, killed]) {
            await assert.rejects(readText(f, o), /temporary file of a save that did not finish/);
          }
          assert.deepEqual(fileCandidates(`${cwd}/s`, o), []);
          await writeAtomic(`${cwd}/s.json`, "saved\n", o);
          assert.deepEqual(fileCandidates(`${cwd}/s`, o), [`${cwd}/s.json`]);
          assert.deepEqual(temps(cwd).map((e) => e.name), ["s.json.tmp-4343-feedf00d"]);
        } finally {
          holder.close();
        }
        await writeAtomic(`${cwd}/s.json`, "saved again\n", o);
        assert.deepEqual(temps(cwd), []);
      },
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
    await Deno.remove(DIR).catch(() => {}); // once both tests are done
  }
});
