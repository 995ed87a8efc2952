// docs/repl.md is generated from the command table; this fails when a command changes and the page
// was not regenerated (`deno task docs`).
import assert from "node:assert/strict";
import { replReference } from "../repl/reference.ts";
import { COMMANDS } from "../repl/commands/index.ts";

Deno.test("docs/repl.md is current with the command table", async () => {
  const page = await Deno.readTextFile(new URL("../docs/repl.md", import.meta.url));
  const squash = (s: string) => s.replace(/[ \t]+/g, " ").replace(/\| ?-+ ?/g, "|-").trim();
  for (const c of COMMANDS) assert.ok(page.includes(`### ${c.name}\n`), `no section for ${c.name}`);
  // deno fmt only re-flows prose and pads tables, so compare with whitespace squashed.
  const words = (s: string) => squash(s).split(/\s+/).join(" ");
  assert.equal(words(page), words(replReference()), "docs/repl.md is stale: run `deno task docs`");
});
