// docs/repl.md is generated from the command table; this fails when a command changes and the page
// was not regenerated (`deno task docs`).
import assert from "node:assert/strict";
import { replReference } from "../repl/reference.ts";
import { COMMANDS } from "../repl/commands/index.ts";
import { withFidelityRules } from "../lib/fidelity/rules_doc.ts";
import { EXCLUSIONS } from "../lib/fidelity/exclusions.ts";
import { withKernelsBlock } from "../lib/kernels/readme_table.ts";
import { readmeInputs } from "../repl/readme_inputs.ts";

Deno.test("docs/repl.md is current with the command table", async () => {
  const page = await Deno.readTextFile(new URL("../docs/repl.md", import.meta.url));
  const squash = (s: string) => s.replace(/[ \t]+/g, " ").replace(/\| ?-+ ?/g, "|-").trim();
  for (const c of COMMANDS) assert.ok(page.includes(`### ${c.name}\n`), `no section for ${c.name}`);
  // deno fmt only re-flows prose and pads tables, so compare with whitespace squashed.
  const words = (s: string) => squash(s).split(/\s+/).join(" ");
  assert.equal(words(page), words(replReference()), "docs/repl.md is stale: run `deno task docs`");
});

Deno.test("docs/model.md lists the fidelity harness's rules as its tables have them", async () => {
  const page = await Deno.readTextFile(new URL("../docs/model.md", import.meta.url));
  const squash = (s: string) =>
    s.replace(/\| ?-+ ?/g, "|-").replace(/[ \t]+/g, " ").split(/\s+/).join(" ").trim();
  assert.equal(
    squash(page),
    squash(withFidelityRules(page)),
    "docs/model.md's fidelity rules are stale: run `deno task docs`",
  );
  for (const e of EXCLUSIONS) assert.match(page, new RegExp(`\\| \`${e.id}\` +\\|`), e.id);
});

Deno.test("README's kernels and presets block is current with the tables and tests/real", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const { real, trees } = readmeInputs();
  const squash = (s: string) =>
    s.replace(/\| ?-+ ?/g, "|-").replace(/[ \t]+/g, " ").split(/\s+/).join(" ").trim();
  assert.equal(
    squash(readme),
    squash(withKernelsBlock(readme, real, trees)),
    "README.md's kernel table is stale: run `deno task docs`",
  );
});
