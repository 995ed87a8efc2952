/**
 * `deno task golden`: checks the REPL transcripts in tests/golden (each `NAME.hvt` against
 * `NAME.out`); `deno task golden --update` rewrites the `.out` files on purpose.
 *
 * @module
 */

import { transcript } from "../tests/transcript.ts";

const DIR = new URL("../tests/golden/", import.meta.url);
const update = Deno.args.includes("--update");
let stale = 0;
for (
  const entry of [...Deno.readDirSync(DIR)].filter((e) => e.name.endsWith(".hvt")).sort((a, b) =>
    a.name.localeCompare(b.name)
  )
) {
  const script = Deno.readTextFileSync(new URL(entry.name, DIR));
  const got = await transcript(script);
  const outUrl = new URL(entry.name.replace(/\.hvt$/, ".out"), DIR);
  let want = "";
  try {
    want = Deno.readTextFileSync(outUrl);
  } catch {
    // new transcript
  }
  if (got === want) continue;
  if (update) {
    Deno.writeTextFileSync(outUrl, got);
    console.log(`updated ${entry.name.replace(/\.hvt$/, ".out")}`);
  } else {
    stale++;
    console.log(
      `differs: ${entry.name} (run 'deno task golden --update' after checking the change)`,
    );
  }
}
if (stale) Deno.exit(1);
