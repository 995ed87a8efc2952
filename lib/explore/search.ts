/**
 * `explore()`: breadth-first search over every sequence of operations up to a depth, states
 * deduplicated by fingerprint, invariants checked in every state and at every hotplug step. A
 * violation comes with its shortest operation sequence (breadth-first order finds it first).
 *
 * @module
 */

import type { MachineConfig } from "../config.ts";
import type { Kernel, StepPoint } from "../kernel.ts";
import type { MachineState } from "../state.ts";
import { hash64, KeySet, Packer } from "./pack.ts";
import { TimerQueue } from "../timers.ts";
import { didYouMean } from "../hint.ts";
import { cloneState } from "./clone.ts";
import {
  applyOperation,
  type Operation,
  OPERATION_KINDS,
  type OperationKind,
  OPERATIONS,
  operationScript,
} from "./operations.ts";
import { hasEffect, TIMER_WAITS } from "../hotplug/callbacks.ts";
import { hasWorkingTick } from "../tick/handlers.ts";
import {
  type Checked,
  checkedInvariants,
  type CheckPoint,
  type CustomInvariant,
  designOf,
  guestMonotonic,
  InvariantChecks,
  type InvariantVerdict,
  verdicts,
  violationStep,
} from "./invariants.ts";
import { type ConfigInput, kernelOn, workspace } from "./workspace.ts";
import { replayScript } from "./script.ts";

export type { InvariantVerdict } from "./invariants.ts";

/** How to explore. */
export interface ExploreOptions {
  /** Longest operation sequence, 0 to 64 (default 4). */
  readonly depth?: number;
  /** Operation kinds (default online, offline, advance). */
  readonly ops?: readonly OperationKind[];
  /** Built-in invariants by name and custom ones (default: every built-in). */
  readonly invariants?: readonly (string | CustomInvariant)[];
  /** Stop after this many distinct states (default 1,000,000). */
  readonly maxStates?: number;
  /**
   * Asked between operations: true, or a reason such as "time budget", stops the search
   * (Ctrl-C, a deadline); the result's `stopped` says why ("interrupted" for true).
   */
  readonly shouldStop?: () => boolean | string;
  /** Transitions between progress reports of {@linkcode exploration} (default 5000). */
  readonly progressEvery?: number;
}

/** A hotplug step, as a violation reports it. */
export interface ViolationStep {
  /** The CPU being hotplugged. */
  readonly cpu: number;
  /** Hotplug state number. */
  readonly state: number;
  /** Its name. */
  readonly stateName: string;
  /** The callback. */
  readonly callback: string;
  /** Whether it was a teardown. */
  readonly teardown: boolean;
}

/** An invariant violation with its shortest counterexample. */
export interface Violation {
  /** The invariant. */
  readonly invariant: string;
  /** What was wrong. */
  readonly message: string;
  /** Expected on this machine's design (the invariant is a claim of another design). */
  readonly expected: boolean;
  /** The kind of the last operation ("boot" for the booted state). */
  readonly during: OperationKind | "boot";
  /** The operations, in order, as REPL lines. */
  readonly operations: readonly string[];
  /** The hotplug step inside the last operation where it broke, or null between operations. */
  readonly step: ViolationStep | null;
  /** A `.hvt` script that replays it in the REPL. */
  readonly script: string;
}

/** What a search covered and found (plain data). */
export interface ExploreResult {
  /** The machine explored. */
  readonly config: MachineConfig;
  /** Its stimer design, in words. */
  readonly design: string;
  /** The requested depth. */
  readonly depth: number;
  /** Every sequence up to this length was explored (less than `depth` when stopped). */
  readonly depthCovered: number;
  /** The operation kinds. */
  readonly ops: readonly OperationKind[];
  /** Distinct states (by fingerprint). */
  readonly states: number;
  /** Operations run. */
  readonly transitions: number;
  /** null when complete, else why it stopped: "state budget", or the reason `shouldStop` gave. */
  readonly stopped: string | null;
  /** Verdict per invariant. */
  readonly invariants: readonly InvariantVerdict[];
  /** Shortest counterexample per invariant and kind of last operation. */
  readonly violations: readonly Violation[];
}

