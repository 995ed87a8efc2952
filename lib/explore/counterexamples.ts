/**
 * The search tree and the counterexamples found in it: each node's parent and the operation that
 * reached it, and per (invariant, kind of last operation) the first violation met. Breadth-first
 * order meets it on a shortest path, which is written out as REPL lines and a `.hvt` script.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import type { VmOptions } from "../api/builder.ts";
import type { Kernel } from "../engine/kernel.ts";
import { type ExploreOperation, moveScript, type OperationKind } from "../ops/moves.ts";
import { type Recorder, violationStep } from "./checker.ts";
import { replayScript } from "../ops/script.ts";
import { concreteOperations } from "./concrete.ts";

/** What a replay of a counterexample gives: per operation, its violations (runScenario's). */
type Replayed = {
  readonly operations: readonly {
    readonly violations: readonly {
      readonly message: string;
      readonly step: ViolationStep | null;
    }[];
  }[];
};

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

/**
 * Nodes (node 0 is the booted state) and the first violation per (invariant, kind).
 *
 * @example The path to a node, as REPL lines
 * ```ts
 * import { Counterexamples } from "./counterexamples.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const ws = workspace({ cpus: 2 });
 * const tree = new Counterexamples(ws.root, ws.config, ws.options);
 * const node = tree.add(0, { kind: "offline", ops: [{ kind: "offline", cpu: 1 }] });
 * const last = { kind: "online", ops: [{ kind: "online", cpu: 1 }] } as const;
 * assert.deepEqual(tree.pathTo(node, last), [["offline 1"], ["online 1"]]);
 * ```
 */
export class Counterexamples {
  readonly #parent: number[] = [-1];
  readonly #via: (ExploreOperation | null)[] = [null];
  // With symmetry, a violation is written out when listed (see list()).
  readonly #found = new Map<string, Violation | (() => Violation)>();

  /**
   * For searches from `root`, a boot of `config` (written in scripts as `options`), with `group`
   * the CPUs it explores once per orbit (symmetry.ts).
   */
  constructor(
    readonly root: Kernel,
    readonly config: MachineConfig,
    readonly options: VmOptions,
    readonly group: readonly number[] = [],
    readonly replay: ((lines: string[], invariant: string) => Replayed) | null = null,
  ) {}

  /** Adds a node reached from `parent` by `op`; returns its number. */
  add(parent: number, op: ExploreOperation): number {
    this.#parent.push(parent);
    this.#via.push(op);
    return this.#parent.length - 1;
  }

  /**
   * The REPL lines of every operation from the boot to `node`, then `last` (in the boot's CPU
   * numbers).
   */
  pathTo(node: number, last: ExploreOperation | null): string[][] {
    return this.#path(node, last).map(moveScript);
  }

  #path(node: number, last: ExploreOperation | null): ExploreOperation[] {
    const ops: ExploreOperation[] = last ? [last] : [];
    for (let n = node; n > 0; n = this.#parent[n]) ops.unshift(this.#via[n]!);
    return this.group.length ? concreteOperations(this.root, this.group, ops) : ops;
  }

  /** Whether the (invariant, kind) pair of `key` ({@linkcode keyOf}) has its counterexample. */
  has(key: string): boolean {
    return this.#found.has(key);
  }

  /**
   * Keeps a violation of `c` in node `node` (inside `last` run from it, at `step`), unless one
   * of that invariant during that kind of operation was met before.
   */
  readonly record: Recorder = (c, message, node, last, step, k) => {
    const during = last?.kind ?? (node > 0 ? this.#via[node]!.kind : "boot");
    const key = keyOf(c.inv.name, during);
    if (this.#found.has(key)) return;
    const found = { message, step: violationStep(k, c.inv, step) };
    const violation = (scripts: string[][], at = found): Violation => {
      const operations = scripts.map((lines) => lines.join("; "));
      return {
        invariant: c.inv.name,
        message: at.message,
        expected: c.expected,
        during,
        operations,
        step: at.step,
        script: replayScript(
          `hvtick explore: shortest counterexample for ${c.inv.name} during ${during} ` +
            `(${operations.length} operation${operations.length === 1 ? "" : "s"})`,
          this.config,
          this.options,
          scripts.flat(),
        ),
      };
    };
    if (this.group.length === 0 || this.replay === null || (node === 0 && last === null)) {
      this.#found.set(key, violation(this.pathTo(node, last)));
      return;
    }
    // With symmetry, the path and what the violation says (its CPU numbers, its step) come from
    // its replay in the boot's numbering, made when listed: once per counterexample kept.
    this.#found.set(key, () => {
      const scripts = this.pathTo(node, last);
      return violation(scripts, this.#replayed(scripts, c.inv.name, step === null));
    });
  };

  // The violation of `invariant` in the last operation of `scripts` (or the state after it),
  // replayed from the boot. @throws {Error} when the replay does not violate it there.
  #replayed(scripts: string[][], invariant: string, inState: boolean) {
    const run = this.replay!(scripts.flat(), invariant);
    const last = run.operations.slice(-scripts[scripts.length - 1].length);
    // A state's check comes after the steps' checks of the operation before it.
    const found = last.flatMap((o) => o.violations);
    const v = inState ? found[found.length - 1] : found[0];
    if (!v) {
      throw new Error(
        `explore: the counterexample for ${invariant} (${scripts.flat().join("; ")}) does not ` +
          `violate it when replayed: the CPUs it treats as interchangeable are not`,
      );
    }
    return { message: v.message, step: v.step };
  }

  /** The violations kept, in the order met. */
  list(): Violation[] {
    return [...this.#found].map(([key, v]) => {
      if (typeof v !== "function") return v;
      const out = v();
      this.#found.set(key, out);
      return out;
    });
  }
}

/**
 * The key of an (invariant, kind of operation) pair: one counterexample each.
 *
 * @example
 * ```ts
 * import { keyOf } from "./counterexamples.ts";
 * import assert from "node:assert/strict";
 * assert.notEqual(keyOf("no-hang", "offline"), keyOf("no-hang", "hibernate"));
 * ```
 */
export function keyOf(invariant: string, during: OperationKind | "boot"): string {
  return `${invariant}\0${during}`;
}
