/**
 * The invariant checks at one point (a state, an atomic step, another step), as planned once per
 * step of a kernel line: which invariants apply there (counted), and of those which can be
 * violated there (called; an invariant's `firesAt`). docs/model.md §Exploration, "Checks
 * skipped", says why that is exact.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { StepPoint } from "../engine/observe.ts";
import { isAtomic, type KernelLine, sectionOf } from "../engine/line.ts";
import type { BuiltinInvariant, CheckPoint } from "./invariants.ts";

/** An invariant being checked, with its counts. */
export interface Checked {
  /** The rule. */
  readonly inv: BuiltinInvariant;
  /** Whether violations are expected on the machine's design. */
  readonly expected: boolean;
  /** Points checked. */
  checks: number;
  /** Points that violated it. */
  violations: number;
}

/**
 * Checks every invariant that applies at a point (a state, an atomic step, another step);
 * `report` gets each violation. Which apply, and of those which can be violated there (an
 * invariant's `firesAt`), is worked out once per step of a kernel line: the others are counted
 * checked without being called, as their check returns null there (docs/model.md §Exploration,
 * "Checks skipped"). Counts are added at once, or, while {@linkcode InvariantChecks.defer}red,
 * when {@linkcode InvariantChecks.flush}ed.
 *
 * @example A walk's points: each invariant counted where it applies
 * ```ts
 * import { InvariantChecks } from "./invariant_checks.ts";
 * import { checkedInvariants } from "./checker.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ cpus: 2 });
 * const checked = checkedInvariants(root, ["timer-for-every-step", "no-hang"]);
 * const checks = new InvariantChecks(checked);
 * const before = { now: root.s.now, monotonic: root.s.now };
 * const at = (phase: "enter" | "exit") =>
 *   ({ cpu: 1, state: 1, callback: "x", teardown: false, phase });
 * checks.defer(true);
 * checks.check({ k: root, step: at("enter"), before }, () => {});
 * checks.check({ k: root, step: at("exit"), before }, () => {});
 * checks.check({ k: root, step: null, before }, () => {});
 * assert.deepEqual(checked.map((c) => c.checks), [0, 0]);
 * checks.flush();
 * assert.deepEqual(checked.map((c) => c.checks), [2, 1]);
 * ```
 */
export class InvariantChecks {
  // What is counted per kind of point: 0 a state, 1 an atomic step, 2 another step.
  readonly #lists: readonly (readonly Checked[])[];
  // Points met per kind, not yet added to the counts.
  readonly #pending = new Float64Array(3);
  #deferred = false;
  // Per step of the line last checked (index 4 * state + 2 * teardown + exit): what to run there.
  #line: Kernel["line"] | null = null;
  #plans: (Plan | undefined)[] = [];
  readonly #statesPlan: Plan;

  /** Sorts `checked` by where each applies. */
  constructor(readonly checked: readonly Checked[]) {
    const states = checked.filter((c) => c.inv.inStates);
    this.#lists = [
      states,
      checked.filter((c) => c.inv.during === "all"),
      checked.filter((c) => c.inv.during !== "none"),
    ];
    this.#statesPlan = { callback: "", kind: 0, fire: states };
  }

  /** Checks the invariants that apply at `at`. */
  check(at: CheckPoint, report: (c: Checked, message: string) => void): void {
    const step = at.step;
    const plan = step === null ? this.#statesPlan : this.#planAt(at.k.line, step);
    this.#pending[plan.kind]++;
    const fire = plan.fire;
    for (let i = 0; i < fire.length; i++) {
      const c = fire[i];
      const message = c.inv.check(at);
      if (message !== null) {
        c.violations++;
        report(c, message);
      }
    }
    if (!this.#deferred) this.flush();
  }

  /**
   * Adds the counts of checks made while deferred to each invariant's `checks` (violations are
   * counted as met).
   */
  flush(): void {
    const pending = this.#pending;
    for (let kind = 0; kind < 3; kind++) {
      const n = pending[kind];
      if (n === 0) continue;
      const list = this.#lists[kind];
      for (let i = 0; i < list.length; i++) list[i].checks += n;
      pending[kind] = 0;
    }
  }

  /**
   * Whether checks add their counts when {@linkcode InvariantChecks.flush}ed rather than at
   * once (a walk's hundreds of points, each counting every invariant); returns what it was.
   */
  defer(on: boolean): boolean {
    const was = this.#deferred;
    this.#deferred = on;
    return was;
  }

  #planAt(line: Kernel["line"], step: StepPoint): Plan {
    if (line !== this.#line) {
      this.#line = line;
      this.#plans = [];
    }
    const at = 4 * step.state + (step.teardown ? 2 : 0) + (step.phase === "exit" ? 1 : 0);
    const known = this.#plans[at];
    // A step's callback is the one its state has in that direction; another name (a point made
    // up by a caller) gets a plan of its own, not kept.
    if (known !== undefined && known.callback === step.callback) return known;
    const plan = planOf(this.#lists, line, step);
    if (known === undefined) this.#plans[at] = plan;
    return plan;
  }
}

// A step's plan. Apart from #planAt: a closure there would make every call allocate a context for
// what it captures (0.44 GiB in the 8-vCPU depth-12 search), not only the calls that make a plan.
function planOf(lists: readonly (readonly Checked[])[], line: KernelLine, step: StepPoint): Plan {
  const kind = isAtomic(line, step.state) ? 1 : 2;
  const fire = lists[kind].filter((c) => firesAt(c.inv, line, step));
  return { callback: step.callback, kind, fire };
}

// What runs at one kind of point: its kind (what it counts) and the invariants called there.
interface Plan {
  readonly callback: string;
  readonly kind: 0 | 1 | 2;
  readonly fire: readonly Checked[];
}

/**
 * Whether `inv` can be violated at `step` (of a kernel of `line`): its `firesAt` allows it there
 * (no `firesAt`: anywhere it is checked).
 *
 * @example timer-for-every-step: before ONLINE-section callbacks only
 * ```ts
 * import { firesAt } from "./invariant_checks.ts";
 * import { INVARIANTS } from "./invariants.ts";
 * import { KERNEL_LINES } from "../kernels/lines.ts";
 * import assert from "node:assert/strict";
 * const inv = INVARIANTS.find((i) => i.name === "timer-for-every-step")!;
 * const line = KERNEL_LINES["6.6"];
 * const at = (state: number, phase: "enter" | "exit") =>
 *   ({ cpu: 1, state, callback: "x", teardown: false, phase });
 * assert.equal(firesAt(inv, line, at(line.cpuhp.AP_ONLINE + 2, "enter")), true);
 * assert.equal(firesAt(inv, line, at(line.cpuhp.AP_ONLINE + 2, "exit")), false);
 * assert.equal(firesAt(inv, line, at(line.cpuhp.AP_ONLINE - 1, "enter")), false);
 * ```
 */
export function firesAt(inv: BuiltinInvariant, line: Kernel["line"], step: StepPoint): boolean {
  const where = inv.firesAt;
  if (where === undefined) return true;
  if (where.phase !== undefined && where.phase !== step.phase) return false;
  if (where.section !== undefined && where.section !== sectionOf(line, step.state)) return false;
  return where.callbacks === undefined || where.callbacks.includes(step.callback);
}
