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
    summary: "print a sysfs/procfs file",
    positionals: [{ name: "PATH", complete: "path" }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const text = session.machine!.read(positionals[0]);
      return { text: text.replace(/\n$/, ""), result: { path: positionals[0], text } };
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
