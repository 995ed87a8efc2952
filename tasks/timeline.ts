/**
 * `deno task timeline SCRIPT.hvt -o OUT.svg [--since T] [--until T] [--cpus LIST] [--width PX]`:
 * runs a script's operations from a fresh boot of its `vm` line and draws the timeline. With
 * `-o OUT.html` it writes the HTML report instead, with `-o OUT.json` the Chrome trace, with
 * `-o OUT.txt` the ftrace text.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { chromeTrace, ftraceText, record, reportHtml, timelineSvg } from "../mod.ts";
import { readScript } from "../lib/ops/script.ts";
import { timelineWindow } from "../lib/timeline/window.ts";

const USAGE = "usage: deno task timeline SCRIPT.hvt -o OUT.(svg|html|json|txt) " +
  "[--since DURATION] [--until DURATION] [--cpus LIST] [--width PIXELS]";

function fail(message: string): never {
  console.error(`timeline: ${message}\n${USAGE}`);
  Deno.exit(2);
}

let args;
try {
  args = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      since: { type: "string" },
      until: { type: "string" },
      cpus: { type: "string" },
      width: { type: "string" },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const { values, positionals } = args;
if (positionals.length !== 1) fail(`expected one script, got ${positionals.length}`);
const out = values.out ?? fail("-o OUT is required");
const kind = /\.(svg|html|json|txt)$/.exec(out)?.[1] ??
  fail(`-o ${JSON.stringify(out)}: the name must end in .svg, .html, .json or .txt`);
try {
  const text = await Deno.readTextFile(positionals[0]);
  const { options, lines } = readScript(text, positionals[0]);
  const rec = record(options, lines);
  const window = timelineWindow(values, rec.lanes.length);
  const body = kind === "svg"
    ? timelineSvg(rec, window)
    : kind === "html"
    ? reportHtml(rec, window)
    : kind === "json"
    ? JSON.stringify(chromeTrace(rec))
    : ftraceText(rec);
  const tmp = `${out}.tmp`;
  await Deno.writeTextFile(tmp, body);
  await Deno.rename(tmp, out);
  console.log(`wrote ${out} (${body.length} bytes)`);
} catch (e) {
  if (e instanceof Deno.errors.NotFound) fail(`cannot read ${positionals[0]}: no such file`);
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    fail(`cannot write ${out}: the task may write only under the current directory`);
  }
  if (
    e instanceof Error && ["RangeError", "SyntaxError", "TypeError", "ConfigError"].includes(e.name)
  ) {
    fail(e.message);
  }
  throw e;
}
