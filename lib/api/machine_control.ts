/**
 * What every machine can do whatever else it does: hold the kernel (which reset, restore and a
 * resumed walk replace), let observers watch it, run until a condition holds, and step a hotplug
 * walk one callback at a time (lib/api/run_until.ts). `Machine` builds on it.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import type { Kernel } from "../engine/kernel.ts";
import type { Observer } from "../engine/observe.ts";
import type { StopPoint } from "../engine/state.ts";
import { show } from "../util/check.ts";
import { isPlainObject, readInput } from "../util/read.ts";
import { parseDuration } from "../util/duration.ts";
import { boot } from "../machine/boot.ts";
import { BoundIndex } from "../machine/bound_index.ts";
import { checkConfig } from "./config_check.ts";
import { checkOperation } from "../ops/operation_check.ts";
import { type Operation, parseOperation, type Target } from "../ops/operations.ts";
import { runUntil, type RunUntilResult, step, type Until, type Watchers } from "./run_until.ts";
import { armCondition, type Condition, parseCondition } from "./conditions.ts";

const TARGETS = new WeakMap<MachineControl, Target>();

/** Runs `f`; a misuse error it throws names `at`. */
function named<T>(at: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError) {
      const E = e.constructor as new (m: string) => Error;
      throw new E(`${at}: ${e.message}`);
    }
    throw e;
  }
}

/** The kernel holder of a machine (for `Machine`, which extends it). */
export function targetOf(m: MachineControl): Target {
  return TARGETS.get(m)!;
}

/**
 * A booted VM's run control: observers, `runUntil()`, `step()`, `stopped`. Every `Machine` is one;
 * build machines with `vm()…build()`.
 *
 * @example
 * ```ts
 * import { MachineControl, vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().cpus(2).build();
 * assert.ok(m instanceof MachineControl);
 * assert.equal(m.stopped, null);
 * ```
 */
export class MachineControl {
  readonly #t: Target;

  /**
   * Boots a machine with a validated configuration (use `vm()` to build one).
   * @throws {TypeError|RangeError} for a configuration `vm()` would not build.
   */
  constructor(config: MachineConfig) {
    let kernel = boot(checkConfig(readInput(config, "config"), "config"));
    const attach = (k: Kernel) => this.#attach(k);
    // Every kernel the machine gets (reset, restore, a resumed walk) gets its observers too.
    this.#t = {
      get k() {
        return kernel;
      },
      set k(k: Kernel) {
        kernel = k;
        attach(k);
      },
    };
    TARGETS.set(this, this.#t);
  }

