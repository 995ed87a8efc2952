/**
 * What exploration can do to a machine: per kind (what `explore --ops` names), the operations a
 * state allows. Each is a short list of operations from the operation table (lib/ops/
 * operations.ts), run through the same `apply` as the `Machine` and refused by the same guards;
 * its script is their lines. `fail` arms a failure (`echo STATE > …/hotplug/fail`) and runs the
 * CPU's next hotplug operation; `hibernate` resumes instead when the machine is hibernated.
 *
 * @module
 */

import type { Kernel, Step } from "../engine/kernel.ts";
import { isAtomic } from "../engine/line.ts";
import { hotpluggable } from "../hotplug/device.ts";
import {
  formatOperation,
  type Operation,
  OPERATIONS,
  type OperationSpec,
  type Target,
} from "./operations.ts";

/** The operation kinds exploration takes, as `--ops` names them. */
export const OPERATION_KINDS = [
  "online",
  "offline",
  "advance",
  "hibernate",
  "fail",
  "target",
  "kexec",
  "kdump",
] as const;

/** One operation kind of exploration. */
export type OperationKind = typeof OPERATION_KINDS[number];

/**
 * One thing exploration does to a state: its kind, and the operations it runs in order. A race
 * variant sets the `kthread_park()` race first (`race` says to which side): the search tries the
 * other side whenever an operation reaches the race.
 */
export interface ExploreOperation {
  /** Its kind (a counterexample is "during" it). */
  readonly kind: OperationKind;
  /** The operations, in order. */
  readonly ops: readonly Operation[];
  /** The race side it sets first, for a race variant. */
  readonly race?: "sleeps" | "passes";
}

const CPU_DIR = "/sys/devices/system/cpu";

// The table's rows are typed per kind; exploration runs any of them.
const spec = (op: Operation) => OPERATIONS[op.kind] as unknown as OperationSpec;
const allowed = (k: Kernel, op: Operation) => spec(op).blocked(k, op) === null;
const one = (kind: OperationKind, op: Operation): ExploreOperation => ({ kind, ops: [op] });

// The operations on a CPU, made once and shared by every state that allows them (an operation is
// plain data, never changed; exploration lists them per class: thousands of classes, a few dozen
// operations each): `online N` and `offline N`, and fault injections by direction, CPU and state.
const CPU_OPS: { online: ExploreOperation[]; offline: ExploreOperation[] } = {
  online: [],
  offline: [],
};
const FAIL_OPS: ExploreOperation[][][] = [[], []];
function onCpu(kind: "online" | "offline", cpu: number): ExploreOperation {
  return CPU_OPS[kind][cpu] ??= one(kind, { kind, cpu });
}
function failAt(down: boolean, cpu: number, state: number): ExploreOperation {
  const byCpu = FAIL_OPS[down ? 1 : 0][cpu] ??= [];
  return byCpu[state] ??= {
    kind: "fail",
    ops: [
      { kind: "echo", value: `${state}\n`, path: `${CPU_DIR}/cpu${cpu}/hotplug/fail` },
      { kind: down ? "offline" : "online", cpu },
    ],
  };
}

// States a failure can be injected at for a walk in one direction (cpu.c write_cpuhp_fail), per
// step table: it is the same for every state a search expands.
const FAILABLE = new WeakMap<readonly Step[], { up: number[]; down: number[] }>();

/**
 * The states a failure can be injected at (`hotplug/fail`) for a walk up, or `down`, in `k`'s
 * step table: named, not atomic, with a callback in that direction (cpu.c write_cpuhp_fail).
 *
 * @example
 * ```ts
 * import { failable } from "./moves.ts";
 * import { workspace } from "../explore/workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
 * assert.ok(failable(root, true).includes(root.line.cpuhp.TEARDOWN_CPU));
 * ```
 */
export function failable(k: Kernel, down: boolean): number[] {
  let found = FAILABLE.get(k.steps);
  if (!found) {
    found = { up: [], down: [] };
    for (let state = 1; state < k.steps.length; state++) {
      const step = k.steps[state];
      if (isAtomic(k.line, state) || step.name === null) continue;
      if (step.startup) found.up.push(state);
      if (step.teardown) found.down.push(state);
    }
    FAILABLE.set(k.steps, found);
  }
  return down ? found.down : found.up;
}

