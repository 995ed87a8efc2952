// Session files (issue 12): `load` took a tampered log without a fingerprint (removed, null or 0),
// crashed on "vm": null with "Cannot read properties of null" and no file name, and replayed a
// `vm --cpus 2` line in the log into an inconsistent session (its next save did not load;
// `timeline` drew 4 lanes for 2 CPUs). A file is now checked whole before any replay, refused
// with the file, field and line, and the replay stops on Ctrl-C; the current session is
// untouched on any error.
import assert from "node:assert/strict";
import { Session } from "../repl/session.ts";
import { SESSION_FORMAT, writeSession } from "../repl/store.ts";
import { sessionRecording } from "../repl/commands/pictures.ts";
import type { Context } from "../repl/command.ts";

/** A session with files in memory, as the golden transcripts have them. */
function shell(files: Record<string, string>, extra: Partial<Context> = {}) {
  const session = new Session();
  const ctx: Context = {
    readFile: (p) =>
      p in files ? Promise.resolve(files[p]) : Promise.reject(new Error(`no file ${p}`)),
    writeFile: (p, t) => {
      files[p] = typeof t === "string" ? t : [...t].join("");
      return Promise.resolve();
    },
    ...extra,
  };
  return { session, run: (line: string) => session.execute(line, ctx) };
}

/** A saved session: `vm --cpus 2`, `offline 1`. */
async function saved(): Promise<Record<string, unknown>> {
  const files: Record<string, string> = {};
  const { run } = shell(files);
  await run("vm --cpus 2");
  await run("offline 1");
  await run("save s.json");
  return JSON.parse(files["s.json"]);
}

Deno.test("load refuses a tampered or malformed session file, and says where", async (t) => {
  const good = await saved();
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["the fingerprint removed", { fingerprint: undefined }, /t\.json: no "fingerprint" field/],
    [
      "a null fingerprint",
      { fingerprint: null },
      /t\.json: "fingerprint" must be 16 hex.*not null/,
    ],
    ["a fingerprint 0", { fingerprint: 0 }, /"fingerprint" must be 16 hexadecimal digits, not 0/],
    ["a short fingerprint", { fingerprint: "abc" }, /"fingerprint" must be 16 hex/],
    ["vm null", { vm: null }, /t\.json: "vm" must be an object of VM options, not null/],
    ["vm an array", { vm: [] }, /"vm" must be an object of VM options, not \[\]/],
    [
      "an unknown vm option",
      { vm: { cpuz: 2 } },
      /"vm": unknown option "cpuz" \(did you mean "cpus"\?\)/,
    ],
    ["a vm option of the wrong type", { vm: { cpus: "2" } }, /"vm" is not a valid VM: cpus: "2"/],
    ["features not an object", { vm: { features: 1 } }, /"vm": features must be an object/],
    ["a log that is not a list", { log: "offline 1" }, /"log" must be an array of command lines/],
    ["a log line that is not a string", { log: [1] }, /"log" line 1 must be a string/],
    [
      "a vm line in the log",
      { log: ["offline 1", "vm --cpus 2"] },
      /"log" line 2 \("vm --cpus 2"\): a session's log holds no vm command/,
    ],
    [
      "a save in the log",
      { log: ["save x.json"] },
      /"log" line 1 \("save x\.json"\): "save" is not an operation/,
    ],
    ["a load in the log", { log: ["load t.json"] }, /"log" line 1 .*"load" is not an operation/],
    [
      "a CPU the VM lacks",
      { log: ["offline 7"] },
      /"log" line 1 \("offline 7"\): invalid CPU "7": this VM has CPUs 0 to 1/,
    ],
    ["an empty log line", { log: [""] }, /"log" line 1 \(""\): "" is not an operation/],
    ["an unterminated quote", { log: ['echo "1'] }, /"log" line 1 .*Unterminated double quote/],
    [
      "an unknown field",
      { extra: 1 },
      /t\.json: unknown field "extra"; a session file has format, vm, log, fingerprint/,
    ],
    [
      "a huge log line",
      { log: ["x".repeat(5000)] },
      /^load: t\.json: "log" line 1 \("x{79}…\): "x{80}…" is not an operation/,
    ],
  ];
  for (const [what, change, error] of cases) {
    await t.step(what, async () => {
      const file = JSON.stringify({ ...good, ...change });
      const { session, run } = shell({ "t.json": file });
      await run("vm --kernel 6.1 --cpus 3");
      await run("offline 2");
      const before = { machine: session.machine, options: session.options, log: session.log };
      const fingerprint = session.machine!.fingerprint();
      const out = await run("load t.json");
      assert.equal(out.ok, false);
      assert.match(out.text, error);
      assert.ok(out.text.length < 400, out.text);
      // The current session is as it was.
      assert.equal(session.machine, before.machine);
      assert.equal(session.options, before.options);
      assert.equal(session.log, before.log);
      assert.deepEqual(session.log, ["offline 2"]);
      assert.equal(session.machine!.fingerprint(), fingerprint);
    });
  }
  await t.step("the saved file itself loads", async () => {
    const { run } = shell({ "t.json": JSON.stringify(good) });
    assert.equal((await run("load t.json")).ok, true);
  });
});

