// The REPL in a real terminal (tmux): completion, history, Ctrl-C at the prompt and during a long
// command, Ctrl-D. These are the behaviours a pipe cannot show. `.ci/run` installs tmux.
import assert from "node:assert/strict";

const root = new URL("..", import.meta.url).pathname;
const dir = `${root}.tty-test`;
const session = `hvtick-tty-${Deno.pid}`;

async function tmux(...args: string[]): Promise<string> {
  let out;
  try {
    out = await new Deno.Command("tmux", { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new Error(
      `this test drives the REPL in a terminal and needs tmux (apt-get install -y tmux): ${e}`,
    );
  }
  if (!out.success) {
    throw new Error(`tmux ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

const screen = () => tmux("capture-pane", "-p", "-t", session);
const keys = (...k: string[]) => tmux("send-keys", "-t", session, ...k);

/** Polls the screen until `pred` holds; a missing behaviour fails with the screen shown. */
async function waitFor(what: string, pred: (s: string) => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  let s = "";
  while (Date.now() < end) {
    s = await screen();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
}

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
      await waitFor("recalled line", (s) => /hvtick\[t=[0-9.]+\]> vm --cpus 4\s*$/m.test(s));
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
      await waitFor(
        "the partial report",
        (s) => /stopped \(interrupted\): every sequence up to \d+ of 30 operations covered/.test(s),
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
      ]);
    });
  } finally {
    await tmux("kill-session", "-t", session).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
