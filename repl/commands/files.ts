/**
 * The REPL commands that read the modelled files: `cat` and `ls` (writing one is `echo`, an
 * operation).
 *
 * @module
 */

import { type Command, parse } from "../command.ts";

/** The file commands, by name. */
export const FILE_COMMANDS: Readonly<Record<string, Command>> = {
  cat: {
    name: "cat",
    summary: "print sysfs/procfs files, one after another (like cat)",
    positionals: [{ name: "PATH", complete: "path", repeats: true }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      // Every file is read before anything prints: a bad path fails the command, as a whole.
      const files = positionals.map((path) => ({ path, text: session.machine!.read(path) }));
      const text = files.map((f) => f.text).join("").replace(/\n$/, "");
      return { text, result: files.length === 1 ? files[0] : files };
    },
  },
  ls: {
    name: "ls",
    summary: "list a sysfs/procfs directory",
    positionals: [{ name: "DIR", optional: true, complete: "path" }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const path = positionals[0] ?? "/sys/devices/system/cpu";
      const machine = session.machine!;
      const kind = machine.stat(path);
      // Like ls: a file lists as itself.
      if (kind === "file") return { text: path, result: [path] };
      if (kind === null) {
        throw new RangeError(
          `cannot access ${
            JSON.stringify(path.replace(/\/+$/, ""))
          }: no such directory in the modelled sysfs/procfs`,
        );
      }
      const list = machine.readDir(path).map((e) => e.name);
      return { text: list.join("  "), result: list };
    },
  },
};