/** Progress of a running search. */
export interface ExploreProgress {
  /** Distinct states so far. */
  readonly states: number;
  /** Operations run so far. */
  readonly transitions: number;
  /** Depth being explored. */
  readonly depth: number;
}

function validate(options: ExploreOptions) {
  const depth = options.depth ?? 4;
  if (!Number.isInteger(depth) || depth < 0 || depth > 64) {
    throw new RangeError(`Invalid depth ${JSON.stringify(depth)}: expected an integer 0 to 64`);
  }
  const ops = [...(options.ops ?? ["online", "offline", "advance"])];
  for (const op of ops) {
    if (!(OPERATION_KINDS as readonly string[]).includes(op)) {
      throw new RangeError(
        `Invalid operation ${JSON.stringify(op)}${didYouMean(String(op), OPERATION_KINDS)}; ` +
          `valid: ${OPERATION_KINDS.join(", ")}`,
      );
    }
  }
  if (ops.length === 0) throw new RangeError(`Invalid ops []: name at least one operation kind`);
  const maxStates = options.maxStates ?? 1_000_000;
  if (!Number.isSafeInteger(maxStates) || maxStates < 1) {
    throw new RangeError(
      `Invalid maxStates ${JSON.stringify(maxStates)}: expected a positive integer`,
    );
  }
  const every = options.progressEvery ?? 5000;
  if (!Number.isSafeInteger(every) || every < 1) {
    throw new RangeError(
      `Invalid progressEvery ${JSON.stringify(every)}: expected a positive integer`,
    );
  }
  return { depth, ops, maxStates, every };
}

/**
 * The search as a generator: it yields progress every `progressEvery` operations and returns
 * the result, so a caller can report progress and stop it between yields.
 *
 * @example
 * ```ts
 * import { exploration } from "./search.ts";
 * import assert from "node:assert/strict";
 * const run = exploration({ hyperv: "2019", kernel: "5.5", cpus: 2 }, { depth: 2 });
 * let step = run.next();
 * while (!step.done) step = run.next();
 * assert.equal(step.value.stopped, null);
 * ```
 * @throws {RangeError|TypeError} for bad options; {@linkcode ConfigError} for a bad configuration.
 */
