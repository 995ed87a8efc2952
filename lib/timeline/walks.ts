/**
 * Cutting a recording's hotplug callbacks into walks ({@linkcode Walk}): one CPU's `_cpu_up()` or
 * `_cpu_down()` with its rollback, the CPU's tick-device changes placed among the callbacks they
 * happened between (where the REPL reports them), each on an axis of its own.
 *
 * @module
 */

import type { ScenarioRun, StepRecord } from "../explore/run.ts";
import type { StepPoint } from "../engine/observe.ts";

/**
 * A tick-device change inside a walk: the same event the REPL prints after `online` / `offline`
 * (`lapic <- (none)   during startup of 85 cpu:bringup`): the CPU's `tick_setup_device()` or
 * `tick_shutdown()`, placed among the callbacks it happened between.
 */
export interface WalkChange {
  /** Its place on the walk's own axis (each callback's entry and each change is one unit). */
  readonly unit: number;
  /** The innermost callback running then (an index into the walk's steps), or null. */
  readonly step: number | null;
  /** The new tick device, or null. */
  readonly device: string | null;
  /** The previous one, or null. */
  readonly previous: string | null;
}

/**
 * One CPU's hotplug walk (one `_cpu_up()` / `_cpu_down()` with its rollback, if any): its
 * callbacks and tick-device changes on an axis of their own, since hotplug takes no simulated
 * time. An operation runs one walk per CPU it moves, or several (hibernation takes each CPU down,
 * up and down again).
 */
export interface Walk {
  /** The operation's index in the run. */
  readonly op: number;
  /** When, simulation ns. */
  readonly time: number;
  /** The CPU walked. */
  readonly cpu: number;
  /**
   * Which pass of a hibernation it belongs to: `image creation` (create_image()'s
   * freeze_secondary_cpus() and the thaw after the snapshot) or `power-off` (power_down()'s
   * hibernation_platform_enter(): the CPUs go down once more), 5.10 kernel/power/hibernate.c
   * 286-361 and 639-682; "" for other operations.
   */
  readonly pass: string;
  /** The callbacks, in the order they were entered. */
  readonly steps: readonly StepRecord[];
  /** The unit of each step's entry. */
  readonly enter: readonly number[];
  /** The unit each step's callback returned at (its span ends there), or null: it never did. */
  readonly exit: readonly (number | null)[];
  /** The CPU's tick-device changes, in order. */
  readonly changes: readonly WalkChange[];
  /** Units on the walk's axis. */
  readonly units: number;
}

interface Open {
  readonly op: number;
  readonly time: number;
  readonly cpu: number;
  /** Indices into the operation's steps. */
  readonly steps: number[];
  readonly enter: number[];
  readonly exit: (number | null)[];
  readonly changes: WalkChange[];
  units: number;
  /** The last callback entered with none open: its state and direction. */
  last: { state: number; teardown: boolean };
  /** The highest state whose startup ran with none open (-1: none yet). */
  top: number;
}

/**
 * Builds walks from what a scenario run shows its observer: every callback's entry and exit,
 * every tick-device change, and the end of each operation.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import assert from "node:assert/strict";
 * const rec = record({ hyperv: "2012R2", kernel: "5.2", cpus: 4 }, ["offline 2", "online 2"]);
 * const [down, up] = rec.walks;
 * assert.deepEqual([down.cpu, down.op, up.op], [2, 0, 1]);
 * const bringup = up.steps.findIndex((s) => s.callback === "bringup_cpu");
 * // The LAPIC is bound while bringup_cpu() waits for the AP, between the AP's own callbacks.
 * assert.deepEqual(up.changes[0], { unit: up.changes[0].unit, step: bringup, device: "lapic", previous: null });
 * ```
 */
export class WalkBuilder {
  #op = 0;
  #entered = 0;
  #open: number[] = [];
  #current: Open | null = null;
  readonly #walks: Open[] = [];

  /** A callback's entry or exit. */
  step(at: StepPoint, time: number): void {
    if (at.phase === "exit") {
      const walk = this.#current;
      const index = this.#open.pop();
      if (walk && index !== undefined) walk.exit[index] = walk.units;
      return;
    }
    let walk = this.#current;
    if (this.#open.length === 0) {
      if (!walk || walk.op !== this.#op || walk.cpu !== at.cpu || fresh(walk, at)) {
        walk = {
          op: this.#op,
          time,
          cpu: at.cpu,
          steps: [],
          enter: [],
          exit: [],
          changes: [],
          units: 0,
          last: { state: at.state, teardown: at.teardown },
          top: -1,
        };
        this.#walks.push(walk);
        this.#current = walk;
      }
      walk.last = { state: at.state, teardown: at.teardown };
      if (!at.teardown) walk.top = Math.max(walk.top, at.state);
    }
    this.#open.push(walk!.steps.length);
    walk!.steps.push(this.#entered++);
    walk!.enter.push(walk!.units++);
    walk!.exit.push(null);
  }

  /** A tick-device change of `cpu`: part of the walk of that CPU under way, if any. */
  change(cpu: number, device: string | null, previous: string | null): void {
    const walk = this.#current;
    if (!walk || walk.op !== this.#op || walk.cpu !== cpu) return;
    walk.changes.push({ unit: walk.units++, step: this.#open.at(-1) ?? null, device, previous });
  }

  /** The operation ended (callbacks still open never returned: it hung in them). */
  next(): void {
    this.#op++;
    this.#entered = 0;
    this.#open = [];
    this.#current = null;
  }

  /** The walks, their steps taken from the run's records. */
  walks(run: ScenarioRun): Walk[] {
    const downs = new Map<string, number>();
    return this.#walks.map((w) => {
      const op = run.operations[w.op];
      const steps = w.steps.map((i) => op.steps[i]);
      let pass = "";
      if (op.operation.kind === "hibernate" && steps.length) {
        // Each CPU goes down in create_image(), up after the snapshot, and down again in
        // power_down() (5.10 kernel/power/hibernate.c:286-361, 639-682).
        const key = `${w.op} ${w.cpu}`;
        const seen = downs.get(key) ?? 0;
        pass = seen >= 1 && steps[0].teardown ? "power-off" : "image creation";
        if (steps[0].teardown) downs.set(key, seen + 1);
      }
      return {
        op: w.op,
        time: w.time,
        cpu: w.cpu,
        pass,
        steps,
        enter: w.enter,
        exit: w.exit,
        changes: w.changes,
        units: w.units,
      };
    });
  }
}

/**
 * Whether a callback entered with none open starts a new walk of the same CPU rather than the
 * rollback of the one under way: a rollback restarts next to the state that failed
 * (cpuhp_reset_state(), 6.6 kernel/cpu.c:717-748), above it after a failed teardown (so above
 * CPUHP_OFFLINE + 1) and below it after a failed startup (so not above the highest startup the
 * walk ran). A new walk up starts at CPUHP_CREATE_THREADS (1, include/linux/cpuhotplug.h) and
 * a new walk down above every startup the control side ran.
 */
function fresh(walk: Open, at: StepPoint): boolean {
  if (walk.last.teardown === at.teardown) return false;
  return at.teardown ? at.state > walk.top : at.state <= 1;
}
