/**
 * A recording in the Chrome trace event format (the JSON that ui.perfetto.dev and
 * chrome://tracing open). Per CPU three tracks: "CPUn" with the ticks and hangs as instant
 * events, "CPUn tick device" with the device spans, and "CPUn hotplug steps" with its walks'
 * callbacks as B/E pairs, nested as the walk nests them, and its tick-device changes as instants.
 * One more track holds hibernated stretches and the marks. Timestamps are simulation
 * microseconds, except on the hotplug steps tracks: hotplug takes no simulated time, so there
 * each callback and each change is given {@linkcode STEP_US} µs of synthetic time from its walk's
 * start (or from the end of the track's walk before, if later), so a viewer shows the steps
 * side by side. A callback that never returned (a hang) has its B and no E.
 *
 * @module
 */

import { checkRecording } from "./recording_check.ts";
import { show } from "../util/show.ts";
import type { Recording } from "./record.ts";
import { changeText } from "./walk_svg.ts";

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

/** Synthetic duration of one place on a walk's axis (a callback's own part, or a change), µs. */
export const STEP_US = 1;

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
  const hotplugTid = (cpu: number) => 3 * cpu + 1;
  const deviceTid = (cpu: number) => 3 * cpu + 2;
  const stepsTid = (cpu: number) => 3 * cpu + 3;
  const vmTid = 3 * cpus + 1;
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
    track(stepsTid(cpu), `CPU${cpu} hotplug steps (synthetic: ${STEP_US} µs per callback)`);
  }
  track(vmTid, "VM");

  // Per track, events in the order they happened (times never decrease along a track).
  const tracks = new Map<number, ChromeEvent[]>();
  const put = (e: ChromeEvent) => {
    const list = tracks.get(e.tid) ?? [];
    list.push(e);
    tracks.set(e.tid, list);
  };
  for (const { time, event: e } of rec.events) {
    if (e.type !== "hang") continue;
    put({
      name: "hang",
      cat: "hang",
      ph: "i",
      s: "t",
      ts: us(time),
      pid: PID,
      tid: hotplugTid(e.cpu),
      args: { idx: e.idx, reason: e.reason },
    });
  }
  walkSteps(rec, stepsTid, put);
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
      "hotplug steps":
        `synthetic: each callback and each tick-device change of a walk takes ${STEP_US} µs from the walk's simulation time (hotplug takes no simulated time)`,
    },
  };
}

/**
 * Each CPU's walks on its hotplug steps track: B at a callback's entry, E where it returned
 * (none if it never did), an instant per tick-device change, {@linkcode STEP_US} µs a place.
 */
function walkSteps(rec: Recording, tid: (cpu: number) => number, put: (e: ChromeEvent) => void) {
  const cursor = new Map<number, number>();
  for (const w of rec.walks) {
    const start = Math.max(us(w.time), cursor.get(w.cpu) ?? 0);
    const at = (unit: number) => start + unit * STEP_US;
    // By place; at one place the callbacks ending there (innermost first), then those starting.
    const items: { unit: number; order: number; e: ChromeEvent }[] = [];
    w.steps.forEach((s, i) => {
      const name = `${s.state} ${s.callback}`;
      const args = { state: s.state, stateName: s.stateName, teardown: s.teardown };
      items.push({
        unit: w.enter[i],
        order: 1,
        e: {
          name,
          cat: "cpuhp",
          ph: "B",
          ts: at(w.enter[i]),
          pid: PID,
          tid: tid(w.cpu),
          args: s.hung ? { ...args, hung: "never returns: the operation hangs here" } : args,
        },
      });
      const exit = w.exit[i];
      if (exit !== null) {
        items.push({
          unit: exit,
          order: -s.depth - 1,
          e: { name, cat: "cpuhp", ph: "E", ts: at(exit), pid: PID, tid: tid(w.cpu) },
        });
      }
    });
    for (const c of w.changes) {
      items.push({
        unit: c.unit,
        order: 0,
        e: {
          name: `${c.device ?? "(none)"} <- ${c.previous ?? "(none)"}`,
          cat: "tick_device",
          ph: "i",
          s: "t",
          ts: at(c.unit),
          pid: PID,
          tid: tid(w.cpu),
          args: { change: changeText(w, c) },
        },
      });
    }
    items.sort((a, b) => a.unit - b.unit || a.order - b.order);
    for (const item of items) put(item.e);
    cursor.set(w.cpu, at(w.units) + STEP_US);
  }
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
