/**
 * Recordings: a scenario run with everything a timeline draws, on the simulation time axis (the
 * host's view, so a hibernated stretch has a width): per CPU the tick device spans, the hotplug
 * transitions and the ticks; hibernated stretches; hangs and invariant violations.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import type { TraceEvent } from "../engine/trace.ts";
import type { ConfigInput } from "../explore/workspace.ts";
import { INVARIANTS_ONLY } from "../explore/compare.ts";
import { readInput } from "../util/check.ts";
import {
  type CpuStateName,
  type ScenarioOptions,
  type ScenarioProgress,
  type ScenarioRun,
  scenarioRun,
  type StepRecord,
} from "../explore/scenario.ts";
import { type Walk, WalkBuilder } from "./walks.ts";

export type { Walk, WalkChange } from "./walks.ts";

/**
 * A stretch of time during which a CPU's tick device was `device` (null: none). Devices a CPU
 * held only inside one operation give spans of no width (hotplug takes no simulated time).
 */
export interface DeviceSpan {
  /** Start, simulation ns. */
  readonly from: number;
  /** End, simulation ns. */
  readonly to: number;
  /** The device's name, or null. */
  readonly device: string | null;
  /**
   * Still the tick device of its online CPU but not ticking (shut down: 5.4's hv_ce_shutdown()
   * and hv_stimer_cleanup() stop the stimer and leave it bound, lib/hotplug/device.ts
   * leftWithoutTick). Known at the end of each operation.
   */
  readonly shutdown: boolean;
}

/** A CPU's hotplug walk during one operation (hotplug takes no simulated time). */
export interface Transition {
  /** When, simulation ns. */
  readonly time: number;
  /** State before. */
  readonly from: number;
  /** State after. */
  readonly to: number;
  /** Name of the state after. */
  readonly toName: string;
  /** The callbacks it ran, in order, with the CPU's tick device around each. */
  readonly steps: readonly StepRecord[];
  /** The operation that caused it. */
  readonly line: string;
}

/** One CPU's lane. */
export interface Lane {
  /** The CPU. */
  readonly cpu: number;
  /** Tick device spans, in order, covering the whole recording. */
  readonly devices: readonly DeviceSpan[];
  /** Hotplug transitions, in order. */
  readonly transitions: readonly Transition[];
  /** Hotplug state before the first transition, its name, and whether the CPU was online. */
  readonly startState: CpuStateName;
  /** Times of the ticks it handled, simulation ns, ascending. */
  readonly ticks: Float64Array;
}

/** Something to flag in red: a hang or an invariant violation. */
export interface Mark {
  /** When, simulation ns. */
  readonly time: number;
  /** The CPU concerned, or null. */
  readonly cpu: number | null;
  /** The hibernation pass it happened in (see {@linkcode Walk.pass}), or "". */
  readonly pass: string;
  /**
   * Where in a walk: the walk (an index into the recording's walks) and the callback (an index
   * into its steps) it names, or null for a mark outside any callback.
   */
  readonly at: { readonly walk: number; readonly step: number } | null;
  /** "hang" or the invariant's name. */
  readonly what: string;
  /** Why, in words. */
  readonly reason: string;
  /**
   * Expected on this design (an invariant claimed for another design; for a hang, the `no-hang`
   * invariant's verdict on it).
   */
  readonly expected: boolean;
}

/** Everything a timeline draws (plain data). */
export interface Recording {
  /** The configuration. */
  readonly config: MachineConfig;
  /** Its stimer design, in words. */
  readonly design: string;
  /** End of the recording, simulation ns (it starts at 0, after boot). */
  readonly end: number;
  /** One lane per CPU. */
  readonly lanes: readonly Lane[];
  /** Every hotplug walk, in order. */
  readonly walks: readonly Walk[];
  /** Stretches the VM was hibernated (powered off), simulation ns. */
  readonly hibernated: readonly { readonly from: number; readonly to: number }[];
  /** Hangs and violations, in time order. */
  readonly marks: readonly Mark[];
  /** Every trace event but ticks, as it happened (simulation time, ns), for trace exports. */
  readonly events: readonly { readonly time: number; readonly event: TraceEvent }[];
  /** The scenario run (operations, steps, verdicts). */
  readonly run: ScenarioRun;
}

/**
 * Runs `scenario` (operation lines) from a fresh boot of `config` and records it.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import assert from "node:assert/strict";
 * const r = record({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }, ["advance 8ms", "offline 1"]);
 * assert.deepEqual(r.lanes[1].devices.map((d) => d.device), ["Hyper-V clockevent", "lapic", null]);
 * assert.equal(r.lanes[1].devices[1].from, r.lanes[1].devices[1].to); // held only inside the offline
 * assert.equal(r.lanes[1].ticks.length, 2);
 * ```
 * @throws as `runScenario()` does.
 */
export function record(
  config: ConfigInput,
  scenario: string | readonly string[],
  options: Pick<ScenarioOptions, "invariants"> = {},
): Recording {
  const run = recording(config, scenario, options);
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}

/**
 * {@linkcode record} as a generator: it yields the scenario's progress (after every operation and
 * every slice of a long advance), so a caller can report it and stop between yields.
 *
 * @example
 * ```ts
 * import { recording } from "./record.ts";
 * import assert from "node:assert/strict";
 * const run = recording({ cpus: 2 }, ["advance 30ms"]);
 * let step = run.next();
 * while (!step.done) step = run.next();
 * assert.equal(step.value.end, 30_000_000);
 * ```
 * @throws as `runScenario()` does.
 */
