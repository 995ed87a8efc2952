/** REPL golden transcripts: tests/golden/NAME.hvt must produce NAME.out (`deno task golden --update`). */
import assert from "node:assert/strict";
import { transcript } from "./transcript.ts";
import { COMMANDS } from "../repl/commands/index.ts";

const DIR = new URL("./golden/", import.meta.url);

for (
  const entry of [...Deno.readDirSync(DIR)].filter((e) => e.name.endsWith(".hvt")).sort((a, b) =>
    a.name.localeCompare(b.name)
  )
) {
  Deno.test(`REPL transcript ${entry.name}`, async () => {
    const got = await transcript(Deno.readTextFileSync(new URL(entry.name, DIR)));
    const want = Deno.readTextFileSync(new URL(entry.name.replace(/\.hvt$/, ".out"), DIR));
    assert.equal(got, want, "run 'deno task golden --update' if the change is intended");
  });
}

Deno.test("every REPL command appears in some transcript", () => {
  const all = [...Deno.readDirSync(DIR)].filter((e) => e.name.endsWith(".hvt"))
    .map((e) => Deno.readTextFileSync(new URL(e.name, DIR))).join("\n");
  for (const name of COMMANDS.map((c) => c.name)) {
    assert.match(all, new RegExp(`^${name}\\b`, "m"), name);
  }
});
