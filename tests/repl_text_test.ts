// The shell's words (issue 14): one unit style, errors that say what is accepted, a shell user's
// cat and cpus, no API names, and the one-line confinement message.

import assert from "node:assert/strict";
import { formatTime, parseDuration } from "../mod.ts";
import { Session } from "../repl/session.ts";
import { prompt } from "../repl/main.ts";
import { io } from "../repl/command.ts";
import { CONFINED } from "../repl/files.ts";

async function session(line = "vm --kernel 5.4 --cpus 4"): Promise<Session> {
  const s = new Session();
  assert.ok((await s.execute(line)).ok);
  return s;
}

Deno.test("formatTime: one style (largest unit, three decimals at most), exact ns on demand", () => {
  assert.equal(formatTime(10_000_000), "10 ms");
  assert.equal(formatTime(1_500), "1.5 µs");
  assert.equal(formatTime(999), "999 ns");
  assert.equal(formatTime(1_000), "1 µs");
  assert.equal(formatTime(200_000_000_000), "200 s");
  assert.equal(formatTime(1_999_999), "2 ms");
  assert.equal(formatTime(1_234_567, { exact: true }), "1234567 ns");
  assert.equal(formatTime(2_000_000, { unit: "s" }), "0.002 s");
  assert.throws(() => formatTime(-1), RangeError);
  assert.throws(() => formatTime(1.5), RangeError);
});

Deno.test("advance: a bare number is refused with exactly what is accepted, for 5 and 0", async () => {
  const s = await session();
  for (const n of ["5", "0"]) {
    const out = await s.execute(`advance ${n}`);
    assert.equal(out.ok, false);
    assert.ok(out.text.includes(`a number needs its unit: ${n}ns, ${n}us, ${n}ms, ${n}s`));
    assert.ok(!out.text.includes("integer of nanoseconds"), "a word the REPL cannot take");
    // What the message offers works.
    assert.ok((await s.execute(`advance ${n}ms`)).ok);
  }
  assert.throws(() => parseDuration("5"), /a number needs its unit/);
  const exact = await s.execute("advance 1234567ns --exact");
  assert.match(exact.text, /^advanced 1234567 ns: now t=6234567 ns,/);
  assert.equal(s.log.at(-1), "advance 1234567ns", "the log keeps the operation, not the display");
  assert.match((await s.execute("advance 1.5us")).text, /^advanced 1\.5 µs: now t=6\.236 ms,/);
});

Deno.test("trace --type: an unknown type is an error with did-you-mean", async () => {
  const s = await session();
  const out = await s.execute("trace --type tik");
  assert.equal(out.ok, false);
  assert.match(out.text, /--type "tik": no such event type \(did you mean "tick"\?\); valid: /);
  assert.ok((await s.execute("trace --type tick_setup_device")).ok);
});

Deno.test("report and timeline refuse a file name that promises another format", async () => {
  const s = await session();
  for (const [cmd, file] of [["report", "r.pdf"], ["timeline", "t.png"], ["report", "r.svg"]]) {
    const out = await s.execute(`${cmd} ${file}`);
    assert.equal(out.ok, false, `${cmd} ${file}`);
    assert.match(out.text, /writes (HTML|SVG); name the file \*\./);
  }
});

Deno.test("cpus N shows one CPU's row; cat takes several files like cat", async () => {
  const s = await session();
  const one = await s.execute("cpus 1");
  assert.equal(one.ok, true);
  const lines = one.text.split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[1], /^\s+1\s+1\s+/);
  assert.equal((await s.execute("cpus 9")).ok, false);
  const C = "/sys/devices/system/cpu";
  const cat = await s.execute(`cat ${C}/online ${C}/possible ${C}/cpu1/online`);
  assert.equal(cat.text, "0-3\n0-3\n1");
  // One that cannot be read says so in its place; the others print; the command fails.
  const some = await s.execute(`cat ${C}/online ${C}/nosuch ${C}/possible`);
  assert.equal(some.ok, false);
  assert.match(
    some.text,
    /^0-3\ncat: No such file: \/sys\/devices\/system\/cpu\/nosuch .*ls lists them\)\n0-3$/,
  );
});

Deno.test("no API names in the shell's words: reset, resume, never reset() or resume()", async () => {
  const s = await session();
  await s.execute("offline 2");
  const hung = await s.execute("online 1");
  assert.match(hung.text, /reset reboots it/);
  assert.ok(!/\w\(\)/.test(hung.text.replace(/\b\w+\(\) (parks|sleeps|refus)/g, "")));
  const h = await session("vm --kernel 6.6 --cpus 2");
  await h.execute("hibernate");
  assert.match((await h.execute("online 1")).text, /resume or reset first$/);
  const missing = await h.execute("cat /sys/nosuch");
  assert.match(missing.text, /; ls lists them\)$/);
  assert.ok(!missing.text.includes("files()"));
});

Deno.test("a permission failure is one line: the rule, no Deno flag advice", async () => {
  const denied = new Deno.errors.NotCapable(
    'Requires read access to "/etc/passwd", run again with the --allow-read flag',
  );
  const error = await io("/etc/passwd", () => Promise.reject(denied)).catch((e) => e);
  assert.equal(error.message, `cannot access "/etc/passwd": ${CONFINED}`);
  assert.equal(CONFINED, "hvtick may read and write only under the current directory");
  const s = new Session();
  const out = await s.execute("source /etc/passwd", {
    readFile: () => Promise.reject(denied),
    runScript: () => Promise.resolve(true),
  });
  assert.equal(out.text.split("\n").length, 1);
  assert.ok(out.text.endsWith(CONFINED), out.text);
  assert.ok(!/--allow|raw mode/.test(out.text));
});

Deno.test("the prompt says when the VM is hung, hibernated or powered off", async () => {
  const s = await session();
  assert.equal(prompt(s), "hvtick[t=0 ns]> ");
  await s.execute("offline 2");
  assert.equal(prompt(s), "hvtick[t=0 ns HUNG]> ");
  const h = await session("vm --kernel 6.6 --cpus 2");
  await h.execute("hibernate");
  assert.match(prompt(h), /^hvtick\[t=[^\]]+ HIBERNATED\]> $/);
  const off = await session("vm --kernel 6.6 --cpus 2");
  await off.execute("poweroff");
  assert.match(prompt(off), /^hvtick\[t=[^\]]+ POWERED OFF\]> $/);
});

Deno.test("a hang that depends on the kthread_park() race says so and how to take the other side", async () => {
  const s = await session();
  const out = await s.execute("offline 2");
  assert.match(
    out.text,
    /\n {2}race: this hang depends on the kthread_park\(\) race: .*\(race sleeps\)/,
  );
  assert.match(out.text, /reset, then 'race passes' and repeat the operation$/);
  // Doing what it says takes the other side: the same offline completes.
  for (const line of ["reset", "race passes", "offline 2"]) {
    assert.ok((await s.execute(line)).ok, line);
  }
  // The same through the file and through a hibernation that hangs there.
  const w = await session();
  const echo = await w.execute("echo 0 > /sys/devices/system/cpu/cpu2/online");
  assert.match(echo.text, /^echo: write never returns: .*\n {2}race: this hang depends on/);
  const hib = await session("vm --kernel 5.4 --cpus 3");
  assert.match((await hib.execute("hibernate")).text, /\n {2}why: .*\n {2}race: this hang/);
  // A hang of no race says nothing of one.
  const plain = await session("vm --kernel 6.6 --cpus 2");
  assert.ok(!(await plain.execute("offline 1")).text.includes("race:"));
});
