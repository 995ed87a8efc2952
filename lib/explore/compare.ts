/**
 * `compare()`: one scenario on two configurations, side by side, and the first point where the
 * two runs differ. Steps are matched by name and callback, not number: state numbers differ
 * between kernel lines.
 *
 * @module
 */

import {
  deviceChange,
  type OperationRecord,
  runScenario,
  type ScenarioRun,
  type StepRecord,
} from "./scenario.ts";
import type { CustomInvariant } from "./invariants.ts";
import { INVARIANT_LIST } from "./checker.ts";
import { RUN } from "./run.ts";
import { object, optional, readData, readInput } from "../util/check.ts";

/**
 * Options that name the invariants only (`compare()`, `record()`).
 *
 * @example
 * ```ts
 * import { INVARIANTS_ONLY } from "./compare.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(INVARIANTS_ONLY({ invariants: ["no-hang"] }, "options"), { invariants: ["no-hang"] });
 * assert.throws(() => INVARIANTS_ONLY({ depth: 2 }, "options"), /options: unknown key "depth"/);
 * ```
 */
export const INVARIANTS_ONLY = object<
  { readonly invariants?: readonly (string | CustomInvariant)[] }
>(
  { invariants: optional(INVARIANT_LIST) },
  "options",
);
import type { ConfigInput } from "./workspace.ts";

/** Where two runs first differ. */
export interface Divergence {
  /** Index of the operation (0-based). */
  readonly operation: number;
  /** Its line. */
  readonly line: string;
  /** Index of the step inside it, or null when the steps agree and the outcomes differ. */
  readonly step: number | null;
  /** Configuration A's step there (null: A has no such step). */
  readonly a: StepRecord | null;
  /** Configuration B's step there. */
  readonly b: StepRecord | null;
  /** What differs, in words. */
  readonly reason: string;
}

/** Two runs of one scenario (plain data). */
export interface Comparison {
  /** The run on configuration A. */
  readonly a: ScenarioRun;
  /** The run on configuration B. */
  readonly b: ScenarioRun;
  /** The first difference, or null when the runs agree step by step. */
  readonly divergence: Divergence | null;
}

function sameStep(x: StepRecord, y: StepRecord): boolean {
  return x.stateName === y.stateName && x.callback === y.callback && x.teardown === y.teardown &&
    x.before === y.before && x.after === y.after && x.hung === y.hung;
}

function describe(s: StepRecord | null): string {
  if (!s) return "nothing";
  const moved = deviceChange(s);
  const how = s.teardown ? "teardown" : "startup";
  const end = s.hung ? ", and it never returns (hang)" : "";
  return `${how} of ${s.stateName} (${s.callback}), tick device ${moved}${end}`;
}

function diverge(i: number, a: OperationRecord, b: OperationRecord): Divergence | null {
  const n = Math.max(a.steps.length, b.steps.length);
  for (let j = 0; j < n; j++) {
    const x = a.steps[j] ?? null;
    const y = b.steps[j] ?? null;
    if (x && y && sameStep(x, y)) continue;
    return {
      operation: i,
      line: a.line,
      step: j,
      a: x,
      b: y,
      reason: `A: ${describe(x)}; B: ${describe(y)}`,
    };
  }
  // Past the steps: the outcome, then the devices bound afterwards.
  const after = (reason: string): Divergence => ({
    operation: i,
    line: a.line,
    step: null,
    a: null,
    b: null,
    reason,
  });
  const outcome = (o: OperationRecord) => o.hang ? "hang" : o.ok ? "ok" : "refused";
  if (outcome(a) !== outcome(b)) return after(`A: ${a.message}; B: ${b.message}`);
  const cpu = a.bound.findIndex((d, c) => d !== b.bound[c]);
  if (cpu >= 0) {
    return after(
      `afterwards CPU${cpu}'s tick device is ${a.bound[cpu] ?? "(none)"} on A, ${
        b.bound[cpu] ?? "(none)"
      } on B`,
    );
  }
  return null;
}

/**
 * Runs `scenario` (operation lines, see {@linkcode parseScenario}) on configurations A and B and
 * finds the first difference: a hotplug step (by name and callback) or the tick device around
 * it, an outcome (ok, refused, hung), or the devices bound afterwards.
 *
 * @example
 * ```ts
 * import { compare } from "./compare.ts";
 * import assert from "node:assert/strict";
 * const c = compare(["offline 1"], { hyperv: "2019", kernel: "5.4", cpus: 2 }, {
 *   hyperv: "2019",
 *   kernel: "5.5",
 *   cpus: 2,
 * });
 * assert.equal(c.a.operations[0].hang?.callback, "smpboot_park_threads");
 * assert.equal(c.b.operations[0].ok, true);
 * assert.equal(c.divergence?.operation, 0);
 * ```
 * @throws as {@linkcode runScenario} does, for either configuration, before anything runs.
 */
export function compare(
  scenario: string | readonly string[],
  a: ConfigInput,
  b: ConfigInput,
  options: { readonly invariants?: readonly (string | CustomInvariant)[] } = {},
): Comparison {
  options = INVARIANTS_ONLY(readInput(options, "options"), "options");
  return comparison(runScenario(a, scenario, options), runScenario(b, scenario, options));
}

/**
 * Compares two runs of one scenario (from {@linkcode runScenario} or a recording's `run`).
 *
 * @example
 * ```ts
 * import { compareRuns } from "./compare.ts";
 * import { runScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const run = runScenario({ cpus: 2 }, ["advance 4ms"]);
 * assert.equal(compareRuns(run, run).divergence, null);
 * ```
 * @throws {RangeError} when the runs are of different scenarios; {@linkcode TypeError} /
 * `RangeError` for what is not a run (naming where).
 */
export function compareRuns(a: ScenarioRun, b: ScenarioRun): Comparison {
  return comparison(RUN(readData(a, "run a"), "run a"), RUN(readData(b, "run b"), "run b"));
}

function comparison(a: ScenarioRun, b: ScenarioRun): Comparison {
  const lines = (r: ScenarioRun) => r.operations.map((o) => o.line).join("\n");
  if (lines(a) !== lines(b)) {
    throw new RangeError("Cannot compare runs of different scenarios: their operations differ");
  }
  let divergence: Divergence | null = null;
  for (let i = 0; i < a.operations.length && !divergence; i++) {
    divergence = diverge(i, a.operations[i], b.operations[i]);
  }
  return { a, b, divergence };
}