Deno.test("a session's log never holds a vm line: vm starts a new log; reset replays as timeline does", async (t) => {
  await t.step("vm after some commands starts the log over; the save loads back", async () => {
    const files: Record<string, string> = {};
    const { session, run } = shell(files);
    await run("vm --cpus 4");
    await run("offline 3");
    await run("vm --cpus 2");
    await run("offline 1");
    assert.deepEqual(session.log, ["offline 1"]);
    await run("save a.json");
    assert.deepEqual(JSON.parse(files["a.json"]).vm, { cpus: 2 });
    const other = shell(files);
    assert.equal((await other.run("load a.json")).ok, true);
    assert.deepEqual(other.session.options, { cpus: 2 });
    assert.equal((await sessionRecording(other.session, {})).lanes.length, 2);
    assert.equal(
      (await other.run("timeline t.svg")).text,
      `wrote t.svg (2 lanes, ${files["t.svg"].length} bytes)`,
    );
  });
  await t.step(
    "a log with reset loads to the saved state; timeline draws from the reset",
    async () => {
      const files: Record<string, string> = {};
      const { session, run } = shell(files);
      await run("vm --cpus 3");
      await run("offline 2");
      await run("reset");
      await run("offline 1");
      await run("advance 4ms");
      assert.deepEqual(session.log, ["offline 2", "reset", "offline 1", "advance 4ms"]);
      await run("save r.json");
      const other = shell(files);
      const out = await other.run("load r.json");
      assert.equal(out.ok, true, out.text);
      assert.equal(other.session.machine!.fingerprint(), session.machine!.fingerprint());
      const rec = await sessionRecording(other.session, {});
      assert.equal(rec.lanes.length, 3);
      // The loaded session saves to the same file.
      assert.equal(writeSession(other.session), files["r.json"]);
    },
  );
});

Deno.test("load is interrupted by Ctrl-C between commands and inside a long advance", async (t) => {
  const file = (log: string[]) =>
    JSON.stringify({
      format: SESSION_FORMAT,
      vm: { cpus: 2 },
      log,
      fingerprint: "0123456789abcdef",
    });
  for (
    const [what, log, at, abortAfter] of [
      [
        "advance 1000h",
        ["offline 1", "advance 1000h", "online 1"],
        /line 2 of 3 \("advance 1000h"\)/,
        150,
      ],
      [
        "a long log",
        Array(200_000).fill("advance 1ms"),
        /line \d+ of 200000 \("advance 1ms"\)/,
        150,
      ],
      ["before it starts", ["offline 1"], /line 1 of 1 \("offline 1"\)/, 0],
    ] as const
  ) {
    await t.step(what, async () => {
      const control = new AbortController();
      const { session, run } = shell({ "l.json": file([...log]) }, { signal: control.signal });
      await run("vm --cpus 4");
      const machine = session.machine;
      if (abortAfter === 0) control.abort();
      else setTimeout(() => control.abort(), abortAfter);
      const started = performance.now();
      const out = await run("load l.json");
      assert.ok(performance.now() - started < 5000, "took too long to stop");
      assert.equal(out.ok, false);
      assert.match(out.text, /^load: l\.json: interrupted at "log" /);
      assert.match(out.text, at);
      assert.match(out.text, /the session is as it was$/);
      assert.equal(session.machine, machine);
      assert.deepEqual(session.log, []);
    });
  }
});
