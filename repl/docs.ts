/**
 * `deno task docs`: writes `docs/repl.md` from the REPL command table, the fidelity harness's
 * rules into `docs/model.md` (between its fidelity-rules markers) and the kernel lines, how each is
 * verified and the presets into README.md (between its kernels markers), formatted as `deno fmt` would,
 * so the quality gate's format check holds.
 *
 * @module
 */

import { replReference } from "./reference.ts";
import { withFidelityRules } from "../lib/fidelity/rules_doc.ts";
import { withKernelsBlock } from "../lib/kernels/readme_table.ts";
import { readmeInputs } from "./readme_inputs.ts";

const repl = new URL("../docs/repl.md", import.meta.url).pathname;
const model = new URL("../docs/model.md", import.meta.url).pathname;
const readme = new URL("../README.md", import.meta.url).pathname;

const { real, trees } = readmeInputs();
const pages = [
  { path: repl, text: replReference() },
  { path: model, text: withFidelityRules(await Deno.readTextFile(model)) },
  { path: readme, text: withKernelsBlock(await Deno.readTextFile(readme), real, trees) },
];
// Written whole to a temporary file and renamed: an interrupted run leaves the page as it was.
for (const { path, text } of pages) {
  await Deno.writeTextFile(`${path}.tmp`, text);
  await Deno.rename(`${path}.tmp`, path);
}
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", repl, model, readme] })
  .output();
if (!fmt.success) throw new Error(new TextDecoder().decode(fmt.stderr));
for (const { path } of pages) console.log(`wrote ${path}`);
