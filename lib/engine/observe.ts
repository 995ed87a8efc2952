/**
 * Observers of a running kernel: code outside the model that watches hotplug steps, trace events,
 * ticks and tick-device changes as they happen (a scenario records steps and checks invariants, a
 * recording counts ticks, an operation notes tick-device changes). Like SimPy's event callbacks, they only read
 * what they are shown; each `add()` returns the function that removes it.
 *
 * @module
 */

import type { TraceEvent } from "./trace.ts";

/** Where a hotplug walk is, for step observers. */
export interface StepPoint {
  /** The CPU being hotplugged. */
  readonly cpu: number;
  /** The step's state number. */
  readonly state: number;
  /** Its callback symbol. */
  readonly callback: string;
  /** Whether the callback is a teardown. */
  readonly teardown: boolean;
  /** Before the callback runs, or after it returned. */
  readonly phase: "enter" | "exit";
}

/** A point where a run stopped (or may stop): a callback boundary, an event boundary, an end. */
export interface StopPoint {
  /** The operation's line (`offline 2`), or null while time passes. */
  readonly operation: string | null;
  /**
   * Callback boundaries the operation had passed (each callback has two: before it runs and after
   * it returned), this one included: the walk's cursor. 0 outside operations.
   */
  readonly boundary: number;
  /**
   * `enter`: before a hotplug callback runs; `exit`: after it returned; `event`: after the
   * interrupts of one instant while time passes; `end`: after the operation ended.
   */
  readonly phase: "enter" | "exit" | "event" | "end";
  /** The CPU being hotplugged (callback boundaries), or null. */
  readonly cpu: number | null;
  /** The callback's hotplug state, or null. */
  readonly state: number | null;
  /** That state's name (`hyperv/vmbus:online`), or null. */
  readonly stateName: string | null;
  /** The callback symbol, or null. */
  readonly callback: string | null;
  /** Whether the callback is a teardown. */
  readonly teardown: boolean;
  /** Simulation time, ns. */
  readonly time: number;
  /** Why the run stopped there (the condition met), or "" for a point that did not stop it. */
  readonly reason: string;
}

/** What an observer watches: any of the four. */
export interface Observer {
  /** Before and after each hotplug callback (the point is reused: copy what you keep). */
  step?(at: StepPoint): void;
  /** Every trace event as it is emitted, whether or not the trace buffer keeps it. */
  event?(event: TraceEvent): void;
  /** Every tick a CPU handles. */
  tick?(cpu: number): void;
  /**
   * A CPU's tick device changed (`tick_setup_device()`, or `tick_shutdown()` after the CPU died:
   * `device` null). Names, not ids: what `current_device` shows.
   */
  device?(cpu: number, device: string | null, previous: string | null): void;
}

/**
 * The observers of one kernel, one list per kind (the model only looks at a list's length when
 * nobody watches, so the tick loop pays nothing, and trace events are not even built).
 *
 * @example
 * ```ts
 * import { Observers } from "./observe.ts";
 * import assert from "node:assert/strict";
 * const observers = new Observers();
 * const seen: number[] = [];
 * const remove = observers.add({ tick: (cpu) => seen.push(cpu) });
 * for (const f of observers.tick) f(3);
 * remove();
 * assert.deepEqual(seen, [3]);
 * assert.equal(observers.tick.length, 0);
 * ```
 */
export class Observers {
  /** Step observers. */
  readonly step: ((at: StepPoint) => void)[] = [];
  /** Event observers. */
  readonly event: ((event: TraceEvent) => void)[] = [];
  /** Tick observers. */
  readonly tick: ((cpu: number) => void)[] = [];
  /** Tick-device observers. */
  readonly device: ((cpu: number, device: string | null, previous: string | null) => void)[] = [];

  /** Adds an observer; returns the function that removes it. */
  add(o: Observer): () => void {
    const step = o.step?.bind(o);
    const event = o.event?.bind(o);
    const tick = o.tick?.bind(o);
    const device = o.device?.bind(o);
    if (step) this.step.push(step);
    if (event) this.event.push(event);
    if (tick) this.tick.push(tick);
    if (device) this.device.push(device);
    return () => {
      if (step) this.step.splice(this.step.indexOf(step), 1);
      if (event) this.event.splice(this.event.indexOf(event), 1);
      if (tick) this.tick.splice(this.tick.indexOf(tick), 1);
      if (device) this.device.splice(this.device.indexOf(device), 1);
    };
  }

  /**
   * Adds a tick-device observer as it is (no binding, no disposer: a hotplug walk adds one on
   * every operation); {@linkcode Observers.removeDevice} removes it.
   */
  addDevice(f: (cpu: number, device: string | null, previous: string | null) => void): void {
    this.device.push(f);
  }

  /** Removes a tick-device observer {@linkcode Observers.addDevice} added. */
  removeDevice(f: (cpu: number, device: string | null, previous: string | null) => void): void {
    const i = this.device.lastIndexOf(f);
    // The newest is the one a walk removes: pop() builds no array of the removed.
    if (i === this.device.length - 1) this.device.pop();
    else if (i >= 0) this.device.splice(i, 1);
  }

  /** Tells the device observers that `cpu`'s tick device changed. */
  deviceChanged(cpu: number, device: string | null, previous: string | null): void {
    for (let i = 0; i < this.device.length; i++) this.device[i](cpu, device, previous);
  }
}
