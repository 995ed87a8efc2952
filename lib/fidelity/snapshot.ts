/**
 * A snapshot (rig/guest/lib.sh `snap`) as readings: its six `--- ` sections, each parsed the way
 * the guest printed it. The same code reads the real log and the model's rendering of it.
 *
 * @module
 */

import { type Reading, reading } from "./reading.ts";

/** The counters of one `/proc/interrupts` row, by CPU column name (`CPU0`…). */
export type InterruptCounts = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** A parsed section: readings and, for `/proc/interrupts`, the counters. */
export interface Parsed {
  /** Every reading, in print order. */
  readonly readings: Reading[];
  /** Row label → column → count (empty when the section has no interrupt rows). */
  readonly interrupts: InterruptCounts;
}

/** `key: value` lines (`cpu/offline: ` has an empty value). */
function keyValues(lines: readonly string[], at: number, out: Reading[]): void {
  lines.forEach((l, i) => {
    const cut = l.indexOf(":");
    if (cut < 0) return void out.push(reading(`line`, l, at + i));
    out.push(reading(l.slice(0, cut), l.slice(cut + 1).replace(/^ /, ""), at + i));
  });
}

/** `cpuN: online=… hotplug/state=… hotplug/target=… hotplug/fail=…` lines. */
function hotplugLines(lines: readonly string[], at: number, out: Reading[]): void {
  const cpus: string[] = [];
  lines.forEach((l, i) => {
    const [cpu, rest = ""] = l.split(": ");
    cpus.push(cpu);
    for (const field of rest.split(" ")) {
      const eq = field.indexOf("=");
      out.push(reading(`${cpu} ${field.slice(0, eq)}`, field.slice(eq + 1), at + i));
    }
  });
  out.push(reading("hotplug cpus", cpus.join(" "), at));
}

/** The `/proc/interrupts` header and rows (arch/x86/kernel/irq.c arch_show_interrupts). */
function interruptLines(
  lines: readonly string[],
  at: number,
  out: Reading[],
): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  if (lines.length === 0) return counts;
  const columns = lines[0].trim().split(/\s+/);
  out.push(reading("interrupts columns", columns.join(" "), at));
  const labels: string[] = [];
  lines.slice(1).forEach((l, i) => {
    const m = /^\s*([^:\s]+):((?:\s+\d+)*)(.*)$/.exec(l);
    if (!m) return void out.push(reading("interrupts line", l, at + 1 + i));
    const [, label, numbers, text] = m;
    labels.push(label);
    const values = numbers.trim() === "" ? [] : numbers.trim().split(/\s+/).map(Number);
    out.push(reading(`interrupts ${label} text`, text, at + 1 + i));
    out.push(reading(`interrupts ${label} columns`, String(values.length), at + 1 + i));
    counts.set(label, new Map(columns.map((c, j) => [c, values[j] ?? NaN])));
  });
  out.push(reading("interrupts rows", labels.join(" "), at));
  return counts;
}

/**
 * The tick-device part of `/proc/timer_list` (kernel/time/timer_list.c print_tickdevice), one
 * reading per field line, keyed by device and field label, with the line verbatim as the value
 * (spacing differs between releases), and each device's layout (its labels in order).
 */
export function tickLines(lines: readonly string[], at: number, out: Reading[]): void {
  let who = "";
  let layout: string[] = [];
  const devices: string[] = [];
  const flush = () => {
    if (who) out.push(reading(`tick ${who} layout`, layout.join("|"), at));
    layout = [];
  };
  lines.forEach((l, i) => {
    const line = at + i;
    if (l.startsWith("tick_broadcast")) {
      flush();
      who = "";
      keyValues([l], line, out);
      return;
    }
    if (l.startsWith("Tick Device:")) {
      flush();
      who = "?";
      layout = ["Tick Device:"];
      return void out.push(reading("tick ? mode", l, line));
    }
    if (who === "?" || (who && (l === "Broadcast device" || l.startsWith("Per CPU device: ")))) {
      who = l === "Broadcast device" ? "broadcast" : `cpu${l.slice("Per CPU device: ".length)}`;
      devices.push(who);
      const mode = out.pop()!;
      out.push(reading(`tick ${who} Tick Device:`, mode.value, mode.line));
      layout.push(l === "Broadcast device" ? l : "Per CPU device:");
      return;
    }
    if (!who) return void (l !== "" && out.push(reading("timer_list line", l, line)));
    const label = l === "" ? "" : l.slice(0, l.indexOf(":") + 1) || l;
    layout.push(label);
    if (l !== "") out.push(reading(`tick ${who} ${label.trim()}`, l, line));
  });
  flush();
  out.push(reading("tick devices", devices.join(" "), at));
}

const SECTIONS: Readonly<
  Record<string, (lines: readonly string[], at: number, out: Reading[]) => unknown>
> = {
  "cpu masks": keyValues,
  "clockevents (per clockeventN/current_device + broadcast)": keyValues,
  "clocksource": keyValues,
  "per-cpu hotplug state/target/fail": hotplugLines,
  "/proc/interrupts (timer rows)": interruptLines,
  "/proc/timer_list tick devices (all CPUs)": tickLines,
};

/** The section names a snapshot has, in the order lib.sh prints them. */
export const SNAPSHOT_SECTIONS: readonly string[] = Object.keys(SECTIONS);

/**
 * Parses a snapshot body (the lines after its header; `at` is the first body line's number).
 *
 * @example
 * ```ts
 * import { parseSnapshot } from "./snapshot.ts";
 * import assert from "node:assert/strict";
 * const p = parseSnapshot([
 *   "--- clockevents (per clockeventN/current_device + broadcast)",
 *   "clockevent0: lapic",
 *   "clockevent1: ",
 *   "broadcast: hpet",
 * ], 10);
 * assert.deepEqual(p.readings.map((r) => [r.key, r.value, r.line]), [
 *   ["sections", "clockevents (per clockeventN/current_device + broadcast)", 10],
 *   ["clockevent0", "lapic", 11],
 *   ["clockevent1", "", 12],
 *   ["broadcast", "hpet", 13],
 * ]);
 * ```
 */
export function parseSnapshot(body: readonly string[], at: number): Parsed {
  const readings: Reading[] = [];
  let interrupts: InterruptCounts = new Map();
  const names: string[] = [];
  let start = -1;
  const close = (end: number) => {
    if (start < 0) return;
    const name = body[start].slice(4);
    const parse = SECTIONS[name];
    const lines = body.slice(start + 1, end);
    if (!parse) readings.push(reading("unknown section", name, at + start));
    else {
      const got = parse(lines, at + start + 1, readings);
      if (got instanceof Map) interrupts = got;
    }
  };
  body.forEach((l, i) => {
    if (!l.startsWith("--- ")) return;
    close(i);
    names.push(l.slice(4));
    start = i;
  });
  close(body.length);
  readings.unshift(reading("sections", names.join(" | "), at));
  return { readings, interrupts };
}
