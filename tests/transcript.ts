/**
 * Runs a `.hvt` script through a REPL session and renders the transcript (`hvtick> line`, its
 * output, `[failed]` after failures). Files the script saves, loads or sources live in memory,
 * seeded from `files`.
 */
import { Session } from "../repl/session.ts";
import type { Context } from "../repl/command.ts";

/** Files every transcript starts with. */
export const SEED_FILES: Readonly<Record<string, string>> = {
  "scenario.hvt": "offline 3\nadvance 4ms\n",
  "garbage.json": "{not json",
  "future.json": '{"format":"hvtick-session/9","vm":{},"log":[]}\n',
  "truncated.json": '{"format":"hvtick-session/6","vm":{"cpus":2},"log":["offline 1"',
};

/** The transcript of `script`. */
export async function transcript(
  script: string,
  files: Readonly<Record<string, string>> = SEED_FILES,
): Promise<string> {
  const fs = new Map(Object.entries(files));
  const session = new Session();
  const out: string[] = [];
  const run = async (text: string): Promise<boolean> => {
    let ok = true;
    for (const line of text.split("\n")) {
      const o = await session.execute(line, ctx);
      if (o.command === "") continue;
      out.push(`hvtick> ${o.line}`);
      if (o.text) out.push(o.text);
      if (!o.ok) {
        out.push("[failed]");
        ok = false;
      }
    }
    return ok;
  };
  const ctx = memoryContext(fs, run);
  await run(script);
  return out.join("\n") + "\n";
}

/** A REPL context whose files live in `fs` (nothing touches the disk) and whose sourced scripts
 * run through `runScript`. */
export function memoryContext(
  fs: Map<string, string>,
  runScript: (text: string) => Promise<boolean>,
): Context {
  return {
    readFile: (p) => {
      const text = fs.get(p);
      return text === undefined
        ? Promise.reject(new RangeError(`cannot open ${p}: no such file`))
        : Promise.resolve(text);
    },
    writeFile: (p, t) => {
      fs.set(p, typeof t === "string" ? t : [...t].join(""));
      return Promise.resolve();
    },
    runScript,
  };
}
