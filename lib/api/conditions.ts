/**
 * Stop conditions, as one table: what `break` and `advance --until` take in the REPL and
 * `runUntil()` in the API — a hang, a violation, a CPU reaching a hotplug state, a callback about
 * to run, a tick-device change. Each kind has its words (`state 95 --cpu 2`), its text, and how it
 * is armed on a kernel: a test at every boundary (before and after each hotplug callback, after
 * each interrupt instant, after an operation) that returns what happened, or null.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { StepPoint } from "../engine/observe.ts";
import { cpuWord, type Grammar, parseWords } from "../ops/grammar.ts";
import { words } from "../ops/lexer.ts";
import { didYouMean } from "../util/hint.ts";
import { show } from "../util/check.ts";
import { isPlainObject, readInput } from "../util/read.ts";
import { stateName } from "../machine/info.ts";

/** A stop condition. */
export type Condition =
  | { readonly kind: "hang" }
  | { readonly kind: "violation"; readonly invariant?: string }
  | { readonly kind: "state"; readonly state: number | string; readonly cpu?: number }
  | { readonly kind: "callback"; readonly callback: string; readonly cpu?: number }
  | { readonly kind: "device"; readonly cpu?: number };

/** A condition's kind. */
export type ConditionKind = Condition["kind"];

/** A condition armed on a kernel: what it watches, tested at each boundary. */
export interface Armed {
  /** At a callback boundary (`step`) or after an instant or an operation (null): what happened. */
  at(k: Kernel, step: StepPoint | null): string | null;
  /** A CPU's tick device changed (lib/engine/observe.ts). */
  device?(cpu: number, device: string | null, previous: string | null): void;
}

/**
 * How `violation` checks the invariants at a point: armed on a kernel for one invariant (or every
 * one not expected on its design), it returns `NAME: message` for a violation, or null.
 */
export type InvariantCheck = (
  k: Kernel,
  invariant: string | undefined,
) => (k: Kernel, step: StepPoint | null) => string | null;

// The invariants live in lib/explore/, above this layer; lib/explore/violations.ts installs them.
let invariants: InvariantCheck | null = null;

/** Installs the invariant check `violation` conditions use (lib/explore/violations.ts does). */
export function installInvariantCheck(check: InvariantCheck): void {
  invariants = check;
}

interface ConditionSpec {
  readonly summary: string;
  readonly grammar: Grammar;
  readonly parse: (value: string | undefined, cpu: number | undefined) => Condition;
  readonly text: (c: Condition) => string;
  readonly arm: (k: Kernel, c: Condition) => Armed;
}

const CPU_OPTION = { cpu: { type: "string", value: "CPU", help: "only this CPU" } } as const;
const onCpu = (cpu?: number) => cpu === undefined ? "" : ` --cpu ${cpu}`;

/**
 * The words of a condition on a thing its kind names (the key of the same name), on one CPU or
 * any: `state 95 --cpu 2`, `callback hv_synic_cleanup`.
 */
function namedCondition(
  kind: "state" | "callback",
  word: string,
): Pick<ConditionSpec, "grammar" | "parse" | "text"> {
  return {
    grammar: { positionals: [{ name: word }], options: CPU_OPTION },
    parse: (value, cpu) =>
      ({ kind, [kind]: value!, ...(cpu === undefined ? {} : { cpu }) }) as Condition,
    text: (c) => {
      const s = c as { state?: number | string; callback?: string; cpu?: number };
      return `${kind} ${s[kind]}${onCpu(s.cpu)}`;
    },
  };
}

/** The CPU a boundary leaves `cpu` at, in `cpuhp_cpu_state.state`'s meaning (done up to it). */
function settled(k: Kernel, cpu: number, p: StepPoint | null): number {
  if (!p || p.cpu !== cpu) return k.s.cpus[cpu].state;
  // Before a startup of N the walk is done up to N-1; after a teardown of N, down to N-1.
  return (p.phase === "enter") === p.teardown ? p.state : p.state - 1;
}

/** The state number `value` names on `k`: a number, or a name as `hotplug/states` lists it. */
export function stateNumber(k: Kernel, value: number | string): number {
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(n) && n >= 0 && n < k.steps.length) return n;
  const found = typeof value === "string" ? k.steps.find((s) => s.name === value) : undefined;
  if (found) return found.state;
  const names = k.steps.flatMap((s) => s.name ? [s.name] : []);
  throw new RangeError(
    `state ${show(value)}${typeof value === "string" ? didYouMean(value, names) : ""}: not a ` +
      `hotplug state of this kernel; valid: 0 to ${k.steps.length - 1}, or a name ` +
      `hotplug/states lists (${names.slice(0, 3).join(", ")}, …)`,
  );
}

