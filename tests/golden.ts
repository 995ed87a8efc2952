/**
 * `deno task golden`: checks the REPL transcripts in tests/golden (each `NAME.hvt` against
 * `NAME.out`) and the pictures in tests/golden/pictures (each `NAME.hvt` drawn as `NAME.svg`,
 * exported as `NAME.json` and `NAME.txt`); `deno task golden --update` rewrites them on purpose.
 *
 * @module
 */

import { transcript } from "./transcript.ts";
import { PICTURES, renderings } from "./pictures.ts";

const DIR = new URL("./golden/", import.meta.url);
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
// The picture goldens: NAME.hvt drawn and exported as NAME.svg, NAME.json, NAME.txt.
for (const entry of [...Deno.readDirSync(PICTURES)].filter((e) => e.name.endsWith(".hvt"))) {
  const made = renderings(Deno.readTextFileSync(new URL(entry.name, PICTURES)), entry.name);
  for (const [ext, got] of Object.entries(made)) {
    const name = entry.name.replace(/\.hvt$/, `.${ext}`);
    let want = "";
    try {
      want = Deno.readTextFileSync(new URL(name, PICTURES));
    } catch {
      // new picture
    }
    if (got === want) continue;
    if (update) {
      Deno.writeTextFileSync(new URL(name, PICTURES), got);
      console.log(`updated pictures/${name}`);
    } else {
      stale++;
      console.log(`differs: pictures/${name} (run 'deno task golden --update' after checking it)`);
    }
  }
}
if (stale) Deno.exit(1);
