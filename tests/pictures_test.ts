/**
 * Pictures and traces: goldens (`deno task golden --update`), the trace event format's rules on
 * every export, the ftrace layout, and a real browser rendering the HTML report.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type ChromeEvent,
  chromeTrace,
  compareSvg,
  ftraceText,
  record,
  reportHtml,
  timelineSvg,
  type VmOptions,
} from "../mod.ts";
import { PICTURES, recordScript, renderings } from "./pictures.ts";
import { findChromium, pngPixels, runChromium } from "./browser.ts";

const scripts = [...Deno.readDirSync(PICTURES)].filter((e) => e.name.endsWith(".hvt"))
  .map((e) => e.name).sort();

for (const name of scripts) {
  Deno.test(`picture golden ${name}: svg, json, txt`, () => {
    const made = renderings(Deno.readTextFileSync(new URL(name, PICTURES)), name);
    for (const [ext, got] of Object.entries(made)) {
      const want = Deno.readTextFileSync(new URL(name.replace(/\.hvt$/, `.${ext}`), PICTURES));
      assert.equal(got, want, `${name} .${ext}: run 'deno task golden --update' if intended`);
    }
  });
}

/** The trace event format's rules this exporter promises; returns the first broken one. */
function traceProblems(events: readonly ChromeEvent[]): string | null {
  const named = new Set<number>();
  const open = new Map<string, ChromeEvent[]>();
  const last = new Map<string, number>();
  for (const [i, e] of events.entries()) {
    if (!["B", "E", "i", "M"].includes(e.ph)) return `event ${i}: phase ${e.ph}`;
    if (!Number.isFinite(e.ts) || e.ts < 0) return `event ${i}: timestamp ${e.ts}`;
    if (e.ph === "M") {
      if (e.name === "thread_name") named.add(e.tid);
      continue;
    }
    const track = `${e.pid}/${e.tid}`;
    if (!named.has(e.tid)) return `event ${i}: track ${track} has no thread_name`;
    if ((last.get(track) ?? 0) > e.ts) return `event ${i}: time goes back on track ${track}`;
    last.set(track, e.ts);
    if (e.ph === "B") open.set(track, [...(open.get(track) ?? []), e]);
    if (e.ph === "E") {
      const stack = open.get(track) ?? [];
      const begin = stack.pop();
      if (!begin) return `event ${i}: E without a B on track ${track}`;
      if (begin.name !== e.name) return `event ${i}: E of ${e.name} closes ${begin.name}`;
      open.set(track, stack);
    }
    if (e.ph === "i" && e.s !== "t") return `event ${i}: instant without thread scope`;
  }
  // Only a callback that never returned (a hang) stays open.
  for (const [track, stack] of open) {
    const unended = stack.filter((e) => !e.args?.hung);
    if (unended.length) return `track ${track}: ${unended.length} B without E`;
  }
  return null;
}

