/**
 * The picture says what the REPL says: for every REPL golden scenario (tests/golden/*.hvt), each
 * `online` / `offline` prints its CPU's tick-device changes (`lapic <- (none)   during startup of
 * 85 cpu:bringup`); the timeline of the session drawn right then labels the same changes, in the
 * same order, in that operation's walk inset, and paints each from that change on in the colour
 * its legend gives the device.
 */
import assert from "node:assert/strict";
import { record, timelineSvg } from "../mod.ts";
import { readScript } from "../lib/ops/script.ts";
import { Session } from "../repl/session.ts";
import { memoryContext, SEED_FILES } from "./transcript.ts";

const GOLDEN = new URL("./golden/", import.meta.url);
const scripts = [...Deno.readDirSync(GOLDEN)].filter((e) => e.name.endsWith(".hvt"))
  .map((e) => e.name).sort();

const unescape = (s: string) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** Per change the picture labels in operation `op`'s inset of `cpu`: its words and its fill. */
export function pictureChanges(
  svg: string,
  op: number,
  cpu: number,
): { text: string; device: string; fill: string }[] {
  const legend = new Map<string, string>();
  for (
    const m of svg.matchAll(
      /<g class="legend"><rect [^>]*fill="([^"]+)"[^>]*\/><text [^>]*>([^<]*)<\/text>/g,
    )
  ) {
    legend.set(unescape(m[2]), m[1]);
  }
  const out: { text: string; device: string; fill: string }[] = [];
  for (const line of svg.split("\n")) {
    const head = /^<g class="walk" data-op="(\d+)" data-cpus="([\d,]+)"/.exec(line);
    if (!head || Number(head[1]) !== op || !head[2].split(",").map(Number).includes(cpu)) continue;
    // The device row: where each segment starts and its fill.
    const segments = [
      ...line.matchAll(
        /<rect class="walk-device" data-device="([^"]*)" x="([\d.]+)"[^>]* fill="([^"]+)"/g,
      ),
    ]
      .map((m) => ({ device: unescape(m[1]), x: Number(m[2]), fill: m[3] }));
    for (
      const m of line.matchAll(
        /<g class="change" data-device="([^"]*)"[^>]*><title>([^<]*)<\/title><line x1="([\d.]+)"/g,
      )
    ) {
      const segment = segments.find((s) => Math.abs(s.x - Number(m[3])) < 0.01);
      assert.ok(segment, `a device segment starts at the change ${m[2]}`);
      assert.equal(segment.device, unescape(m[1]));
      // Painted in the legend's colour of the device the change installed (white: none).
      assert.equal(segment.fill, segment.device ? legend.get(segment.device) : "#ffffff");
      out.push({ text: unescape(m[2]), device: segment.device, fill: segment.fill });
    }
  }
  return out;
}

for (const name of scripts) {
  Deno.test(`picture and REPL agree on every tick-device change: ${name}`, async () => {
    const fs = new Map(Object.entries(SEED_FILES));
    const session = new Session();
    // A sourced script's lines are checked as the script's own.
    const ctx = memoryContext(fs, async (t) => {
      for (const line of t.split("\n")) await run(line);
      return true;
    });
    let compared = 0;
    // A stepped walk (break, step, continue) prints its changes over several commands and is
    // logged once, when it ends: its lines are gathered until then.
    let gathered: string[] = [];
    const run = async (line: string) => {
      const before = session.log.length;
      const o = await session.execute(line, ctx);
      if (!["online", "offline", "step", "continue"].includes(o.command ?? "")) return;
      gathered.push(
        ...o.text.split("\n").filter((l) => /^ {2}\S.* <- .* {3}during /.test(l))
          .map((l) => l.slice(2)),
      );
      if (session.machine?.stopped) return;
      const said = gathered;
      gathered = [];
      // A refused write is not logged (it changed nothing the replay needs); drawn after it all
      // the same.
      const logged = session.log.length > before;
      const op = logged ? session.log.at(-1)! : o.line.replace(/^step /, "");
      if (!/^(?:on|off)line \d+$/.test(op)) return;
      if (!logged && !said.length) return;
      const log = logged ? session.log : [...session.log, op];
      const { options, lines } = readScript(log.join("\n"), name, session.options ?? {});
      const svg = timelineSvg(record(options, lines));
      const cpu = Number(op.split(" ")[1]);
      const drawn = pictureChanges(svg, log.length - 1, cpu).map((c) => c.text);
      assert.deepEqual(drawn, said, `${name}: ${op}`);
      compared += said.length;
    };
    for (const line of Deno.readTextFileSync(new URL(name, GOLDEN)).split("\n")) await run(line);
    // None skipped: as many as the golden transcript shows after its online/offline commands.
    const out = Deno.readTextFileSync(new URL(name.replace(/\.hvt$/, ".out"), GOLDEN));
    assert.equal(
      compared,
      out.split("\n").filter((l) => /^ {2}\S.* <- .* {3}during /.test(l)).length,
    );
  });
}

Deno.test("the issue's case: 5.2 on 2012 R2, `online 2` paints the LAPIC at 85 cpu:bringup", () => {
  const rec = record({ hyperv: "2012R2", kernel: "5.2", cpus: 4 }, [
    "advance 8ms",
    "offline 2",
    "online 2",
  ]);
  const changes = pictureChanges(timelineSvg(rec, { width: 500 }), 2, 2);
  assert.deepEqual(changes.map((c) => [c.text, c.fill]), [
    ["lapic <- (none)   during startup of 85 cpu:bringup", "#f28e2b"],
    ["Hyper-V clockevent <- lapic   during startup of 174 hyperv/vmbus:online", "#4e79a7"],
  ]);
});
