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

const golden = (name: string) => recordScript(Deno.readTextFileSync(new URL(name, PICTURES)), name);

Deno.test("walk insets: one per walk (alike walks share one), callbacks never overlap, zoom keeps only the walks in view", () => {
  const rec = golden("hibernate-55.hvt");
  // Each CPU goes down, up (image creation) and down again (power-off), then up on resume.
  assert.deepEqual(
    rec.walks.map((w) => [w.cpu, w.pass, w.steps[0].teardown]),
    [
      [1, "image creation", true],
      [1, "image creation", false],
      [1, "power-off", true],
      [1, "", false],
    ],
  );
  for (const width of [300, 500, 1600]) {
    const svg = timelineSvg(rec, { width });
    const insets = svg.split("\n").filter((l) => l.startsWith('<g class="walk" '));
    assert.equal(insets.length, 4);
    for (const inset of insets) {
      // Per row (depth), the callbacks' rectangles are disjoint and inside the picture.
      const rows = new Map<string, [number, number][]>();
      for (
        const m of inset.matchAll(/<rect class="step" x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g)
      ) {
        const [x, w] = [Number(m[1]), Number(m[3])];
        assert.ok(w > 0 && x >= 84 && x + w <= width - 30 + 0.01, `${x}+${w} at ${width}`);
        rows.set(m[2], [...rows.get(m[2]) ?? [], [x, x + w]]);
      }
      for (const spans of rows.values()) {
        spans.sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1] - 0.02);
      }
    }
  }
  // A wider picture gives the same walk wider callbacks.
  const cell = (width: number) =>
    Number(
      /<rect class="step" x="[\d.]+" y="\d+" width="([\d.]+)"/.exec(
        timelineSvg(rec, { width }),
      )![1],
    );
  assert.ok(cell(1600) > 3 * cell(500));
  // Zoomed to before the resume: its walk is not drawn.
  const zoomed = timelineSvg(rec, { since: 0, until: 8_000_000 });
  assert.equal(zoomed.split("\n").filter((l) => l.startsWith('<g class="walk" ')).length, 3);
  // 256 vCPUs: the 255 CPUs that walked alike share an inset per walk.
  const big = record({ hyperv: "2025", kernel: "6.6", cpus: 256 }, ["hibernate", "resume"]);
  const groups = [
    ...timelineSvg(big).matchAll(/<g class="walk" data-op="\d+" data-cpus="([\d,]+)"/g),
  ];
  assert.equal(groups.length, 4);
  for (const g of groups) assert.equal(g[1].split(",").length, 255);
});

Deno.test("honest colours: expected violations grey with their names, hangs red, the hang's 'expected' as the summary says", () => {
  const legacy = timelineSvg(golden("legacy-offline.hvt"));
  const marks = [
    ...legacy.matchAll(
      /<g class="mark" data-what="([^"]+)" data-expected="(\w+)"><line [^>]*stroke="([^"]+)"/g,
    ),
  ];
  assert.ok(marks.some((m) => m[1] === "lapic-never-bound"));
  for (const m of marks) assert.deepEqual([m[2], m[3]], ["true", "#8a8a8a"], m[1]);
  assert.match(
    legacy,
    /class="mark-label"[^>]*>lapic-never-bound, hypercall-page-before-irq-affinity</,
  );
  // 5.4's hibernation hang: red, and as expected as the no-hang verdict of the run.
  const rec = golden("hibernate-54.hvt");
  const hang = rec.marks.find((m) => m.what === "hang")!;
  assert.equal(hang.expected, rec.run.invariants.find((i) => i.name === "no-hang")!.expected);
  assert.equal(hang.pass, "image creation");
  const svg = timelineSvg(rec);
  assert.match(
    svg,
    /<g class="mark" data-what="hang" data-expected="true"><line [^>]*stroke="#c00"/,
  );
  // A violation not expected on the design is red too.
  const unexpected = timelineSvg(golden("rollback-54.hvt"));
  assert.match(
    unexpected,
    /<g class="mark" data-what="clockevent-list-sound" data-expected="false"><line [^>]*stroke="#c00"/,
  );
});

Deno.test("a bound device that does not tick is hatched: 5.4's CPU1 on the shut-down stimer after the rollback", () => {
  const rec = golden("rollback-54.hvt");
  assert.deepEqual(
    rec.lanes[1].devices.map((d) => [d.device, d.shutdown, d.from, d.to]),
    [["Hyper-V clockevent", false, 0, 4_000_000], [
      "Hyper-V clockevent",
      true,
      4_000_000,
      8_000_000,
    ]],
  );
  assert.deepEqual(rec.lanes[0].devices.map((d) => d.shutdown), [false]);
  const svg = timelineSvg(rec);
  assert.match(
    svg,
    /<rect class="device shutdown" [^>]*><title>CPU1: Hyper-V clockevent, bound but shut down \(it does not tick\) from 4 ms to 8 ms/,
  );
  assert.match(svg, /fill="url\(#hvtick-shutdown\)"/);
  // A hibernated machine ticks nowhere, but nothing there is shut down.
  assert.ok(golden("hibernate-55.hvt").lanes.every((l) => l.devices.every((d) => !d.shutdown)));
});

