/**
 * What the README's kernel table is made from, read from the checkout: the real kernels the
 * fidelity set holds (tests/real/, every `NAME.host.txt`) and the tree each line's tables were read
 * from (docs/research/kernels/ID.json). `deno task docs` writes the table from them, and a test
 * checks the committed README against them.
 *
 * @module
 */

import { realKernels } from "../lib/fidelity/host.ts";
import { type RealKernel, treeOf } from "../lib/kernels/readme_table.ts";

const ROOT = new URL("../", import.meta.url);

/** Every `NAME.host.txt` under `dir`, with its text. */
function hostFiles(dir: string): { file: string; text: string }[] {
  return [...Deno.readDirSync(dir)].flatMap((e) => {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) return hostFiles(p);
    return e.name.endsWith(".host.txt") ? [{ file: p, text: Deno.readTextFileSync(p) }] : [];
  });
}

/**
 * The kernel table's inputs in this checkout.
 *
 * @example
 * ```ts
 * import { readmeInputs } from "./readme_inputs.ts";
 * import assert from "node:assert/strict";
 * const { real, trees } = readmeInputs();
 * assert.ok(real.some((k) => k.version === "6.1.192"));
 * assert.match(trees["6.6"], /^unifreq\/linux-6\.6\.y @ /);
 * ```
 */
export function readmeInputs(): { real: RealKernel[]; trees: Record<string, string> } {
  const kernels = new URL("docs/research/kernels/", ROOT);
  return {
    real: realKernels(hostFiles(new URL("tests/real", ROOT).pathname)),
    trees: Object.fromEntries(
      [...Deno.readDirSync(kernels)].filter((e) => e.name.endsWith(".json")).map((e) => {
        const j = JSON.parse(Deno.readTextFileSync(new URL(e.name, kernels)));
        return [j.id, treeOf(j.source)];
      }),
    ),
  };
}