  // The caller's observers (observe()), forwarded while open: closed while a stopped walk is
  // run again up to its stop, which they saw already (lib/api/run_until.ts).
  readonly #observers: Observer[] = [];
  #open = true;
  // Per kernel, the kinds forwarded to it: only those some observer watches, so that a kernel
  // nobody watches the ticks of keeps its tick loop (and fast-forward: watchesEveryTick()).
  readonly #attached = new WeakMap<Kernel, Set<keyof Observer>>();
  readonly #forward: Required<Observer> = {
    step: (at) => {
      if (this.#open) { for (const o of [...this.#observers]) o.step?.(at); }
    },
    event: (e) => {
      if (this.#open) { for (const o of [...this.#observers]) o.event?.(e); }
    },
    tick: (cpu) => {
      if (this.#open) { for (const o of [...this.#observers]) o.tick?.(cpu); }
    },
    device: (cpu, device, previous) => {
      if (this.#open) { for (const o of [...this.#observers]) o.device?.(cpu, device, previous); }
    },
  };

  #attach(k: Kernel): void {
    let done = this.#attached.get(k);
    if (!done) this.#attached.set(k, done = new Set());
    for (const o of this.#observers) {
      for (const kind of Object.keys(o) as (keyof Observer)[]) {
        if (done.has(kind)) continue;
        done.add(kind);
        k.observers.add({ [kind]: this.#forward[kind] });
      }
    }
  }

  get #k(): Kernel {
    return this.#t.k;
  }

  /**
   * Watches the machine as it runs: `step` before and after each hotplug callback (the point is
   * reused: copy what you keep), `event` each trace event, `tick` each tick a CPU handles,
   * `device` each tick-device change. Observers only read; returns the function that removes it.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().kernel("5.5").cpus(2).build();
   * const seen: string[] = [];
   * const stop = m.observe({ step: (at) => at.phase === "enter" && seen.push(at.callback) });
   * m.offline(1);
   * stop();
   * assert.ok(seen.includes("hv_synic_cleanup"));
   * ```
   * @throws {TypeError} for an observer that is not an object of functions.
   */
  observe(observer: Observer): () => void {
    observer = readInput(observer, "observer");
    if (!isPlainObject(observer)) {
      throw new TypeError(
        `Invalid observer ${show(observer)}: expected { step?, event?, tick?, device? }`,
      );
    }
    for (const key of Object.keys(observer)) {
      const f = (observer as Record<string, unknown>)[key];
      if (!Object.hasOwn(this.#forward, key) || typeof f !== "function") {
        throw new TypeError(
          `Invalid observer.${key}: expected one of step, event, tick, device, each a function`,
        );
      }
    }
    this.#observers.push(observer);
    this.#attach(this.#k);
    return () => {
      const i = this.#observers.indexOf(observer);
      if (i >= 0) this.#observers.splice(i, 1);
    };
  }

  /**
   * Runs until a condition holds, stopping at a consistent point: goes on with a stopped walk, or
   * runs `options.operation` (its walk stops before or after the callback where the condition
   * holds), then lets up to `options.limit` of simulated time pass (stopping between two interrupt
   * instants). Conditions: `{ kind: "hang" }`, `{ kind: "violation", invariant? }`,
   * `{ kind: "state", state, cpu? }` (a CPU reaches a hotplug state), `{ kind: "callback",
   * callback, cpu? }` (before it runs), `{ kind: "device", cpu? }` (a tick-device change), their
   * words (`"state 95 --cpu 2"`), or a predicate over each stop point; several: any of them.
   * While a walk is stopped, every other operation is refused ({@linkcode StoppedError}); the
   * machine reads, snapshots and restores as usual.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().kernel("5.5").cpus(4).build();
   * const r = m.runUntil({ kind: "state", state: "hyperv/vmbus:online", cpu: 2 }, {
   *   operation: "offline 2",
   * });
   * assert.equal(r.stopped?.cpu, 2);
   * assert.equal(m.stopped?.operation, "offline 2");
   * assert.equal(m.read("/sys/devices/system/cpu/cpu2/hotplug/state"), `${m.cpu(2).state}\n`);
   * const end = m.runUntil("hang");
   * assert.equal(end.stopped, null);
   * assert.equal(end.result?.ok, true);
   * assert.equal(m.runUntil("device", { limit: "10ms" }).stopped, null);
   * ```
   * @throws {TypeError|RangeError} for a bad condition, limit or operation, or nothing to run
   * (no stopped walk, no operation, no limit); {@linkcode StoppedError} for an operation while a
   * walk is stopped.
   */
  runUntil(
    until: Until | readonly Until[],
    options: { limit?: string | number; operation?: string | Operation } = {},
  ): RunUntilResult {
    const o = readInput(options, "options");
    if (!isPlainObject(o)) {
      throw new TypeError(`Invalid options ${show(o)}: expected { limit?, operation? }`);
    }
    for (const key of Object.keys(o)) {
      if (key !== "limit" && key !== "operation") {
        throw new TypeError(
          `Invalid options key ${JSON.stringify(key)}: valid: limit, operation`,
        );
      }
    }
    const input = readInput(until, "until");
    const untils = Array.isArray(input) ? [...input] : [input as Until];
    const limit = o.limit === undefined
      ? null
      : named("options.limit", () => parseDuration(o.limit!));
    const operation = o.operation === undefined
      ? null
      : named("options.operation", () => this.#operation(o.operation!));
    return this.#run(operation, (w) => runUntil(this.#t, untils, { operation, limit }, w));
  }

  /**
   * Runs the stopped walk (or `operation`, from its start) until its next callback has returned,
   * and stops there: `cpus()`, `boundDevice()`, `read()` show the walk's state at that point.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().kernel("5.5").cpus(2).build();
   * const first = m.step("offline 1").stopped!;
   * assert.equal(first.phase, "exit");
   * assert.equal(m.cpu(1).online, true);
   * while (m.stopped) m.step();
   * assert.equal(m.cpu(1).online, false);
   * ```
   * @throws {RangeError} when no walk is stopped and no operation is given.
   */
  step(operation?: string | Operation): RunUntilResult {
    const op = operation === undefined ? null : this.#operation(operation);
    return this.#run(op, (w) => step(this.#t, op, w));
  }

  /**
   * Runs `run` (a run until a condition that starts `operation`, or goes on with the stopped
   * walk) with the watchers that keep the index of tick devices following the kernel: a walk that
   * stops in `operation` keeps a copy of the state it started from, whose devices are the ones
   * known now; a replay's kernel is made on a copy of that state (lib/api/run_until.ts).
   */
  #run(operation: Operation | null, run: (w: Watchers) => RunUntilResult): RunUntilResult {
    const k = this.#k;
    const walk = k.s.walk;
    const start = operation && !walk ? this.#index.known(k) : null;
    const r = run({
      attach: (replay) => {
        if (walk) this.#index.follow(replay, walk.before);
        this.#attach(replay);
      },
      gate: (open) => {
        this.#open = open;
      },
    });
    const now = this.#k.s.walk;
    if (start && now && now !== walk) this.#index.remember(now.before, start);
    return r;
  }

  /**
   * A stop condition checked against this machine (the state, callback, invariant or CPU it
   * names exist here), as an object; nothing runs.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().kernel("5.5").cpus(4).build();
   * assert.deepEqual(m.condition("device --cpu 2"), { kind: "device", cpu: 2 });
   * assert.throws(() => m.condition("callback hv_synic_clenaup"), /did you mean "hv_synic_cleanup"/);
   * ```
   * @throws {TypeError|RangeError} for what is not a condition, or one naming nothing here.
   */
  condition(condition: Condition | string): Condition {
    const input = readInput(condition, "condition");
    const c = typeof input === "string" ? parseCondition(input, this.#k.s.config.cpus) : input;
    armCondition(this.#k, c);
    return structuredClone(c);
  }

  /**
   * Every CPU's tick device name (or null), by CPU: what a run changed is two of these compared
   * (the REPL prints it after `step`, `continue` and a hotplug write). The machine keeps them as
   * they change, so a call reads only the CPUs whose device changed since the last one.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().cpus(2).build();
   * m.offline(1);
   * assert.deepEqual(m.boundDevices(), [m.boundDevice(0), null]);
   * ```
   */
  boundDevices(): (string | null)[] {
    return this.#index.names(this.#k);
  }

  // Every CPU's tick device, kept as the machine runs (lib/machine/bound_index.ts).
  readonly #index = new BoundIndex();

  /**
   * The number of vCPUs (`nr_cpu_ids`): `config.cpus` without copying the whole configuration
   * (`config` is a deep copy), for callers that need only the count (the REPL, for every command
   * that names a CPU).
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().cpus(4).build();
   * assert.equal(m.cpuCount, 4);
   * assert.equal(m.cpuCount, m.config.cpus);
   * ```
   */
  get cpuCount(): number {
    return this.#k.s.config.cpus;
  }

  /** Where a stopped walk is stopped (a copy), or null when none is. */
  get stopped(): StopPoint | null {
    const w = this.#k.s.walk;
    // A stop point's fields are all numbers, strings, booleans or null (a snapshot's are checked
    // to be: lib/api/snapshot_check.ts): a shallow copy is a whole one, in a tenth of the time of
    // a structured clone.
    return w ? { ...w.at } : null;
  }

  #operation(operation: string | Operation): Operation {
    if (typeof operation === "string") {
      return parseOperation(operation, { cpus: this.#k.s.config.cpus });
    }
    return checkOperation(operation, "operation");
  }
}
