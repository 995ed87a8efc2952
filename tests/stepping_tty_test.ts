// Breakpoints and stepping in a real terminal (tmux): a walk stopped at a breakpoint, read with
// cat and bound, stepped and continued; Ctrl-C during a long `advance --until` stops between two
// interrupt instants, says where, and the session goes on. `.ci/run` installs tmux.
import assert from "node:assert/strict";
import { pane, tmux } from "./tmux.ts";

const root = new URL("..", import.meta.url).pathname;
const dir = `${root}.tty-stepping-test`;
const session = `hvtick-step-${Deno.pid}`;

const term = pane(session);
const screen = term.scrollback;
const keys = term.keys;
const waitFor = (what: string, pred: (s: string) => boolean, ms = 30_000) =>
  term.waitFor(what, pred, ms, screen);

Deno.test("REPL in a terminal: break, cat and step at a stop, continue; Ctrl-C in advance --until", async (t) => {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir);
  const cmd =
    `cd '${dir}' && NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 '${Deno.execPath()}' run --allow-read=. --allow-write=. --allow-env=NO_COLOR '${root}repl/main.ts'; echo REPL-EXITED; sleep 60`;
  await tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", cmd);
  try {
    await waitFor("the prompt", (s) => s.includes("hvtick>"));
    await keys("vm --hyperv 2012R2 --kernel 5.2 --cpus 4", "Enter");
    await waitFor("the boot line", (s) => s.includes("booted: Hyper-V 2012 R2"));

    await t.step("a breakpoint stops offline before the stimer's teardown", async () => {
      await keys("break callback hv_synic_cleanup --cpu 2", "Enter");
      await waitFor("the breakpoint", (s) => s.includes("breakpoint 1: callback hv_synic_cleanup"));
      await keys("offline 2", "Enter");
      await waitFor(
        "the stop",
        (s) => s.includes("stopped before hv_synic_cleanup (teardown of 174 hyperv/vmbus:online)"),
      );
    });

    await t.step("cat and bound read the stopped walk; step runs one callback", async () => {
      await keys("cat /sys/devices/system/cpu/cpu2/hotplug/state", "Enter");
      await waitFor("state 173", (s) => /hotplug\/state\n173\n/.test(s));
      await keys("step", "Enter");
      await waitFor("the step", (s) => s.includes("CPU2: lapic <- Hyper-V clockevent"));
      await keys("bound 2", "Enter");
      await waitFor("lapic bound", (s) => /bound 2\nlapic\n/.test(s));
      await keys("continue", "Enter");
      await waitFor("the end of the walk", (s) => s.includes("CPU2 offline: ok"));
    });

    await t.step("Ctrl-C stops a long advance --until between two instants", async () => {
      await keys('advance 100000s --until "violation"', "Enter");
      await new Promise((r) => setTimeout(r, 1500));
      await keys("C-c");
      const s = await waitFor(
        "the interrupt report",
        (s) =>
          /interrupted after [0-9.]+ s \(Ctrl-C\), between two interrupt instants: now/.test(s),
      );
      assert.ok(!s.includes("REPL-EXITED"), s);
      await keys("cpus", "Enter");
      await waitFor("the session still answering", (s) => /^\s+2\s+0\s+0 offline/m.test(s));
    });
  } finally {
    await tmux("kill-session", "-t", session).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