const CONDITIONS: { readonly [K in ConditionKind]: ConditionSpec } = {
  hang: {
    summary: "the machine hangs (a walk that never ends)",
    grammar: {},
    parse: () => ({ kind: "hang" }),
    text: () => "hang",
    arm(k) {
      const was = k.s.hang !== null;
      return { at: (k, p) => !was && !p && k.s.hang ? `hung: ${k.s.hang.reason}` : null };
    },
  },
  violation: {
    summary: "an invariant is violated (named, or any not expected on this design)",
    grammar: { positionals: [{ name: "INVARIANT", optional: true }] },
    parse: (value) =>
      value === undefined ? { kind: "violation" } : { kind: "violation", invariant: value },
    text: (c) => {
      const name = (c as Extract<Condition, { kind: "violation" }>).invariant;
      return `violation${name === undefined ? "" : ` ${name}`}`;
    },
    arm(k, c) {
      if (!invariants) {
        throw new RangeError(
          "violation conditions check hvtick's invariants, which mod.ts installs: import mod.ts",
        );
      }
      const check = invariants(k, (c as Extract<Condition, { kind: "violation" }>).invariant);
      return { at: (k, step) => check(k, step) };
    },
  },
  state: {
    summary: "a CPU reaches a hotplug state (its callbacks up to it done, or down to it torn down)",
    ...namedCondition("state", "STATE"),
    arm(k, c) {
      const s = c as Extract<Condition, { kind: "state" }>;
      const target = stateNumber(k, s.state);
      const cpus = s.cpu === undefined ? k.s.cpus.map((x) => x.id) : [s.cpu];
      // The state each watched CPU was last seen at (one CPU's alone when one is named: arming
      // reads no more of 2048 CPUs than it watches).
      const last: number[] = [];
      for (const cpu of cpus) last[cpu] = k.s.cpus[cpu].state;
      return {
        at(k, p) {
          let hit: number | null = null;
          for (const cpu of cpus) {
            const was = last[cpu];
            const now = settled(k, cpu, p);
            last[cpu] = now;
            const crossed = (was < target && now >= target) || (was > target && now <= target);
            if (crossed && hit === null) hit = cpu;
          }
          return hit === null
            ? null
            : `CPU${hit} reached state ${target} (${stateName(k, target)})`;
        },
      };
    },
  },
  callback: {
    summary: "a hotplug callback is about to run (the walk stops before it)",
    ...namedCondition("callback", "CALLBACK"),
    arm(k, c) {
      const s = c as Extract<Condition, { kind: "callback" }>;
      const names = [...new Set(k.steps.flatMap((x) => [x.startup?.name, x.teardown?.name]))]
        .filter((x): x is string => !!x);
      if (!names.includes(s.callback)) {
        throw new RangeError(
          `callback ${show(s.callback)}${didYouMean(s.callback, names)}: no hotplug state of ` +
            `this kernel has it; valid: ${
              names.slice(0, 4).join(", ")
            }, … (${names.length} in all)`,
        );
      }
      return {
        at: (_k, p) =>
          p && p.phase === "enter" && p.callback === s.callback &&
            (s.cpu === undefined || p.cpu === s.cpu)
            ? `CPU${p.cpu} is about to run ${p.callback}`
            : null,
      };
    },
  },
  device: {
    summary: "a CPU's tick device changes (what current_device shows)",
    grammar: { options: CPU_OPTION },
    parse: (_value, cpu) => cpu === undefined ? { kind: "device" } : { kind: "device", cpu },
    text: (c) => `device${onCpu((c as { cpu?: number }).cpu)}`,
    arm(_k, c) {
      const only = (c as { cpu?: number }).cpu;
      let seen: string | null = null;
      return {
        device(cpu, device, previous) {
          if (only === undefined || cpu === only) {
            seen ??= `CPU${cpu}'s tick device: ${device ?? "(none)"} <- ${previous ?? "(none)"}`;
          }
        },
        at() {
          const out = seen;
          seen = null;
          return out;
        },
      };
    },
  },
};

/** The condition kinds, in table order. */
export const CONDITION_KINDS: readonly ConditionKind[] = Object.keys(CONDITIONS) as ConditionKind[];

/** Each kind's words and summary, for help and completion. */
export const CONDITION_GRAMMAR: readonly {
  readonly kind: ConditionKind;
  readonly summary: string;
  readonly grammar: Grammar;
}[] = CONDITION_KINDS.map((kind) => ({
  kind,
  summary: CONDITIONS[kind].summary,
  grammar: CONDITIONS[kind].grammar,
}));

/**
 * A condition from its words (`state 95 --cpu 2`, `device`, `violation no-hang`); `cpus` checks
 * CPU numbers.
 *
 * @example
 * ```ts
 * import { parseCondition } from "./conditions.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseCondition("state 95 --cpu 2", 4), { kind: "state", state: "95", cpu: 2 });
 * assert.throws(() => parseCondition("hnag", 4), /not a stop condition; valid: hang, violation/);
 * ```
 * @throws {RangeError} for words that are not a condition, naming what is valid.
 */
