/**
 * A recording in the Chrome trace event format (the JSON that ui.perfetto.dev and
 * chrome://tracing open). Per CPU two tracks: "CPUn" with the hotplug callbacks as B/E pairs
 * (cpuhp_enter/cpuhp_exit, nested as the walk nests them) and the ticks as instant events, and
 * "CPUn tick device" with the device spans. One more track holds hibernated stretches and the
 * marks. Timestamps are simulation microseconds. Hotplug takes no simulated time, so a walk's
 * pairs share one timestamp; their order in the file is their order.
 *
 * @module
 */

import { checkRecording } from "./recording_check.ts";
import { show } from "../util/show.ts";
import type { Recording } from "./record.ts";

/** One trace event (the fields this exporter writes). */
export interface ChromeEvent {
  /** Name. */
  readonly name: string;
  /** Phase: B, E, i (instant) or M (metadata). */
  readonly ph: "B" | "E" | "i" | "M";
  /** Timestamp, microseconds. */
  readonly ts: number;
  /** Process. */
  readonly pid: number;
  /** Thread (track). */
  readonly tid: number;
  /** Category. */
  readonly cat?: string;
  /** Instant scope ("t": thread). */
  readonly s?: "t";
  /** Arguments. */
  readonly args?: Readonly<Record<string, unknown>>;
}

/** The JSON object format. */
export interface ChromeTrace {
  /** The events. */
  readonly traceEvents: readonly ChromeEvent[];
  /** How viewers show time. */
  readonly displayTimeUnit: "ns";
  /** What was recorded. */
  readonly otherData: Readonly<Record<string, string>>;
}

const PID = 1;
const us = (ns: number) => ns / 1000;

/** The trace's fixed parts: metadata events first, then per track the events in time order. */
interface Tracks {
  readonly meta: readonly ChromeEvent[];
  /** Per track (ascending), its events other than ticks, in time order. */
  readonly tracks: readonly (readonly [number, readonly ChromeEvent[]])[];
  /** Per hotplug track, its ticks (simulation ns, ascending). */
  readonly ticks: ReadonlyMap<number, Float64Array>;
  readonly otherData: Readonly<Record<string, string>>;
}

function tracksOf(rec: Recording): Tracks {
  const cpus = rec.lanes.length;
  const hotplugTid = (cpu: number) => 2 * cpu + 1;
  const deviceTid = (cpu: number) => 2 * cpu + 2;
  const vmTid = 2 * cpus + 1;
  const meta: ChromeEvent[] = [
    {
      name: "process_name",
      ph: "M",
      ts: 0,
      pid: PID,
      tid: 0,
      args: { name: `Linux ${rec.config.kernel} on Hyper-V ${rec.config.hyperv} (hvtick)` },
    },
  ];
  const track = (tid: number, name: string) =>
    meta.push(
      { name: "thread_name", ph: "M", ts: 0, pid: PID, tid, args: { name } },
      { name: "thread_sort_index", ph: "M", ts: 0, pid: PID, tid, args: { sort_index: tid } },
    );
  for (let cpu = 0; cpu < cpus; cpu++) {
    track(hotplugTid(cpu), `CPU${cpu}`);
    track(deviceTid(cpu), `CPU${cpu} tick device`);
  }
  track(vmTid, "VM");

  // Per track, events in the order they happened (times never decrease along a track).
  const tracks = new Map<number, ChromeEvent[]>();
  const put = (e: ChromeEvent) => {
    const list = tracks.get(e.tid) ?? [];
    list.push(e);
    tracks.set(e.tid, list);
  };
  const open = new Map<number, number>();
  for (const { time, event: e } of rec.events) {
    const tid = hotplugTid(e.cpu);
    if (e.type === "cpuhp_enter") {
      open.set(tid, (open.get(tid) ?? 0) + 1);
      put({
        name: `${e.idx} ${e.fun}`,
        cat: "cpuhp",
        ph: "B",
        ts: us(time),
        pid: PID,
        tid,
        args: { cpu: e.cpu, target: e.target, idx: e.idx, fun: e.fun, on: e.on },
      });
    } else if (e.type === "cpuhp_exit") {
      open.set(tid, (open.get(tid) ?? 0) - 1);
      put({
        name: "",
        cat: "cpuhp",
        ph: "E",
        ts: us(time),
        pid: PID,
        tid,
        args: { state: e.state, idx: e.idx, ret: e.ret },
      });
    } else if (e.type === "hang") {
      put({
        name: "hang",
        cat: "hang",
        ph: "i",
        s: "t",
        ts: us(time),
        pid: PID,
        tid,
        args: { idx: e.idx, reason: e.reason },
      });
    }
  }
  // A callback that never returned (a hang) is still running when the recording ends.
  for (const [tid, depth] of open) {
    for (let i = 0; i < depth; i++) {
      put({
        name: "",
        cat: "cpuhp",
        ph: "E",
        ts: us(rec.end),
        pid: PID,
        tid,
        args: { unfinished: "still running when the recording ends (hang)" },
      });
    }
  }
  for (const lane of rec.lanes) {
    const tid = deviceTid(lane.cpu);
    for (const d of lane.devices) {
      if (d.device === null) continue;
      const args = { device: d.device };
      put({ name: d.device, cat: "tick_device", ph: "B", ts: us(d.from), pid: PID, tid, args });
      put({ name: d.device, cat: "tick_device", ph: "E", ts: us(d.to), pid: PID, tid, args });
    }
  }
  for (const h of rec.hibernated) {
    put({ name: "hibernated", cat: "power", ph: "B", ts: us(h.from), pid: PID, tid: vmTid });
    put({ name: "hibernated", cat: "power", ph: "E", ts: us(h.to), pid: PID, tid: vmTid });
  }
  for (const m of rec.marks) {
    put({
      name: m.what,
      cat: "violation",
      ph: "i",
      s: "t",
      ts: us(m.time),
      pid: PID,
      tid: vmTid,
      args: { cpu: m.cpu, reason: m.reason, expected: m.expected },
    });
  }
  const ticks = new Map<number, Float64Array>();
  for (const lane of rec.lanes) {
    if (lane.ticks.length) ticks.set(hotplugTid(lane.cpu), lane.ticks);
    if (!tracks.has(hotplugTid(lane.cpu)) && lane.ticks.length) {
      tracks.set(hotplugTid(lane.cpu), []);
    }
  }
  // Each track in time order; the sort is stable, so the events of one instant keep the order
  // they happened in (a walk's pairs, then a tick at that instant).
  for (const list of tracks.values()) list.sort((a, b) => a.ts - b.ts);
  return {
    meta,
    tracks: [...tracks].sort((a, b) => a[0] - b[0]),
    ticks,
    otherData: {
      tool: "hvtick",
      config: JSON.stringify(rec.config),
      design: rec.design,
      timestamps: "simulation time (host view), microseconds",
    },
  };
}

