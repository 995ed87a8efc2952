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
  rec = checkRecording(rec, "recording");
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
  for (const lane of rec.lanes) {
    const tid = hotplugTid(lane.cpu);
    for (const t of lane.ticks) {
      put({ name: "tick", cat: "tick", ph: "i", s: "t", ts: us(t), pid: PID, tid });
    }
  }
  // Each track in time order; the sort is stable, so the events of one instant keep the order
  // they happened in (a walk's pairs, then a tick at that instant).
  const events: ChromeEvent[] = [...meta];
  for (const [, list] of [...tracks].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.ts - b.ts);
    for (const e of list) events.push(e);
  }
  return {
    traceEvents: events,
    displayTimeUnit: "ns",
    otherData: {
      tool: "hvtick",
      config: JSON.stringify(rec.config),
      design: rec.design,
      timestamps: "simulation time (host view), microseconds",
    },
  };
}
