/**
 * Checking a recording that comes from outside (what the pictures and exports draw from): every
 * part of its type, its CPU and state numbers its machine's, its run a scenario run of the same
 * configuration.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import { traceEventCheck } from "../engine/trace.ts";
import { CONFIG, sameConfig } from "../api/config_check.ts";
import { type Bounds, COUNT, cpuOf, stateOf, TIME } from "../api/part_checks.ts";
import { boundsOf, cpuStateCheck, RUN, stepCheck } from "../explore/run.ts";
import {
  arrayOf,
  boolean,
  type Check,
  check,
  invalid,
  isPlainObject,
  nullable,
  object,
  readData,
  string,
} from "../util/check.ts";
import type { DeviceSpan, Lane, Mark, Recording, Transition, Walk, WalkChange } from "./record.ts";

/** Tick times: finite, ≥ 0, in order (the pictures search them). */
const TICKS = check<Float64Array>("a Float64Array of tick times, ascending", (v, at) => {
  if (!(v instanceof Float64Array)) invalid(at, v, "a Float64Array of tick times", "type");
  const t = v as Float64Array;
  for (let i = 0; i < t.length; i++) {
    if (!(t[i] >= 0 && Number.isFinite(t[i])) || (i > 0 && t[i] < t[i - 1])) {
      invalid(`${at}[${i}]`, t[i], "a tick time (≥ 0, not before the one before it)", "range");
    }
  }
  return t;
});

function lanesCheck(b: Bounds): Check<readonly Lane[]> {
  const lane = object<Lane>({
    cpu: cpuOf(b),
    devices: arrayOf(object<DeviceSpan>({
      from: TIME,
      to: TIME,
      device: nullable(string()),
      shutdown: boolean,
    }, "a device span")),
    transitions: arrayOf(object<Transition>({
      time: TIME,
      from: stateOf(b),
      to: stateOf(b),
      toName: string(),
      steps: arrayOf(stepCheck(b)),
      line: string(),
    }, "a hotplug transition")),
    startState: cpuStateCheck(b),
    ticks: TICKS,
  }, "a CPU's lane");
  const list = arrayOf(lane);
  return check(`${b.cpus} lanes, one per CPU`, (v, at) => {
    const lanes = list(v, at);
    if (lanes.length !== b.cpus) {
      invalid(at, `${lanes.length} lanes`, `${b.cpus} lanes, one per CPU`, "range");
    }
    lanes.forEach((l, i) => {
      if (l.cpu !== i) invalid(`${at}[${i}].cpu`, l.cpu, `its index, ${i}`, "range");
    });
    return lanes;
  });
}

function walksCheck(b: Bounds): Check<readonly Walk[]> {
  const unit = nullable(COUNT);
  const walk = object<Walk>({
    op: COUNT,
    time: TIME,
    cpu: cpuOf(b),
    pass: string(),
    steps: arrayOf(stepCheck(b)),
    enter: arrayOf(COUNT),
    exit: arrayOf(unit),
    changes: arrayOf(object<WalkChange>({
      unit: COUNT,
      step: unit,
      device: nullable(string()),
      previous: nullable(string()),
    }, "a walk's tick-device change")),
    units: COUNT,
  }, "a hotplug walk");
  return check("hotplug walks", (v, at) => {
    const walks = arrayOf(walk)(v, at);
    walks.forEach((w, i) => {
      // The pictures index by these: each a place on the walk's axis, each step one entry.
      const where = `${at}[${i}]`;
      if (w.enter.length !== w.steps.length || w.exit.length !== w.steps.length) {
        invalid(where, `${w.steps.length} steps`, "one entry and exit per step", "range");
      }
      const units = [...w.enter, ...w.exit, ...w.changes.map((c) => c.unit)];
      if (units.some((u) => u !== null && u > w.units)) {
        invalid(`${where}.units`, w.units, "at least every place it lists", "range");
      }
      if (w.changes.some((c) => c.step !== null && c.step >= w.steps.length)) {
        invalid(`${where}.changes`, "a step index", `one of its ${w.steps.length} steps`, "range");
      }
    });
    return walks;
  });
}

/**
 * A recording from outside, checked at `at`: a copy of plain data (the lanes' tick arrays
 * kept), of the right shape, its run's configuration its own.
 *
 * @example
 * ```ts
 * import { checkRecording } from "./recording_check.ts";
 * import { record } from "./record.ts";
 * import assert from "node:assert/strict";
 * const rec = record({ cpus: 2 }, ["advance 4ms"]);
 * assert.deepEqual(checkRecording(rec, "recording"), rec);
 * assert.throws(() => checkRecording({ ...rec, lanes: [] }, "recording"), /recording.lanes: "0 lanes"/);
 * ```
 * @throws {TypeError|RangeError} naming where the recording is wrong.
 */
export function checkRecording(value: unknown, at: string): Recording {
  const rec = readData<Record<string, unknown>>(value, at);
  if (!isPlainObject(rec)) invalid(at, rec, "a recording (from record())", "type");
  const config: MachineConfig = CONFIG(rec?.config, `${at}.config`);
  const b = boundsOf(config);
  const checked = object<Recording>({
    config: check("a configuration", () => config),
    design: string(),
    end: TIME,
    lanes: lanesCheck(b),
    walks: walksCheck(b),
    hibernated: arrayOf(object<Recording["hibernated"][number]>({ from: TIME, to: TIME })),
    marks: arrayOf(object<Mark>({
      time: TIME,
      cpu: nullable(cpuOf(b)),
      pass: string(),
      at: nullable(
        object<NonNullable<Mark["at"]>>({ walk: COUNT, step: COUNT }, "a place in a walk"),
      ),
      what: string(),
      reason: string(),
      expected: boolean,
    }, "a mark")),
    events: arrayOf(object<Recording["events"][number]>({
      time: TIME,
      event: traceEventCheck(b.cpus),
    }, "an event")),
    run: RUN,
  }, "a recording")(rec, at);
  checked.marks.forEach((m, i) => {
    if (m.at && !checked.walks[m.at.walk]?.steps[m.at.step]) {
      invalid(
        `${at}.marks[${i}].at`,
        m.at,
        "a walk of the recording and one of its steps",
        "range",
      );
    }
  });
  if (!sameConfig(checked.run.config, config)) {
    invalid(`${at}.run.config`, checked.run.config, `the recording's configuration`, "range");
  }
  return checked;
}
