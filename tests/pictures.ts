/**
 * The picture goldens: each `tests/golden/pictures/NAME.hvt` drawn as NAME.svg, exported as
 * NAME.json (Chrome trace, one event per line) and NAME.txt (ftrace).
 */
import { chromeTrace, ftraceText, record, type Recording, timelineSvg } from "../mod.ts";
import { readScript } from "../lib/ops/script.ts";

/** The directory of the picture goldens. */
export const PICTURES = new URL("./golden/pictures/", import.meta.url);

/** The recording of a picture script. */
export function recordScript(text: string, name: string): Recording {
  const { options, lines } = readScript(text, name);
  return record(options, lines);
}

/** The three renderings of a picture script, by file extension. */
export function renderings(text: string, name: string): Record<"svg" | "json" | "txt", string> {
  const rec = recordScript(text, name);
  const trace = chromeTrace(rec);
  return {
    svg: timelineSvg(rec) + "\n",
    json: `{"traceEvents":[\n${trace.traceEvents.map((e) => JSON.stringify(e)).join(",\n")}\n],` +
      `"displayTimeUnit":"ns","otherData":${JSON.stringify(trace.otherData)}}\n`,
    txt: ftraceText(rec),
  };
}