/** Every event of the trace in file order, ticks made as they are reached. */
function* eventsOf(t: Tracks): Generator<ChromeEvent> {
  yield* t.meta;
  for (const [tid, list] of t.tracks) {
    const ticks = t.ticks.get(tid) ?? new Float64Array(0);
    let i = 0;
    for (const e of list) {
      // A tick at an event's instant comes after it (it was recorded after the walk's pairs).
      for (; i < ticks.length && us(ticks[i]) < e.ts; i++) yield tick(ticks[i], tid);
      yield e;
    }
    for (; i < ticks.length; i++) yield tick(ticks[i], tid);
  }
}

const tick = (t: number, tid: number): ChromeEvent => ({
  name: "tick",
  cat: "tick",
  ph: "i",
  s: "t",
  ts: us(t),
  pid: PID,
  tid,
});

/**
 * Builds the Chrome trace of a recording.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { chromeTrace } from "./chrome.ts";
 * import assert from "node:assert/strict";
 * const t = chromeTrace(record({ hyperv: "2019", kernel: "5.5", cpus: 2 }, ["offline 1"]));
 * const b = t.traceEvents.filter((e) => e.ph === "B" && e.cat === "cpuhp").length;
 * assert.equal(b, t.traceEvents.filter((e) => e.ph === "E" && e.cat === "cpuhp").length);
 * ```
 * @throws {TypeError|RangeError} for what is not a recording (naming where it is wrong).
 */
export function chromeTrace(rec: Recording): ChromeTrace {
  const t = tracksOf(checkRecording(rec, "recording"));
  return { traceEvents: [...eventsOf(t)], displayTimeUnit: "ns", otherData: t.otherData };
}

/**
 * The Chrome trace's JSON text in pieces of about `chunk` characters, for writing to a file:
 * the same text as `JSON.stringify(chromeTrace(rec))`, made as it is written, so a recording of
 * tens of millions of ticks never becomes one string (or one array of events).
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { chromeTrace, chromeTraceJson } from "./chrome.ts";
 * import assert from "node:assert/strict";
 * const rec = record({ cpus: 2 }, ["advance 20ms", "offline 1"]);
 * assert.equal([...chromeTraceJson(rec, 100)].join(""), JSON.stringify(chromeTrace(rec)));
 * ```
 * @throws {TypeError|RangeError} for what is not a recording or a bad `chunk` (when iterated).
 */
export function* chromeTraceJson(rec: Recording, chunk = 1 << 16): Generator<string> {
  if (!Number.isSafeInteger(chunk) || chunk < 1) {
    throw new RangeError(`Invalid chunk ${show(chunk)}: expected a positive integer (characters)`);
  }
  const t = tracksOf(checkRecording(rec, "recording"));
  let out = '{"traceEvents":[';
  let first = true;
  for (const e of eventsOf(t)) {
    out += (first ? "" : ",") + JSON.stringify(e);
    first = false;
    if (out.length >= chunk) {
      yield out;
      out = "";
    }
  }
  yield `${out}],"displayTimeUnit":"ns","otherData":${JSON.stringify(t.otherData)}}`;
}
