/**
 * TAB completion, derived from the command table: command names, `--options`, option values
 * (versions, architectures, kernel lines, HZ), CPU numbers, sysfs/procfs paths (one path segment
 * at a time) and local file names (repl/files.ts: inside the current directory, no temporary files).
 *
 * @module
 */

import type { Completion } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { fileCandidates } from "./files.ts";
import type { Session } from "./session.ts";

function candidates(session: Session, kind: Completion | undefined, word: string): string[] {
  if (kind === undefined) return [];
  if (Array.isArray(kind)) return kind.filter((v) => v.startsWith(word));
  switch (kind) {
    case "cpu": {
      const n = session.machine?.cpuCount ?? 0;
      return Array.from({ length: n }, (_, i) => String(i)).filter((v) => v.startsWith(word));
    }
    case "command":
      return COMMANDS.map((c) => c.name).filter((v) => v.startsWith(word));
    case "path": {
      // One path segment at a time: the entries of the directory typed so far.
      const machine = session.machine;
      const cut = word.lastIndexOf("/");
      if (!machine || (cut < 0 && word !== "")) return [];
      const dir = word.slice(0, cut + 1) || "/";
      const base = word.slice(cut + 1);
      if (machine.stat(dir) !== "directory") return [];
      return machine.readDir(dir).filter((e) => e.name.startsWith(base))
        .map((e) => dir + e.name + (e.isDirectory ? "/" : ""));
    }
    case "file":
      return fileCandidates(word);
  }
  return [];
}

/**
 * A finished word is followed by a space, as a shell does, so the next word can be typed at once;
 * a directory (`/sys/devices/`) is not finished.
 */
function finished(words: string[]): string[] {
  return words.map((w) => (w.endsWith("/") ? w : `${w} `));
}

/**
 * Completions for the word under the cursor at the end of `line`, as `[candidates, word]` (the
 * shape `node:readline`'s completer returns); each candidate that finishes its word ends with a
 * space.
 *
 * @example
 * ```ts
 * import { complete } from "./complete.ts";
 * import { Session } from "./session.ts";
 * import assert from "node:assert/strict";
 * const session = new Session();
 * assert.deepEqual(complete(session, "off"), [["offline "], "off"]);
 * assert.deepEqual(complete(session, "vm --hyp"), [["--hyperv "], "--hyp"]);
 * assert.deepEqual(complete(session, "vm --kernel 6.1"), [["6.1 ", "6.12 ", "6.18 "], "6.1"]);
 * ```
 */
export function complete(session: Session, line: string): [string[], string] {
  const [words, word] = candidatesAt(session, line);
  return [finished(words), word];
}

function candidatesAt(session: Session, line: string): [string[], string] {
  const parts = line.split(/\s+/);
  const word = parts[parts.length - 1];
  if (parts.length === 1) {
    return [COMMANDS.map((c) => c.name).filter((n) => n.startsWith(word)), word];
  }
  const command = COMMANDS.find((c) => c.name === parts[0] || c.aliases?.includes(parts[0]));
  if (!command) return [[], word];
  const options = command.options ?? {};
  if (word.startsWith("-")) {
    return [Object.keys(options).map((o) => `--${o}`).filter((o) => o.startsWith(word)), word];
  }
  const previous = parts[parts.length - 2];
  if (previous.startsWith("--")) {
    const spec = options[previous.slice(2)];
    if (spec?.type === "string") return [candidates(session, spec.complete, word), word];
  }
  let index = 0;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i];
    if (p.startsWith("--")) {
      if (options[p.slice(2)]?.type === "string") i++;
      continue;
    }
    index++;
  }
  const positionals = command.positionals ?? [];
  const spec = positionals[index] ?? (positionals.at(-1)?.repeats ? positionals.at(-1) : undefined);
  return [candidates(session, spec?.complete, word), word];
}