export function* exploration(
  config: ConfigInput,
  options: ExploreOptions = {},
): Generator<ExploreProgress, ExploreResult, void> {
  const limits = validate(options);
  const ws = workspace(config);
  const r = { ...limits, config: ws.config, vmOptions: ws.options };
  const root = ws.root;
  const checked: Checked[] = checkedInvariants(root, options.invariants);
  const checks = new InvariantChecks(checked);
  const specs = OPERATIONS.filter((o) => r.ops.includes(o.kind));

  // Node i: its parent node and the operation that reached it (the root has none).
  const parent: number[] = [-1];
  const via: (Operation | null)[] = [null];
  const packer = new Packer();
  const timers = new TimerQueue();
  const seen = new KeySet();
  seen.add(...hash64(packer.pack(root.s)));
  const found = new Map<string, Violation>();
  let transitions = 0;

  const pathTo = (node: number, last: Operation | null): string[][] => {
    const ops: Operation[] = last ? [last] : [];
    for (let n = node; n > 0; n = parent[n]) ops.unshift(via[n]!);
    return ops.map((op) => operationScript(root, op));
  };
  const record = (
    c: Checked,
    message: string,
    node: number,
    last: Operation | null,
    step: StepPoint | null,
    k: Kernel,
  ) => {
    const during = last?.kind ?? (node > 0 ? via[node]!.kind : "boot");
    const key = `${c.inv.name}\0${during}`;
    if (found.has(key)) return;
    const scripts = pathTo(node, last);
    const operations = scripts.map((lines) => lines.join("; "));
    const where = violationStep(k, c.inv, step);
    const lines = scripts.flat();
    found.set(key, {
      invariant: c.inv.name,
      message,
      expected: c.expected,
      during,
      operations,
      step: where,
      script: replayScript(
        `hvtick explore: shortest counterexample for ${c.inv.name} during ${during} ` +
          `(${operations.length} operation${operations.length === 1 ? "" : "s"})`,
        r.config,
        r.vmOptions,
        lines,
      ),
    });
  };
  // One check point and one reporter, refilled at every check (hundreds per operation).
  const point: { -readonly [K in keyof CheckPoint]: CheckPoint[K] } = {
    k: root,
    step: null,
    before: { now: 0, monotonic: 0 },
  };
  let where = { node: 0, last: null as Operation | null };
  const report = (c: Checked, message: string) =>
    record(c, message, where.node, where.last, point.step, point.k);
  const checkAll = (
    k: Kernel,
    step: StepPoint | null,
    before: { now: number; monotonic: number },
    node: number,
    last: Operation | null,
  ) => {
    point.k = k;
    point.step = step;
    point.before = before;
    if (where.node !== node || where.last !== last) where = { node, last };
    checks.check(point, report);
  };

  const start = { now: root.s.now, monotonic: guestMonotonic(root.s) };
  checkAll(root, null, start, 0, null);

  let level: { node: number; state: MachineState }[] = [{ node: 0, state: root.s }];
  let depthCovered = 0;
  let stopped: ExploreResult["stopped"] = null;
  search: for (let depth = 0; depth < r.depth && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const { node, state } of level) {
      // Only asked which operations the state allows: no timers needed.
      const view: Kernel = { ...root, s: state };
      for (const spec of specs) {
        for (const op of spec.enabled(view)) {
          if (seen.size >= r.maxStates) {
            stopped = "state budget";
            break search;
          }
          const stop = options.shouldStop?.();
          if (stop) {
            stopped = stop === true ? "interrupted" : stop;
            break search;
          }
          // An operation that reaches the kthread_park() race runs again with the other side.
          const variants: Operation[] = [op];
          for (let v = 0; v < variants.length; v++) {
            const variant = variants[v];
            const k = kernelOn(root, cloneState(state), timers);
            const before = { now: k.s.now, monotonic: guestMonotonic(k.s) };
            let race = false;
            k.onStep = (at) => {
              if (at.phase === "enter" && TIMER_WAITS[at.callback] && !hasWorkingTick(k, at.cpu)) {
                race = true;
              }
              // A callback with no modelled effect leaves the state as it was before it ran
              // (checked then): its exit would repeat that check.
              if (at.phase === "exit" && !hasEffect(at.callback)) return;
              checkAll(k, at, before, node, variant);
            };
            const ran = applyOperation(k, variant);
            k.onStep = null;
            if (!ran) continue;
            if (race && v === 0) {
              variants.push({ ...op, race: state.parkRace === "passes" ? "sleeps" : "passes" });
            }
            transitions++;
            if (transitions % r.every === 0) {
              yield { states: seen.size, transitions, depth: depth + 1 };
            }
            if (!seen.add(...hash64(packer.pack(k.s)))) continue;
            const id = parent.length;
            parent.push(node);
            via.push(variant);
            checkAll(k, null, before, id, null);
            // The last level is never expanded: its states need not be kept.
            if (depth + 1 < r.depth) next.push({ node: id, state: k.s });
          }
        }
      }
    }
    level = next;
    depthCovered = depth + 1;
  }
  return {
    config: r.config,
    design: designOf(root),
    depth: r.depth,
    depthCovered: stopped ? depthCovered : r.depth,
    ops: r.ops,
    states: seen.size,
    transitions,
    stopped,
    invariants: verdicts(checked),
    violations: [...found.values()],
  };
}

/**
 * Explores every sequence of operations up to `depth` from a freshly booted machine and checks
 * the invariants in every state and at every hotplug step (see {@linkcode ExploreOptions}).
 *
 * @example
 * ```ts
 * import { explore } from "./search.ts";
 * import assert from "node:assert/strict";
 * const r = explore({ hyperv: "2019", arch: "x86_64", kernel: "5.4", cpus: 2 }, { depth: 1 });
 * const hang = r.violations.find((v) => v.invariant === "no-hang")!;
 * assert.deepEqual(hang.operations, ["offline 1"]);
 * ```
 * @throws {RangeError|TypeError} for bad options; {@linkcode ConfigError} for a bad configuration.
 */
export function explore(
  config: ConfigInput,
  options: ExploreOptions = {},
): ExploreResult {
  const run = exploration(config, options);
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}
