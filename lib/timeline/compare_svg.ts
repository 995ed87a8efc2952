/**
 * Two timelines on one time axis, A above B (the picture of `compare`).
 *
 * @module
 */

import type { Recording } from "./record.ts";
import { drawTimeline, type TimelineOptions } from "./svg.ts";
import { checkRecording } from "./recording_check.ts";
import { checkTimelineOptions } from "./window.ts";

/**
 * Two recordings one above the other on the same time axis (for `compare`): each drawn over the
 * longer of the two runs, titled A and B.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { compareSvg } from "./compare_svg.ts";
 * import assert from "node:assert/strict";
 * const a = record({ hyperv: "2019", kernel: "5.4", cpus: 2 }, ["offline 1"]);
 * const b = record({ hyperv: "2019", kernel: "5.5", cpus: 2 }, ["offline 1"]);
 * assert.equal(compareSvg(a, b).match(/<svg /g)?.length, 3);
 * ```
 */
export function compareSvg(
  a: Recording,
  b: Recording,
  options: Omit<TimelineOptions, "title"> = {},
): string {
  options = checkTimelineOptions(options, "options");
  if ((options as TimelineOptions).title !== undefined) {
    throw new TypeError(`options: unknown key "title" (each picture is titled A or B)`);
  }
  a = checkRecording(a, "recording a");
  b = checkRecording(b, "recording b");
  const until = options.until ?? Math.max(a.end, b.end, (options.since ?? 0) + 1);
  const parts = ([["A", a], ["B", b]] as const).map(([name, rec]) =>
    drawTimeline(rec, {
      ...options,
      until,
      title:
        `${name}: Linux ${rec.config.kernel} on Hyper-V ${rec.config.hyperv}, ${rec.config.arch}: ${rec.design}`,
    })
  );
  const size = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
  const width = Number(/width="(\d+)"/.exec(parts[0])![1]);
  const [ha, hb] = parts.map(size);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${
      ha + hb
    }" viewBox="0 0 ${width} ${ha + hb}">`,
    parts[0].replace("<svg ", `<svg x="0" y="0" `),
    parts[1].replace("<svg ", `<svg x="0" y="${ha}" `),
    "</svg>",
  ].join("\n");
}
