/**
 * The REPL commands that read the modelled files: `cat` and `ls` (writing one is `echo`, an
 * operation).
 *
 * @module
 */

import { type Command, parse, shellWords } from "../command.ts";

/** The file commands, by name. */
export const FILE_COMMANDS: Readonly<Record<string, Command>> = {
  cat: {
    name: "cat",
    summary: "print sysfs/procfs files, one after another (like cat)",
    positionals: [{ name: "PATH", complete: "path", repeats: true }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const m = session.machine!;
      // Like cat: each file in turn; one that cannot be read says so in its place, the others
      // still print, and the command fails.
      const files: { path: string; text: string }[] = [];
      const errors: string[] = [];
      let text = "";
      for (const path of positionals) {
        try {
          const read = m.read(path);
          files.push({ path, text: read });
          text += read;
        } catch (e) {
          if (!(e instanceof RangeError) || positionals.length === 1) throw e;
          const message = `cat: ${shellWords(e.message)}`;
          errors.push(message);
          text += `${message}\n`;
        }
      }
      const result = files.length === 1 && positionals.length === 1 ? files[0] : files;
      if (errors.length === 0) return { text: text.replace(/\n$/, ""), result };
      return {
        text: text.replace(/\n$/, ""),
        result,
        ok: false,
        error: { errno: null, message: errors.join("; ") },
      };
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
      // A directory is listed at once (readDir() refuses exactly what stat() does not call a
      // directory: asking stat() first walked the path table twice).
      let entries;
      try {
        entries = machine.readDir(path);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        // Like ls: a file lists as itself.
        if (machine.stat(path) === "file") return { text: path, result: [path] };
        throw new RangeError(
          `cannot access ${
            JSON.stringify(path.replace(/\/+$/, ""))
          }: no such directory in the modelled sysfs/procfs`,
        );
      }
      const list = entries.map((e) => e.name);
      return { text: list.join("  "), result: list };
    },
  },
};
