/**
 * The REPL's breakpoints and how it tells where a run stopped. Breakpoints belong to the machine
 * (a new `vm` starts with none, as its session log does); `break` and `delete` are logged
 * commands, so a saved session replays to the same stops.
 *
 * @module
 */

import type { Condition, Machine, RunUntilResult, StopPoint } from "../mod.ts";
import { conditionText } from "../mod.ts";
import { stopPlace } from "../lib/engine/stops.ts";
import type { Result } from "./command.ts";

/** One breakpoint: its number (`delete N`) and condition. */
export interface Breakpoint {
  /** Its number, from 1, never reused on this machine. */
  readonly id: number;
  /** What stops a run. */
  readonly condition: Condition;
}

const STORE = new WeakMap<Machine, { next: number; list: Breakpoint[] }>();

/**
 * The breakpoints of `m` (a live list).
 *
 * @example
 * ```ts
 * import { addBreakpoint, breakpointsOf } from "./stops.ts";
 * import { vm } from "../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().cpus(2).build();
 * addBreakpoint(m, { kind: "hang" });
 * assert.deepEqual(breakpointsOf(m), [{ id: 1, condition: { kind: "hang" } }]);
 * ```
 */
export function breakpointsOf(m: Machine): Breakpoint[] {
  let s = STORE.get(m);
  if (!s) STORE.set(m, s = { next: 1, list: [] });
  return s.list;
}

/** Adds a breakpoint to `m`; returns it. */
export function addBreakpoint(m: Machine, condition: Condition): Breakpoint {
  const list = breakpointsOf(m);
  const s = STORE.get(m)!;
  const b = { id: s.next++, condition };
  list.push(b);
  return b;
}

/**
 * Every tick device, by CPU (to tell what a run changed): the device names only, in one call (a
 * whole `cpus()` listing, twice a step, was 0.7 ms of a step at 2048 vCPUs), which the machine
 * keeps as they change (reading all 2048 CPUs twice was another 0.25 ms of a step, issue 15).
 */
export function devicesNow(m: Machine): (string | null)[] {
  return m.boundDevices();
}

/** The lines that say where a run stopped and what it changed on the way. */
export function stopLines(
  m: Machine,
  before: readonly (string | null)[],
  at: StopPoint,
): string[] {
  const bp = breakpointsOf(m).find((b) => at.reason.startsWith(`${conditionText(b.condition)}:`));
  const why = at.reason === "step" ? "step" : bp ? `breakpoint ${bp.id}, ${at.reason}` : at.reason;
  const lines = [
    `stopped ${stopPlace(at)}${at.cpu === null ? "" : ` on CPU${at.cpu}`}: ${why}`,
  ];
  if (at.cpu !== null) {
    const c = m.cpu(at.cpu);
    lines.push(
      `  CPU${at.cpu} at state ${c.state} (${c.stateName}), target ${c.target}; tick device ${
        c.device ?? "(none)"
      }`,
    );
  }
  lines.push(...changeLines(m, before));
  return lines;
}

/** `  CPUn: new <- old` for each CPU whose tick device changed since `before`. */
export function changeLines(m: Machine, before: readonly (string | null)[]): string[] {
  const now = devicesNow(m);
  const lines: string[] = [];
  for (let cpu = 0; cpu < now.length; cpu++) {
    const d = now[cpu];
    if (d !== before[cpu]) {
      lines.push(`  CPU${cpu}: ${d ?? "(none)"} <- ${before[cpu] ?? "(none)"}`);
    }
  }
  return lines;
}

/** What a `--json` record carries of a run until a condition. */
export function stopRecord(r: RunUntilResult): unknown {
  return { stopped: r.stopped, result: r.result, advanced: r.advanced };
}

/**
 * What the REPL answers for a run until a condition: the operation's own answer `done` when it
 * ended (a failed one fails the command), then `lines` (where it stopped).
 */
export function stopResult(
  done: Result | null,
  lines: readonly string[],
  r: RunUntilResult,
): Result {
  return {
    text: [...(done?.text ? [done.text] : []), ...lines].join("\n"),
    result: stopRecord(r),
    ...(done && done.ok === false ? { ok: false, error: done.error } : {}),
  };
}
