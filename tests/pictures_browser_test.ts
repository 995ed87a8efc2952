/**
 * Every picture in a real browser at three widths: the picture goldens' timelines, a 256-vCPU
 * hibernation and resume, a comparison and the HTML report, on one page per width. Chromium lays
 * them out; a script on the page measures what it drew (--dump-dom) and a screenshot is decoded:
 * the title, legend, axis and inset labels inside the picture and the viewport, no two callback
 * rectangles of a walk overlapping, no two change labels overlapping, and the legend's swatches
 * and the walks' device cells showing their colours on screen.
 */
import assert from "node:assert/strict";
import { compareSvg, record, reportHtml, timelineSvg } from "../mod.ts";
import { PICTURES, recordScript } from "./pictures.ts";
import { findChromium, pixel, pngPixels, runChromium } from "./browser.ts";

const WIDTHS = [500, 900, 1600];

const scripts = [...Deno.readDirSync(PICTURES)].filter((e) => e.name.endsWith(".hvt"))
  .map((e) => e.name).sort();
const recordings = scripts.map((name) => ({
  name,
  rec: recordScript(Deno.readTextFileSync(new URL(name, PICTURES)), name),
}));
recordings.push({
  name: "256 vCPUs, hibernate and resume",
  rec: record({ hyperv: "2025", kernel: "6.6", cpus: 256 }, [
    "advance 30ms",
    "hibernate",
    "advance 5ms",
    "resume",
    "advance 5ms",
  ]),
});
const byName = (n: string) => recordings.find((r) => r.name === n)!.rec;

/** What the page's script measures, per top-level picture. */
interface Measured {
  readonly width: number;
  readonly height: number;
  readonly pictures: readonly {
    readonly name: string;
    readonly outside: readonly string[];
    readonly overlaps: readonly string[];
    readonly steps: number;
    readonly labels: number;
    readonly samples: readonly { fill: string; x: number; y: number; what: string }[];
  }[];
}

// Runs in the page, after the pictures: measures the layout Chromium made of them.
const MEASURE = `
const vw = document.documentElement.clientWidth;
const box = (e) => e.getBoundingClientRect();
const apart = (a, b) => a.right <= b.left + 0.25 || b.right <= a.left + 0.25 ||
  a.bottom <= b.top + 0.25 || b.bottom <= a.top + 0.25;
const pictures = [];
for (const svg of document.querySelectorAll("svg")) {
  if (svg.parentElement.closest("svg")) continue;
  const name = svg.closest("[data-name]").dataset.name;
  const outer = box(svg);
  const outside = [];
  const overlaps = [];
  const samples = [];
  for (const e of svg.querySelectorAll(".title, .legend, .axis, .walk text, .walk-op text")) {
    const r = box(e);
    if (r.left < Math.max(0, outer.left) - 0.5 || r.right > Math.min(vw, outer.right) + 0.5 ||
      r.top < outer.top - 0.5 || r.bottom > outer.bottom + 0.5) {
      outside.push(e.textContent + " at " + [r.left, r.top, r.right, r.bottom].map(Math.round));
    }
  }
  const entries = [...svg.querySelectorAll(".legend")].map(box);
  for (let i = 0; i < entries.length; i++) for (let j = i + 1; j < entries.length; j++) {
    if (!apart(entries[i], entries[j])) overlaps.push("legend entries " + i + " and " + j);
  }
  for (const g of svg.querySelectorAll(".legend")) {
    if (g.querySelectorAll("rect").length > 1) continue; // the hatched swatch: stripes over grey
    const r = box(g.querySelector("rect"));
    if (r.width < 4 || r.height < 4) continue; // too small to have one pixel of its own
    samples.push({ fill: g.querySelector("rect").getAttribute("fill"), what: "legend " + g.textContent,
      x: (r.left + r.right) / 2 + scrollX, y: (r.top + r.bottom) / 2 + scrollY });
  }
  let steps = 0, labels = 0;
  for (const w of svg.querySelectorAll(".walk")) {
    const rects = [...w.querySelectorAll("rect.step")].map(box);
    steps += rects.length;
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      if (!apart(rects[i], rects[j])) overlaps.push("steps " + i + " and " + j + " of walk " + w.dataset.op);
    }
    const texts = [...w.querySelectorAll(".change text")];
    labels += texts.length;
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      if (!apart(box(texts[i]), box(texts[j]))) overlaps.push("labels " + texts[i].textContent + " / " + texts[j].textContent);
    }
    for (const d of w.querySelectorAll("rect.walk-device")) {
      const r = box(d);
      if (r.width >= 4 && r.height >= 4) samples.push({ fill: d.getAttribute("fill"), what: "device cell " + d.dataset.device,
        x: (r.left + r.right) / 2 + scrollX, y: (r.top + r.bottom) / 2 + scrollY });
    }
  }
  pictures.push({ name, outside, overlaps, steps, labels, samples });
}
document.getElementById("measured").textContent = JSON.stringify({
  width: vw, height: document.documentElement.scrollHeight, pictures });
`;

