/**
 * Stopping a running kernel at a consistent point, as a debugger does: the signal a stopper throws
 * through a hotplug walk, where the walk stopped, the refusal of other operations while it is
 * stopped, and the one question fast-forwarding time asks (whether somebody watches every tick).
 * The stepping itself is lib/api/run_until.ts.
 *
 * @module
 */

import type { Kernel } from "./kernel.ts";
import type { StopPoint } from "./state.ts";
import { KernelError } from "../util/errors.ts";

export type { StoppedWalk, StopPoint } from "./state.ts";

/** Thrown by a stopper out of a running operation; caught by lib/api/run_until.ts only. */
export class StopSignal {
  /** Where. */
  readonly at: StopPoint;
  /** Creates the signal. */
  constructor(at: StopPoint) {
    this.at = at;
  }
}

/**
 * A machine whose walk is stopped refuses every other operation (but `reset`). The real kernel's
 * walk holds `cpu_hotplug_lock` (5.4.301 kernel/cpu.c:1056 and :1188, `cpus_write_lock()` in
 * `_cpu_down()` / `_cpu_up()`) and `cpu_add_remove_lock` (`cpu_maps_update_begin()` in
 * `cpu_down()` / `do_cpu_up()`): another `online` write would sleep until the walk ends, and the
 * simulator, stopped like a debugged machine, lets no time pass. Queuing it would only run it
 * after `continue`, which is what typing it then does; a refusal says so at once.
 *
 * @example
 * ```ts
 * import { StoppedError } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const e = new StoppedError("walk stopped", { cpu: 2, state: 95, errno: null });
 * assert.equal(e.name, "StoppedError");
 * ```
 */
export class StoppedError extends KernelError {
  /** Creates the error. @throws {TypeError|RangeError} as {@linkcode KernelError} does. */
  constructor(message: string, details: ConstructorParameters<typeof KernelError>[1]) {
    super(message, details);
    this.name = "StoppedError";
  }
}

/** Where a stop is, in words: `before hv_synic_cleanup (teardown of 95 hyperv/vmbus:online)`. */
export function stopPlace(at: StopPoint): string {
  if (at.phase === "event" || at.phase === "end" || at.callback === null) {
    return at.phase === "end" ? `after ${at.operation}` : "between two interrupts";
  }
  return `${at.phase === "enter" ? "before" : "after"} ${at.callback} (${
    at.teardown ? "teardown" : "startup"
  } of ${at.state} ${at.stateName})`;
}

/** The refusal of `line` while a walk is stopped, or null when none is. */
export function walkStopped(k: Kernel, line: string): StoppedError | null {
  const w = k.s.walk;
  if (!w) return null;
  const at = w.at;
  return new StoppedError(
    `Cannot run ${JSON.stringify(line)}: ${JSON.stringify(w.operation)} is stopped ${
      stopPlace(at)
    } on CPU${at.cpu} and holds cpu_hotplug_lock (the kernel would make this wait until its walk ` +
      `ends); step or continue to finish it, or reset`,
    { cpu: at.cpu, state: at.state, errno: null },
  );
}

/**
 * Whether something watches every tick and tick-device change (an observer, a stop condition):
 * time must then be run interrupt by interrupt, never fast-forwarded over ticks.
 *
 * @example
 * ```ts
 * import { watchesEveryTick } from "./stops.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * assert.equal(watchesEveryTick(k), false);
 * const remove = k.observers.add({ tick: () => {} });
 * assert.equal(watchesEveryTick(k), true);
 * remove();
 * ```
 */
export function watchesEveryTick(k: Kernel): boolean {
  const o = k.observers;
  return o.tick.length > 0 || o.device.length > 0 || o.event.length > 0;
}