export function* recording(
  config: ConfigInput,
  scenario: string | readonly string[],
  options: Pick<ScenarioOptions, "invariants"> = {},
): Generator<ScenarioProgress, Recording, void> {
  options = INVARIANTS_ONLY(readInput(options, "options"), "options");
  const ticks: number[][] = [];
  // Tick-device changes and, after each operation, each CPU's device and whether it is shut
  // down, in the order they happened.
  const changes: { cpu: number; time: number; device: string | null; down: boolean }[] = [];
  const events: { time: number; event: TraceEvent }[] = [];
  const walks = new WalkBuilder();
  const run = yield* scenarioRun(config, scenario, {
    ...options,
    observe: {
      event(e, time) {
        if (e.type !== "tick") events.push({ time, event: e });
        if (e.type === "tick_setup_device") {
          changes.push({ cpu: e.cpu, time, device: e.device, down: false });
          walks.change(e.cpu, e.device, e.previous ?? null);
        } else if (e.type === "tick_shutdown") {
          changes.push({ cpu: e.cpu, time, device: null, down: false });
          walks.change(e.cpu, null, e.device);
        }
      },
      tick(cpu, time) {
        (ticks[cpu] ??= []).push(time);
      },
      step(at, time) {
        walks.step(at, time);
      },
      settled(states, time, running) {
        // An online CPU whose bound device does not tick (a hibernated machine ticks nowhere).
        states.forEach((c, cpu) =>
          changes.push({
            cpu,
            time,
            device: c.device,
            down: running && c.online && c.device !== null && !c.ticking,
          })
        );
        walks.next();
      },
    },
  });
  const cpus = run.config.cpus;
  // Each change and each step sorted by CPU once: a 2048-vCPU hibernation is 6000 walks.
  const changesOf = Array.from({ length: cpus }, () => [] as typeof changes);
  for (const c of changes) changesOf[c.cpu].push(c);
  const stepsOf = run.operations.map((op) => {
    const byCpu = new Map<number, StepRecord[]>();
    for (const step of op.steps) {
      const list = byCpu.get(step.cpu);
      if (list) list.push(step);
      else byCpu.set(step.cpu, [step]);
    }
    return byCpu;
  });
  const lanes: Lane[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const devices: DeviceSpan[] = [];
    let from = 0;
    let device = run.start.bound[cpu];
    let down = false;
    // A device is marked shut down from the end of the operation that left it so, until it
    // changes or an operation leaves it working again.
    for (const c of changesOf[cpu]) {
      if (c.device === device && c.down === down) continue;
      devices.push({ from, to: c.time, device, shutdown: down });
      from = c.time;
      device = c.device;
      down = c.down;
    }
    devices.push({ from, to: run.end, device, shutdown: down });
    const transitions: Transition[] = [];
    let state = run.start.states[cpu];
    run.operations.forEach((op, i) => {
      const after = op.states[cpu];
      const steps = stepsOf[i].get(cpu) ?? [];
      if (after.state !== state.state || steps.length) {
        transitions.push({
          time: op.time,
          from: state.state,
          to: after.state,
          toName: after.name,
          steps,
          line: op.line,
        });
      }
      state = after;
    });
    lanes.push({
      cpu,
      devices,
      transitions,
      startState: run.start.states[cpu],
      ticks: Float64Array.from(ticks[cpu] ?? []),
    });
  }
  const hibernated: { from: number; to: number }[] = [];
  const marks: Mark[] = [];
  let hung = false;
  const built = walks.walks(run);
  for (const [i, op] of run.operations.entries()) {
    if (op.ok && op.operation.kind === "hibernate") hibernated.push({ from: op.time, to: run.end });
    if (op.ok && op.operation.kind === "resume" && hibernated.length) {
      hibernated[hibernated.length - 1] = { from: hibernated.at(-1)!.from, to: op.time };
    }
    if (op.hang && !hung) {
      hung = true;
      // The no-hang invariant's verdict on it: what the report's summary says too.
      const verdict = op.violations.find((v) => v.invariant === "no-hang");
      const walk = built.findIndex((w) => w.op === i && w.steps.some((s) => s.hung));
      marks.push({
        time: op.time,
        cpu: op.hang.cpu,
        pass: built[walk]?.pass ?? "",
        // The innermost callback that never returned.
        at: walk < 0 ? null : { walk, step: built[walk].steps.findLastIndex((s) => s.hung) },
        what: "hang",
        reason: op.hang.reason,
        expected: verdict?.expected ?? false,
      });
    }
    // One mark per invariant and CPU per operation: its first violation there.
    const seen = new Set<string>();
    for (const v of op.violations) {
      const key = `${v.invariant} ${v.step?.cpu}`;
      if (v.invariant === "no-hang" || seen.has(key)) continue;
      seen.add(key);
      const cpu = v.step?.cpu ?? null;
      const named = (st: StepRecord) =>
        v.step !== null && st.state === v.step.state && st.callback === v.step.callback &&
        st.teardown === v.step.teardown;
      const walk = built.findIndex((w) => w.op === i && w.cpu === cpu && w.steps.some(named));
      marks.push({
        time: op.time,
        cpu,
        pass: built[walk]?.pass ?? "",
        at: walk < 0 ? null : { walk, step: built[walk].steps.findIndex(named) },
        what: v.invariant,
        reason: v.message,
        expected: v.expected,
      });
    }
  }
  return {
    config: run.config,
    design: run.design,
    end: run.end,
    lanes,
    walks: built,
    hibernated,
    marks,
    events,
    run,
  };
}
