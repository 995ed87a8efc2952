/**
 * `deno task docs`: writes `docs/repl.md` from the REPL command table (formatted as `deno fmt`
 * would, so the quality gate's format check holds).
 *
 * @module
 */

import { replReference } from "./reference.ts";

const path = new URL("../docs/repl.md", import.meta.url).pathname;
await Deno.writeTextFile(path, replReference());
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", path] }).output();
if (!fmt.success) throw new Error(new TextDecoder().decode(fmt.stderr));
console.log(`wrote ${path}`);