// A step whose callbacks do nothing the model keeps (no modelled effect, no wait on an hrtimer,
// not run per instance): entering it changes no state (lib/hotplug/invoke.ts invokeOne; only the
// history and the no-tick window's list of callbacks, both history, see it).
function inert(step: Step): boolean {
  if (step.multi) return false;
  return [step.startup, step.teardown].every((cb) =>
    cb === null || (cb.run === null && cb.waitsOnTimer === null)
  );
}

// The failable states whose injection a search makes: of two failable states with only inert
// steps between them (and the one further along the walk inert too), a walk failing at the one
// further along runs a subsequence of the other's callbacks, each on the same state, and ends in
// the same state — so the other one's move covers it (same state reached, its checks a subset).
// A walk down fails at state S after the teardowns above S and rolls back up: the lowest of such
// a run is kept. A walk up fails after the startups below S and rolls back down: the highest is
// kept. For a walk from a partial state, of the states it passes (injections() below): one it does
// not pass is never reached and stays armed.
const COVERING = new WeakMap<readonly Step[], { up: number[]; down: number[] }>();

/**
 * The failable states (see {@linkcode failable}) whose injection exploration makes for a walk from
 * an end: each of the others is covered by the nearest one kept further back along the walk.
 *
 * @example Most states of 5.5 run nothing the model keeps: a third are kept
 * ```ts
 * import { covering, failable } from "./moves.ts";
 * import { workspace } from "../explore/workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
 * const [kept, all] = [covering(root, true), failable(root, true)];
 * assert.ok(kept.every((state) => all.includes(state)));
 * assert.ok(kept.length * 2 < all.length);
 * ```
 */
export function covering(k: Kernel, down: boolean): number[] {
  let found = COVERING.get(k.steps);
  if (!found) {
    const quiet = (from: number, to: number) => {
      for (let state = from; state <= to; state++) if (!inert(k.steps[state])) return false;
      return true;
    };
    const [up, all] = [failable(k, false), failable(k, true)];
    found = {
      up: up.filter((state, i) => i === up.length - 1 || !quiet(state, up[i + 1] - 1)),
      down: all.filter((state, i) => i === 0 || !quiet(all[i - 1] + 1, state)),
    };
    COVERING.set(k.steps, found);
  }
  return down ? found.down : found.up;
}

/**
 * The failable states whose injection exploration makes for a walk from state `from` (up, or
 * `down`) to its end: those the walk passes as {@linkcode covering} keeps them, and every one it
 * does not pass (there the failure stays armed for a later walk, a state of its own). A covered
 * state is covered by its run's keeper, which lies further along the walk (the lowest of the run
 * going down, the highest going up): the walk passes the keeper whenever it passes the covered
 * one, and fails there after the same callbacks but for inert ones, wherever it started.
 *
 * @example 5.5, a CPU left at `smpboot/threads:online` (140) by a failed offline: going down
 * ```ts
 * import { covering, failable, injections } from "./moves.ts";
 * import { workspace } from "../explore/workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
 * const out = injections(root, true, 140);
 * assert.deepEqual(out.filter((s) => s <= 140), covering(root, true).filter((s) => s <= 140));
 * assert.deepEqual(out.filter((s) => s > 140), failable(root, true).filter((s) => s > 140));
 * ```
 */
export function injections(k: Kernel, down: boolean, from: number): number[] {
  // A walk refused before its first callback passes nothing: every failure stays armed, each a
  // state of its own (lib/hotplug/device.ts cpuUpDown: hotplug disabled; cpuhp.ts cpuDownLocked:
  // `_cpu_down()` while one CPU is online, whichever CPU it is asked of — 5.4.301 kernel/cpu.c:1050
  // `num_online_cpus() == 1` — e.g. a CPU at a partial target with CPU0 the only one online, or
  // CPU1 alone online where CPU0 can go offline).
  let online = 0;
  for (const c of k.s.cpus) if (c.online) online++;
  if (k.s.hotplugDisabled > 0 || (down && online < 2)) return failable(k, down);
  const kept = covering(k, down);
  const passed = (state: number) => down ? state <= from : state > from;
  return failable(k, down).filter((state) => !passed(state) || kept.includes(state));
}