export function parseCondition(text: string | readonly string[], cpus: number): Condition {
  const input = readInput(text, "text");
  if (
    typeof input !== "string" &&
    !(Array.isArray(input) && input.every((w: unknown) => typeof w === "string"))
  ) {
    throw new TypeError(`Invalid condition text ${show(input)}: expected a string or words`);
  }
  if (!Number.isSafeInteger(cpus) || cpus < 1) {
    throw new RangeError(
      `Invalid cpus ${show(cpus)}: expected the VM's CPU count (an integer ≥ 1)`,
    );
  }
  const argv = typeof input === "string" ? words(input) : [...input];
  const kind = argv[0] as ConditionKind;
  if (!kind || !Object.hasOwn(CONDITIONS, kind)) {
    throw new RangeError(
      `${show(argv[0] ?? "")} is not a stop condition${
        didYouMean(argv[0] ?? "", CONDITION_KINDS)
      }; ` +
        `valid: ${CONDITION_KINDS.join(", ")}`,
    );
  }
  const spec = CONDITIONS[kind];
  const p = parseWords(kind, spec.grammar, argv.slice(1));
  const cpu = p.values.cpu === undefined ? undefined : cpuWord(String(p.values.cpu), cpus);
  return spec.parse(p.positionals[0], cpu);
}

/** A condition's words, as `parseCondition` takes them. */
export function conditionText(c: Condition): string {
  const checked = checkCondition(c, "condition");
  return CONDITIONS[checked.kind].text(checked);
}

// Each kind's keys beside `kind`, and what each holds.
const KEYS: {
  readonly [K in ConditionKind]: Readonly<Record<string, "string" | "state" | "cpu">>;
} = {
  hang: {},
  violation: { invariant: "string" },
  state: { state: "state", cpu: "cpu" },
  callback: { callback: "string", cpu: "cpu" },
  device: { cpu: "cpu" },
};

const WANT = {
  string: "a string",
  state: "a state number or name",
  cpu: "a CPU number (an integer ≥ 0)",
} as const;

/**
 * `value` checked as a condition object (its kind, its keys, their types), copied.
 *
 * @example
 * ```ts
 * import { checkCondition } from "./conditions.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkCondition({ kind: "device", cpu: 1 }, "condition"), { kind: "device", cpu: 1 });
 * assert.throws(() => checkCondition({ kind: "device", when: 1 }, "c"), /c.when: not a key of a device condition/);
 * ```
 * @throws {TypeError} for what is not a condition; {@linkcode RangeError} for a bad key or value.
 */
export function checkCondition(value: unknown, at: string): Condition {
  const c = readInput(value, at) as Record<string, unknown>;
  if (!isPlainObject(c) || typeof c.kind !== "string" || !Object.hasOwn(CONDITIONS, c.kind)) {
    throw new TypeError(
      `Invalid ${at} ${show(c)}: expected a condition { kind } with kind one of ${
        CONDITION_KINDS.join(", ")
      }`,
    );
  }
  const keys = KEYS[c.kind as ConditionKind];
  for (const [key, v] of Object.entries(c)) {
    if (key === "kind") continue;
    const want = keys[key];
    if (!want) {
      throw new RangeError(
        `${at}.${key}: not a key of a ${c.kind} condition; valid: ${
          ["kind", ...Object.keys(keys)].join(", ")
        }`,
      );
    }
    const ok = want === "string"
      ? typeof v === "string"
      : want === "cpu"
      ? Number.isSafeInteger(v) && (v as number) >= 0
      : typeof v === "string" || (Number.isSafeInteger(v) && (v as number) >= 0);
    // An optional key may be absent; `cpu: undefined` is absent.
    if (!ok && !(v === undefined && key !== "state" && key !== "callback")) {
      throw new TypeError(`Invalid ${at}.${key} ${show(v)}: expected ${WANT[want]}`);
    }
  }
  for (const key of ["state", "callback"]) {
    if (key in keys && c[key] === undefined) {
      throw new TypeError(`Invalid ${at}.${key}: a ${c.kind} condition needs it`);
    }
  }
  return c as unknown as Condition;
}

/**
 * Arms `c` on `k` (checking what it names against this kernel: a state, a callback, an invariant).
 * @throws {TypeError} for what is not a condition; {@linkcode RangeError} for one naming nothing here.
 */
export function armCondition(k: Kernel, condition: Condition): Armed {
  const c = checkCondition(condition, "condition");
  const cpu = (c as { cpu?: number }).cpu;
  if (cpu !== undefined && cpu >= k.s.cpus.length) {
    throw new RangeError(
      `Invalid condition.cpu ${cpu}: this VM has CPUs 0 to ${k.s.cpus.length - 1}`,
    );
  }
  return CONDITIONS[c.kind].arm(k, c);
}