Deno.test("Chrome trace export: every B has its E on its track, nesting holds, time never goes back", async (t) => {
  for (const name of scripts) {
    await t.step(name, () => {
      const trace = chromeTrace(recordScript(Deno.readTextFileSync(new URL(name, PICTURES)), name));
      assert.equal(traceProblems(trace.traceEvents), null);
      // Plain JSON that a viewer opens.
      JSON.parse(JSON.stringify(trace));
    });
  }
  await t.step("random scenarios (property)", () => {
    const line = fc.oneof(
      fc.constantFrom("advance 4ms", "advance 1ms", "hibernate", "resume", "race passes"),
      fc.tuple(fc.constantFrom("online", "offline"), fc.integer({ min: 0, max: 2 }))
        .map(([op, cpu]) => `${op} ${cpu}`),
    );
    const config = fc.constantFrom<VmOptions>(
      { hyperv: "2019", kernel: "5.4", cpus: 3 },
      { hyperv: "2012R2", kernel: "5.5", cpus: 3 },
      { hyperv: "2019", arch: "arm64", kernel: "5.2", cpus: 3 },
      { hyperv: "2022", kernel: "6.1", cpus: 3 },
    );
    fc.assert(
      fc.property(config, fc.array(line, { maxLength: 8 }), (c, lines) => {
        const problem = traceProblems(chromeTrace(record(c, lines)).traceEvents);
        assert.equal(problem, null, `${JSON.stringify(c)}: ${lines.join("; ")}`);
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

Deno.test("ftrace export: the kernel's layout, line by line", () => {
  const text = ftraceText(recordScript(
    Deno.readTextFileSync(new URL("legacy-offline.hvt", PICTURES)),
    "legacy-offline.hvt",
  ));
  const lines = text.trimEnd().split("\n");
  const body = lines.filter((l) => !l.startsWith("#"));
  const count = Number(/entries-in-buffer\/entries-written: (\d+)\/\1 {3}#P:4$/.exec(lines[2])![1]);
  assert.equal(body.length, count);
  const layout =
    /^ {0,15}\S{1,16}-\d+ +\[\d{3}\] [d.][.Nnp][.hsHzZ][.0-9a-f] +\d+\.\d{6}: cpuhp_(enter: cpu: \d{4} target: [ \d]{3} step: [ \d]{3} \(\w+\)|exit: {2}cpu: \d{4} {2}state: [ \d]{3} step: [ \d]{3} ret: -?\d+)$/;
  for (const l of body) assert.match(l, layout);
  // Task and CPU follow where the callback runs: the AP's thread, its idle task, the writer.
  assert.ok(body.some((l) => /cpuhp\/2-\d+ +\[002\] \.\.\.\. .*hv_synic_cleanup/.test(l)));
  // STARTING/DYING callbacks fire no tracepoint (the CPU is not in cpu_online_mask).
  assert.ok(!body.some((l) => /<idle>-0 +\[002\] .*cpuhp_enter/.test(l)));
  assert.ok(body.some((l) => /bash-1000 +\[000\] \.\.\.\. .*takedown_cpu/.test(l)));
});

Deno.test("ftrace export of a run whose resume a hung guest refused (it threw before)", () => {
  // 5.4 hangs taking CPU1 down; the run then records hibernate and resume as refused, and the
  // export replays them the same way instead of throwing "Cannot resume: the VM is hung".
  const rec = record({ hyperv: "2019", kernel: "5.4", cpus: 2 }, [
    "offline 1",
    "hibernate",
    "resume",
    "advance 4ms",
  ]);
  assert.deepEqual(rec.run.operations.map((o) => o.ok), [false, false, false, true]);
  assert.match(rec.run.operations[2].message, /Cannot resume: the VM is hung/);
  assert.match(
    ftraceText(rec),
    /cpuhp_enter: cpu: 0001 target: +\d+ step: +\d+ \(sched_cpu_deactivate\)/,
  );
});

Deno.test("timeline: windows, CPU subsets, many CPUs, and bad options", () => {
  const rec = record({ hyperv: "2012R2", kernel: "5.5", cpus: 4 }, [
    "advance 8ms",
    "offline 2",
    "advance 8ms",
  ]);
  const some = timelineSvg(rec, { cpus: [1, 2], since: 4_000_000, until: 12_000_000 });
  assert.equal(some.match(/class="lane"/g)?.length, 2);
  assert.match(some, /data-cpu="2"/);
  assert.doesNotMatch(some, /data-cpu="0"/);
  assert.throws(
    () => timelineSvg(rec, { cpus: [4] }),
    /Invalid CPU 4: this recording has CPUs 0 to 3/,
  );
  assert.throws(() => timelineSvg(rec, { since: 5, until: 5 }), /Invalid window 5..5 ns/);
  assert.throws(() => timelineSvg(rec, { width: 100 }), /Invalid width 100/);
  // 256 CPUs: lanes thin out, the legend stays.
  const big = timelineSvg(record({ hyperv: "2025", kernel: "5.5", cpus: 256 }, ["advance 4ms"]));
  assert.equal(big.match(/class="lane"/g)?.length, 256);
  assert.match(big, /class="legend"/);
  assert.equal(compareSvg(rec, rec).match(/class="lane"/g)?.length, 8);
});

Deno.test("a real browser opens the HTML report: lanes in the DOM, a rendered (non-blank) page", async () => {
  const chromium = await findChromium();
  const dir = Deno.makeTempDirSync({ dir: ".", prefix: ".browser-test-" });
  try {
    const rec = recordScript(
      Deno.readTextFileSync(new URL("legacy-offline.hvt", PICTURES)),
      "legacy-offline.hvt",
    );
    const page = `${Deno.realPathSync(dir)}/report.html`;
    Deno.writeTextFileSync(page, reportHtml(rec));
    const run = (extra: string[]) => runChromium(chromium, dir, page, extra);
    const dom = await run(["--dump-dom"]);
    assert.equal(dom.match(/<g class="lane" data-cpu="\d+">/g)?.length, 4);
    assert.match(dom, /<table id="cpus">/);
    assert.match(dom, /lapic-never-bound/);
    await run([`--screenshot=${Deno.realPathSync(dir)}/shot.png`, "--window-size=1200,900"]);
    const { rows, channels } = await pngPixels(Deno.readFileSync(`${dir}/shot.png`));
    const colours = new Set<number>();
    let dark = 0;
    for (const row of rows) {
      for (let i = 0; i + 2 < row.length; i += channels) {
        colours.add((row[i] << 16) | (row[i + 1] << 8) | row[i + 2]);
        if (row[i] + row[i + 1] + row[i + 2] < 200) dark++;
      }
    }
    assert.ok(colours.size > 20, `a rendered page has many colours (${colours.size})`);
    assert.ok(dark > 1000, `and text and lanes in dark pixels (${dark})`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
