// Driving the REPL in a real terminal (tmux), for the tests of what a pipe cannot show: one
// helper for every tty test. `.ci/run` installs tmux.

/** Runs one tmux command; a missing tmux or a failed command says so. */
export async function tmux(...args: string[]): Promise<string> {
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

/** One tmux session: its screen, the screen with 200 lines above it, keys, and a poll. */
export function pane(name: string) {
  const screen = () => tmux("capture-pane", "-p", "-t", name);
  const scrollback = () => tmux("capture-pane", "-p", "-S", "-200", "-t", name);
  const keys = (...k: string[]) => tmux("send-keys", "-t", name, ...k);
  /** Polls until `pred` holds; a missing behaviour fails with the screen shown. */
  async function waitFor(
    what: string,
    pred: (s: string) => boolean,
    ms = 20_000,
    read: () => Promise<string> = screen,
  ): Promise<string> {
    const end = Date.now() + ms;
    let s = "";
    while (Date.now() < end) {
      s = await read();
      if (pred(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
  }
  return { screen, scrollback, keys, waitFor };
}
