/**
 * The REPL commands that draw and export: `timeline` (SVG), `report` (HTML) and the file side
 * of `trace export` (Chrome trace JSON or ftrace text). They replay this session's operations
 * from a fresh boot with a recorder attached, so the picture has every event, tick and step.
 *
 * @module
 */

import {
  chromeTraceJson,
  ftraceText,
  type Recording,
  recording,
  reportHtml,
  type TimelineOptions,
  timelineSvg,
} from "../../mod.ts";
import { readScript } from "../../lib/ops/script.ts";
import { timelineWindow } from "../../lib/timeline/window.ts";
import { type Command, type Context, io, parse, ReplError, type Shell } from "../command.ts";
import { drive } from "../drive.ts";
import { utf8Length } from "../../lib/util/bytes.ts";

/**
 * The session's machine, recorded: its operations since the last boot or reset, replayed (Ctrl-C
 * stops the replay; the session is left as it was).
 */
export function sessionRecording(session: Shell, ctx: Context): Promise<Recording> {
  const { options, lines } = readScript(
    session.log.join("\n"),
    "the session",
    session.options ?? {},
  );
  return drive(recording(options, lines), ctx, (p) => [
    p.done / Math.max(1, p.total),
    `replaying the session: ${p.done}/${p.total} operations`,
  ]);
}

async function write(ctx: Context, path: string, text: string | Iterable<string>): Promise<void> {
  if (!ctx.writeFile) throw new ReplError("writing files is not available here");
  await io(path, () => ctx.writeFile!(path, text));
}

const WINDOW = {
  since: { type: "string", value: "DURATION", help: "start of the window (simulation time)" },
  until: { type: "string", value: "DURATION", help: "end of the window (simulation time)" },
  cpus: { type: "string", value: "LIST", help: "CPUs to draw, e.g. 0-3,8 (default all)" },
  width: { type: "string", value: "PIXELS", help: "width of the picture (default 1200)" },
} as const;

/** Writes `trace export FILE [--format json|ftrace]`; returns the REPL's one-line answer. */
export async function exportTrace(
  session: Shell,
  ctx: Context,
  path: string,
  format: string,
): Promise<{ text: string; result: unknown }> {
  if (format !== "json" && format !== "ftrace") {
    throw new RangeError(`--format ${JSON.stringify(format)}: expected json or ftrace`);
  }
  const rec = await sessionRecording(session, ctx);
  // The Chrome trace is written as it is made: tens of millions of ticks never become one string.
  let bytes = 0;
  const counted = function* (pieces: Iterable<string>) {
    for (const piece of pieces) {
      bytes += utf8Length(piece);
      yield piece;
    }
  };
  await write(ctx, path, counted(format === "json" ? chromeTraceJson(rec) : [ftraceText(rec)]));
  return {
    text: `wrote ${path} (${
      format === "json" ? "Chrome trace event format" : "ftrace text"
    }, ${bytes} bytes)`,
    result: { path, format, bytes },
  };
}

// A command that draws the session into FILE: `render` gives the text and what to say of it.
function drawing(
  name: string,
  summary: string,
  render: (rec: Recording, window: TimelineOptions) => { text: string; what: string },
  extensions: readonly string[],
): Command {
  return {
    name,
    summary,
    cost: "replays the session's operations from a fresh boot",
    positionals: [{ name: "FILE", complete: "file" }],
    options: WINDOW,
    async run(session, argv, ctx) {
      const { values, positionals } = parse(this, argv);
      // What it writes is one format: a name that promises another is refused before any work.
      const file = positionals[0];
      if (!extensions.some((e) => file.toLowerCase().endsWith(e))) {
        throw new RangeError(
          `${JSON.stringify(file)}: ${name} writes ${extensions[0].slice(1).toUpperCase()}; ` +
            `name the file ${extensions.map((e) => `*${e}`).join(" or ")}`,
        );
      }
      const rec = await sessionRecording(session, ctx);
      const { text, what } = render(rec, timelineWindow(values, rec.lanes.length));
      await write(ctx, positionals[0], text);
      const bytes = utf8Length(text);
      return {
        text: `wrote ${positionals[0]} (${what}, ${bytes} bytes)`,
        result: { path: positionals[0], bytes },
      };
    },
  };
}

/** `timeline` and `report`. */
export const PICTURE_COMMANDS: Readonly<Record<string, Command>> = {
  timeline: drawing(
    "timeline",
    "draw this session as an SVG timeline: tick devices, hotplug, ticks, problems",
    (rec, window) => {
      const lanes = window.cpus?.length ?? rec.lanes.length;
      return { text: timelineSvg(rec, window), what: `${lanes} lane${lanes === 1 ? "" : "s"}` };
    },
    [".svg"],
  ),
  report: drawing(
    "report",
    "write an HTML report: timeline, configuration, CPUs, problems, invariants",
    (rec, window) => ({ text: reportHtml(rec, window), what: "self-contained HTML" }),
    [".html", ".htm"],
  ),
};
