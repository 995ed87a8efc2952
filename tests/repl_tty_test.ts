// The REPL in a real terminal (tmux): completion, history, Ctrl-C at the prompt and during a long
// command, Ctrl-D. These are the behaviours a pipe cannot show. `.ci/run` installs tmux.
import assert from "node:assert/strict";
import { pane, tmux } from "./tmux.ts";
import { SESSION_FORMAT } from "../repl/store.ts";

const root = new URL("..", import.meta.url).pathname;
const dir = `${root}.tty-test`;
const session = `hvtick-tty-${Deno.pid}`;

const { screen, scrollback, keys, waitFor } = pane(session);

const count = (s: string, sub: string) => s.split(sub).length - 1;

Deno.test("REPL in a terminal: completion, history, Ctrl-C, Ctrl-D", async (t) => {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir);
  const cmd =
    `cd '${dir}' && NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 '${Deno.execPath()}' run --allow-read=. --allow-write=. --allow-env=NO_COLOR '${root}repl/main.ts'; echo REPL-EXITED; sleep 60`;
  await tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "40", cmd);
  try {
    await waitFor("the prompt", (s) => s.includes("hvtick>"));

    await t.step("TAB completes a command name", async () => {
      await keys("onl", "Tab");
      await waitFor("'onl' completed to 'online '", (s) => /hvtick> online\s*$/m.test(s));
      await keys("C-u");
    });

    await t.step("Ctrl-C at the prompt discards the line and never runs it", async () => {
      await keys("cpus");
      await waitFor("typed text", (s) => s.includes("hvtick> cpus"));
      await keys("C-c");
      const s = await waitFor("^C and a new prompt", (s) => count(s, "hvtick>") >= 2);
      assert.ok(!s.includes("no VM yet"), `'cpus' must not run after Ctrl-C:\n${s}`);
    });

    await t.step("a command runs, and Up recalls it", async () => {
      await keys("vm --cpus 4", "Enter");
      await waitFor("the boot line", (s) => s.includes("booted: Hyper-V 2019"));
      await keys("Up");
      await waitFor("recalled line", (s) => /hvtick\[t=[^\]]+\]> vm --cpus 4\s*$/m.test(s));
      await keys("C-u");
    });

    await t.step("Ctrl-C interrupts a long advance and keeps the session", async () => {
      await keys("advance 100000s", "Enter");
      await new Promise((r) => setTimeout(r, 1000));
      await keys("C-c");
      await waitFor("the interrupt report", (s) => s.includes("interrupted after"));
      await keys("cpus", "Enter");
      await waitFor("the session still answering", (s) => /^\s+3\s+1\s+207 online/m.test(s));
    });

    await t.step("Ctrl-C stops a long explore, which reports what it covered", async () => {
      await keys("explore --depth 30", "Enter");
      await waitFor("the progress line", (s) => /explore depth \d+: \d+ states/.test(s));
      await keys("C-c");
      // The report (one line per invariant, then each violation) is longer than the window.
      await waitFor(
        "the partial report",
        (s) => /stopped \(interrupted\): every sequence up to \d+ of 30 operations covered/.test(s),
        20_000,
        scrollback,
      );
    });

    await t.step("Ctrl-C stops a script; its later lines never run", async () => {
      // Were the script to go on after Ctrl-C, its next line would boot a 2-vCPU VM.
      await Deno.writeTextFile(`${dir}/long.hvt`, "advance 100000s\nvm --cpus 2\n");
      await keys("source long.hvt", "Enter");
      await new Promise((r) => setTimeout(r, 1000));
      await keys("C-c");
      await waitFor("the script's interrupt", (s) => s.includes("long.hvt: interrupted (Ctrl-C)"));
      await keys("cpus", "Enter");
      await waitFor("the session still answering", (s) => count(s, "207 online") >= 2);
      assert.ok(!(await screen()).includes("2 vCPUs"), "the script ran on after Ctrl-C");
    });

    await t.step("Ctrl-C stops a compare and a timeline; nothing is written", async () => {
      await Deno.writeTextFile(`${dir}/slow.hvt`, "advance 100000s\n");
      await keys("compare --a cpus=8 --b cpus=8 slow.hvt", "Enter");
      await waitFor("compare's progress", (s) => s.includes("compare: running A"));
      await keys("C-c");
      await waitFor("compare interrupted", (s) => s.includes("compare: interrupted (Ctrl-C)"));
      // The session's interrupted advance logged what ran: the timeline replays that much.
      await keys("vm --cpus 64 --hz 1000", "Enter");
      await waitFor("the 64-vCPU boot", (s) => s.includes("64 vCPUs, HZ=1000"));
      await keys("advance 100000s", "Enter");
      await new Promise((r) => setTimeout(r, 3000));
      await keys("C-c");
      // The advance's own report, then the prompt again (not an earlier report on the screen).
      await waitFor(
        "the advance interrupted",
        (s) => /interrupted after .*\nhvtick\[t=[^\]]+\]> *$/.test(s.trimEnd() + " "),
      );
      await keys("timeline t.svg", "Enter");
      await waitFor("the replay's progress", (s) => s.includes("replaying the session"));
      await keys("C-c");
      await waitFor("timeline interrupted", (s) => s.includes("timeline: interrupted (Ctrl-C)"));
      assert.equal(await Deno.stat(`${dir}/t.svg`).catch(() => null), null);
    });

    await t.step("Ctrl-C stops a load's replay; the session is as it was", async () => {
      const session = {
        format: SESSION_FORMAT,
        vm: { cpus: 2 },
        log: ["advance 1000h"],
        fingerprint: "0123456789abcdef",
      };
      await Deno.writeTextFile(`${dir}/slow.json`, JSON.stringify(session));
      await keys("load slow.json", "Enter");
      await new Promise((r) => setTimeout(r, 1000));
      await keys("C-c");
      await waitFor(
        "load interrupted",
        (s) => s.includes(`slow.json: interrupted at "log" line 1 of 1`),
      );
      await keys("bound 63", "Enter");
      await waitFor(
        "the 64-vCPU machine still there",
        (s) => /> bound 63\nHyper-V clockevent/.test(s),
      );
    });

    await t.step("Ctrl-D ends the session; history holds exactly what was entered", async () => {
      await keys("C-d");
      await waitFor("the REPL to exit", (s) => s.includes("REPL-EXITED"));
      const history = await Deno.readTextFile(`${dir}/.hvtick_history`);
      assert.deepEqual(history.trim().split("\n"), [
        "vm --cpus 4",
        "advance 100000s",
        "cpus",
        "explore --depth 30",
        "source long.hvt",
        "cpus",
        "compare --a cpus=8 --b cpus=8 slow.hvt",
        "vm --cpus 64 --hz 1000",
        "advance 100000s",
        "timeline t.svg",
        "load slow.json",
        "bound 63",
      ]);
    });
  } finally {
    await tmux("kill-session", "-t", session).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("REPL in a terminal: Ctrl-D while a command runs, then Ctrl-C, ends cleanly", async () => {
  const name = `${session}-d`;
  const cwd = `${dir}-d`;
  await Deno.remove(cwd, { recursive: true }).catch(() => {});
  await Deno.mkdir(cwd);
  const cmd =
    `cd '${cwd}' && NO_COLOR=1 '${Deno.execPath()}' run --allow-read=. --allow-write=. --allow-env=NO_COLOR '${root}repl/main.ts'; echo "REPL-EXITED $?"; sleep 60`;
  await tmux("new-session", "-d", "-s", name, "-x", "150", "-y", "40", cmd);
  const { keys: press, waitFor: until } = pane(name);
  try {
    await until("the prompt", (s) => s.includes("hvtick>"));
    await press("vm --cpus 4", "Enter");
    await until("the boot line", (s) => s.includes("booted:"));
    await press("advance 100000s", "Enter");
    await new Promise((r) => setTimeout(r, 500));
    // Ctrl-D closes the input while the advance runs; the process must survive the Ctrl-C after.
    await press("C-d");
    await new Promise((r) => setTimeout(r, 500));
    await press("C-c");
    const s = await until("the REPL to exit", (s) => s.includes("REPL-EXITED"));
    assert.match(s, /interrupted after [0-9.]+ (s|ms|µs|ns) \(Ctrl-C\)[^:]*:/);
    assert.match(s, /REPL-EXITED 0/);
  } finally {
    await tmux("kill-session", "-t", name).catch(() => {});
    await Deno.remove(cwd, { recursive: true }).catch(() => {});
  }
});

Deno.test("REPL in a terminal: double TAB, a space after a completed flag, Ctrl-R", async () => {
  const name = `${session}-e`;
  const cwd = `${dir}-e`;
  await Deno.remove(cwd, { recursive: true }).catch(() => {});
  await Deno.mkdir(cwd);
  // A history to search: the REPL reads it at start (newest last in the file).
  await Deno.writeTextFile(
    `${cwd}/.hvtick_history`,
    ["vm --cpus 4", "advance 10ms", "cpus", "advance 2s", "bound 1"].join("\n") + "\n",
  );
  const cmd =
    `cd '${cwd}' && NO_COLOR=1 '${Deno.execPath()}' run --allow-read=. --allow-write=. --allow-env=NO_COLOR '${root}repl/main.ts'; echo "REPL-EXITED $?"; sleep 60`;
  await tmux("new-session", "-d", "-s", name, "-x", "150", "-y", "40", cmd);
  const { screen: shown, keys: press, waitFor: until } = pane(name);
  try {
    await until("the prompt", (s) => s.includes("hvtick>"));
    await press("vm --cpus 2", "Enter");
    await until("the boot line", (s) => s.includes("2 vCPUs"));
    // Both TABs reach the REPL in one read: the first completes, the second lists, none is typed.
    await press("vm --kernel 6", "Tab", "Tab");
    await until("the list of 6.x kernels", (s) => /6\.1 +6\.6 +6\.8 +6\.12 +6\.18/.test(s));
    await press("X");
    await until("the line after a double TAB", (s) => /> vm --kernel 6\.X$/m.test(s));
    assert.ok(!(await shown()).includes("\t"), "a literal TAB on the screen");
    await press("C-u", "cat /sys/nosuch", "Tab", "Tab", "X");
    await until("no TAB inserted without a candidate", (s) => /> cat \/sys\/nosuchX$/m.test(s));
    // A completed flag (and a completed command) is followed by a space.
    await press("C-u", "vm --hyp", "Tab", "X");
    await until("'--hyperv ' and the next word", (s) => /> vm --hyperv X$/m.test(s));
    await press("C-u", "advan", "Tab", "10ms");
    await until("'advance ' completed", (s) => /> advance 10ms$/m.test(s));
    // Ctrl-R: the newest match, Ctrl-R again an older one, Enter runs it.
    await press("C-u", "C-r", "adv");
    await until("the search line", (s) => s.includes("(reverse-i-search)`adv': advance 2s"));
    await press("C-r");
    await until("the older match", (s) => s.includes("(reverse-i-search)`adv': advance 10ms"));
    await press("Enter");
    await until("the found line run", (s) => /advanced 10 ms: now t=10 ms/.test(s));
    // A search that finds nothing says so; Ctrl-G gives the line back as it was.
    await press("bound", "C-r", "zzz");
    await until("a failed search", (s) => s.includes("(failed reverse-i-search)`zzz':"));
    await press("C-g");
    await until("the line back", (s) => /> bound$/.test(s.trimEnd().split("\n").at(-1)!));
  } finally {
    await tmux("kill-session", "-t", name).catch(() => {});
    await Deno.remove(cwd, { recursive: true }).catch(() => {});
  }
});