Deno.test("layout: one time unit per axis, the title wrapped to the width, the legend in rows that fit", () => {
  const rec = golden("hibernate-55.hvt");
  for (
    const [opts, unit] of [[{}, "ms"], [{ since: 4_000_000, until: 4_500_000 }, "ms"]] as const
  ) {
    const labels = [...timelineSvg(rec, opts).matchAll(/<text class="axis"[^>]*>([^<]+)</g)]
      .map((m) => m[1]);
    assert.ok(labels.length >= 3);
    for (const l of labels) assert.match(l, new RegExp(`^\\d+(\\.\\d+)? ${unit}$`));
  }
  const narrow = timelineSvg(rec, { width: 300 });
  const titles = [...narrow.matchAll(/<text class="title"[^>]*>([^<]+)</g)].map((m) => m[1]);
  assert.ok(titles.length >= 3);
  for (const t of titles) assert.ok(t.length <= Math.floor((300 - 16) / 7.8), t);
  // Every legend entry starts inside and its estimated end stays inside.
  for (const m of narrow.matchAll(/<g class="legend">.*?<text x="(\d+)"[^>]*>([^<]+)</g)) {
    assert.ok(Number(m[1]) + m[2].length * 6.6 <= 300, m[2]);
  }
});

Deno.test("Chrome trace: walks on 'hotplug steps' tracks with synthetic time; a hung callback begins and never ends", () => {
  const trace = chromeTrace(golden("hibernate-54.hvt")).traceEvents;
  const names = new Map(
    trace.filter((e) => e.name === "thread_name").map((e) => [e.tid, String(e.args!.name)]),
  );
  const steps = trace.filter((e) => e.cat === "cpuhp");
  assert.ok(steps.every((e) => names.get(e.tid)!.includes("hotplug steps (synthetic: 1 µs")));
  // Slices have width: each callback at least 1 µs.
  const begins = steps.filter((e) => e.ph === "B");
  const ends = steps.filter((e) => e.ph === "E");
  assert.equal(begins.length, ends.length + 1);
  const hung = begins.filter((e) => e.args?.hung);
  assert.deepEqual(hung.map((e) => e.name), ["141 smpboot_park_threads"]);
  assert.ok(
    begins.every((b, i) => i === 0 || b.ts > begins[i - 1].ts || b.tid !== begins[i - 1].tid),
  );
  // A tick-device change is an instant on the steps track, worded as the REPL words it.
  const legacy = chromeTrace(golden("legacy-52.hvt")).traceEvents;
  const change = legacy.find((e) => e.cat === "tick_device" && e.ph === "i")!;
  assert.equal(
    change.args!.change,
    "lapic <- Hyper-V clockevent   during teardown of 174 hyperv/vmbus:online",
  );
});

Deno.test("report: configuration objects as tables, a hang listed once with its hibernation pass", () => {
  const html = reportHtml(golden("hibernate-54.hvt"));
  assert.doesNotMatch(html, /\{&quot;|\{"/);
  assert.match(
    html,
    /<td>features<\/td><td><table><thead><tr><th>field<\/th><th>value<\/th><\/tr><\/thead><tbody><tr><td>referenceCounter<\/td><td>true<\/td>/,
  );
  const problems = /<ul id="problems">(.*?)<\/ul>/.exec(html)![1];
  assert.equal(problems.match(/ hang /g)?.length, 1);
  assert.match(
    problems,
    /<li>4 ms hang CPU1 in hibernation&#39;s image creation pass \(expected on this design\): CPU1 has no working clockevent device/,
  );
});

Deno.test("the README's picture is what its `deno task timeline` command draws now", () => {
  const dir = new URL("../docs/", import.meta.url);
  const rec = recordScript(
    Deno.readTextFileSync(new URL("timeline-example.hvt", dir)),
    "docs/timeline-example.hvt",
  );
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const width = Number(
    /deno task timeline docs\/timeline-example\.hvt -o docs\/timeline-example\.svg --width (\d+)/
      .exec(readme)![1],
  );
  assert.equal(
    timelineSvg(rec, { width }),
    Deno.readTextFileSync(new URL("timeline-example.svg", dir)),
    "rerun the README's command",
  );
});

Deno.test("marks inside the walks: a hang and a violation at the callback they name", () => {
  const rec = golden("hibernate-54.hvt");
  const hang = rec.marks.find((m) => m.what === "hang")!;
  assert.equal(rec.walks[hang.at!.walk].steps[hang.at!.step].callback, "smpboot_park_threads");
  const legacy = golden("legacy-52.hvt");
  const never = legacy.marks.find((m) => m.what === "lapic-never-bound")!;
  assert.equal(legacy.walks[never.at!.walk].steps[never.at!.step].callback, "hv_synic_cleanup");
  const svg = timelineSvg(legacy);
  assert.match(svg, /<path class="walk-mark" data-what="lapic-never-bound" [^>]*fill="#8a8a8a">/);
  assert.match(timelineSvg(rec), /<path class="walk-mark" data-what="hang" [^>]*fill="#c00">/);
});