function page(width: number): string {
  const report = reportHtml(byName("hibernate-54.hvt"));
  const style = /<style>([\s\S]*?)<\/style>/.exec(report)![1];
  const body = /<body>([\s\S]*)<\/body>/.exec(report)![1];
  const pictures = [
    ...recordings.map(({ name, rec }) => [name, timelineSvg(rec, { width })]),
    ["compare", compareSvg(byName("hibernate-54.hvt"), byName("hibernate-55.hvt"), { width })],
  ];
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${style}
body{margin:0}.pic{margin:0 0 8px 0}</style></head><body>
<div data-name="report">${body}</div>
${pictures.map(([name, svg]) => `<div class="pic" data-name="${name}">${svg}</div>`).join("\n")}
<pre id="measured"></pre><script>${MEASURE}</script></body></html>`;
}

Deno.test("every picture in headless Chromium at 500, 900 and 1600 px: nothing clipped, no overlaps, colours on screen", async (t) => {
  const chromium = await findChromium();
  const dir = Deno.makeTempDirSync({ dir: ".", prefix: ".browser-test-" });
  try {
    for (const width of WIDTHS) {
      await t.step(`${width} px`, async () => {
        const file = `${Deno.realPathSync(dir)}/pictures-${width}.html`;
        Deno.writeTextFileSync(file, page(width));
        const dom = await runChromium(chromium, dir, file, [
          "--dump-dom",
          `--window-size=${width},1000`,
        ]);
        const text = /<pre id="measured">([^<]*)<\/pre>/.exec(dom)?.[1];
        assert.ok(text, "the page's script ran");
        const m: Measured = JSON.parse(
          text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
            .replace(/&amp;/g, "&"),
        );
        assert.equal(m.width, width);
        // Report, 6 timelines, the comparison.
        assert.equal(m.pictures.length, recordings.length + 2);
        for (const p of m.pictures) {
          assert.deepEqual(p.outside, [], `${p.name} at ${width} px: drawn outside`);
          assert.deepEqual(p.overlaps, [], `${p.name} at ${width} px: overlapping`);
        }
        assert.ok(m.pictures.every((p) => p.steps > 0), "every picture has walks");
        // The whole page in one screenshot, so document and screen coordinates agree.
        const shot = `${Deno.realPathSync(dir)}/shot-${width}.png`;
        await runChromium(chromium, dir, file, [
          `--screenshot=${shot}`,
          `--window-size=${width},${m.height}`,
        ]);
        const png = await pngPixels(Deno.readFileSync(shot));
        assert.equal(png.width, width);
        let sampled = 0;
        for (const p of m.pictures) {
          for (const s of p.samples) {
            // White swatches look like the page; the others must be on screen in their colour.
            if (s.fill === "#ffffff" || !s.fill.startsWith("#") || s.y >= png.rows.length) continue;
            const got = pixel(png, s.x, s.y);
            const near = [1, 3, 5].every((i) => {
              const want = s.fill.length === 4
                ? parseInt(s.fill[(i + 1) / 2].repeat(2), 16)
                : parseInt(s.fill.slice(i, i + 2), 16);
              return Math.abs(parseInt(got.slice(i, i + 2), 16) - want) <= 12;
            });
            assert.ok(
              near,
              `${p.name} at ${width} px: ${s.what} is ${got} on screen, not ${s.fill}`,
            );
            sampled++;
          }
        }
        assert.ok(sampled > 50, `${sampled} colours checked on screen`);
      });
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