// The partial targets a CPU can be sent to (cpu.c target_store with
// CONFIG_CPU_HOTPLUG_STATE_CONTROL): every named PREPARE-section state that is not cant_stop and
// whose startup would run again on the way back up, per step table.
const PARTIAL = new WeakMap<readonly Step[], number[]>();
function partialTargets(k: Kernel): number[] {
  let found = PARTIAL.get(k.steps);
  if (!found) {
    found = [];
    for (let state = 1; state < k.line.cpuhp.BRINGUP_CPU; state++) {
      const step = k.steps[state];
      if (step.name !== null && !step.cantStop && step.startup) found.push(state);
    }
    PARTIAL.set(k.steps, found);
  }
  return found;
}

/** Per kind, the operations a state allows (a hung machine allows none). */
export const MOVES: Readonly<Record<OperationKind, (k: Kernel) => ExploreOperation[]>> = {
  online: (k) =>
    k.s.cpus.filter((c) => c.devOffline).map((c) => onCpu("online", c.id))
      .filter((m) => allowed(k, m.ops[0])),
  offline: (k) =>
    k.s.cpus.filter((c) => !c.devOffline && hotpluggable(k, c.id))
      .map((c) => onCpu("offline", c.id))
      .filter((m) => allowed(k, m.ops[0])),
  // One tick: the smallest step after which something can differ. Time runs on after a hang, but
  // nothing new can happen then.
  advance: (k) => k.s.hang === null ? [one("advance", { kind: "advance", ns: k.period })] : [],
  hibernate: (k) =>
    ([{ kind: "hibernate" }, { kind: "resume" }] as const)
      .filter((op) => allowed(k, op)).map((op) => one("hibernate", op)),
  fail: (k) => {
    const moves: ExploreOperation[] = [];
    for (const c of k.s.cpus) {
      const down = !c.devOffline;
      if (down && !hotpluggable(k, c.id)) continue;
      if (!allowed(k, onCpu(down ? "offline" : "online", c.id).ops[0])) return [];
      // A callback takes simulated time when `timing.callbackNs` is set: then none is inert.
      const states = k.s.config.timing.callbackNs === 0
        ? injections(k, down, c.state)
        : failable(k, down);
      for (const state of states) moves.push(failAt(down, c.id, state));
    }
    return moves;
  },
  kexec: (k) => allowed(k, { kind: "kexec" }) ? [one("kexec", { kind: "kexec" })] : [],
  kdump: (k) => allowed(k, { kind: "kdump" }) ? [one("kdump", { kind: "kdump" })] : [],
  // `echo N > cpuX/hotplug/target` (needs CONFIG_CPU_HOTPLUG_STATE_CONTROL): an online CPU part
  // way down to a PREPARE-section state, and a CPU left there back to CPUHP_ONLINE.
  target: (k) => {
    if (!k.s.config.hotplugStateControl) return [];
    const moves: ExploreOperation[] = [];
    const online = k.line.cpuhp.ONLINE;
    const write = (cpu: number, state: number): ExploreOperation => ({
      kind: "target",
      ops: [{ kind: "echo", value: `${state}\n`, path: `${CPU_DIR}/cpu${cpu}/hotplug/target` }],
    });
    for (const c of k.s.cpus) {
      if (!hotpluggable(k, c.id)) continue;
      if (c.state === online) { for (const t of partialTargets(k)) moves.push(write(c.id, t)); }
      else if (c.state > 0 && c.state === c.target) moves.push(write(c.id, online));
    }
    return moves.filter((m) => allowed(k, m.ops[0]));
  },
};

/** The REPL lines that replay an operation of exploration. */
export function moveScript(move: ExploreOperation): string[] {
  return move.ops.map(formatOperation);
}

/** The same operation with the race set to `side` first. */
export function raceVariant(move: ExploreOperation, side: "sleeps" | "passes"): ExploreOperation {
  return { ...move, race: side, ops: [{ kind: "race", side }, ...move.ops] };
}

/**
 * Runs an operation of exploration on `t` (no results built, no checks: the search only makes
 * allowed ones); false when the kernel refused it before changing anything.
 */
export function applyMove(t: Target, move: ExploreOperation): boolean {
  for (const op of move.ops) {
    const s = spec(op);
    if (s.refused(s.apply(t, op))) return false;
  }
  return true;
}
