/**
 * Scenarios: a list of operations in the REPL's words (`offline 2`, `advance 10ms`, `hibernate`,
 * `echo 171 > …/hotplug/fail`…), run on a machine with every hotplug step recorded (the
 * hotplugged CPU's tick device before and after each callback) and the invariants checked at
 * each step and after each operation. `compare()` runs one on two configurations.
 *
 * @module
 */

import { kernelOf, type Machine } from "../machine/machine.ts";
import type { MachineConfig } from "../engine/config.ts";
import type { Hang, Problem } from "../engine/state.ts";
import type { StepPoint } from "../engine/observe.ts";
import type { TraceEvent } from "../engine/trace.ts";
import { parseDuration } from "../util/duration.ts";
import {
  type Checked,
  checkedInvariants,
  type CustomInvariant,
  designOf,
  guestMonotonic,
  InvariantChecks,
  type InvariantVerdict,
  verdicts,
  violationStep,
} from "./invariants.ts";
import type { ViolationStep } from "./search.ts";
import { builderOf, type ConfigInput } from "./workspace.ts";

/** One callback of a hotplug walk, with the hotplugged CPU's tick device around it. */
export interface StepRecord {
  /** The CPU being hotplugged. */
  readonly cpu: number;
  /** Hotplug state number (numbers differ between kernel lines; names do not). */
  readonly state: number;
  /** Its name. */
  readonly stateName: string;
  /** The callback. */
  readonly callback: string;
  /** Whether it was a teardown. */
  readonly teardown: boolean;
  /** How many callbacks it ran inside of (the AP's steps run inside `bringup_cpu`/`takedown_cpu`). */
  readonly depth: number;
  /** The CPU's tick device before the callback ran (device name, or null). */
  readonly before: string | null;
  /** Its tick device after the callback returned (as before when it never returned). */
  readonly after: string | null;
  /** The callback never returned: the operation hung in it. */
  readonly hung: boolean;
}

/**
 * The hotplugged CPU's tick device around a step: "NAME", or "BEFORE -> AFTER" when the step
 * changed it ("(none)" for no device).
 *
 * @example
 * ```ts
 * import { deviceChange, runScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const [off] = runScenario({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }, ["offline 1"]).operations;
 * assert.ok(off.steps.map(deviceChange).includes("Hyper-V clockevent -> lapic"));
 * ```
 */
export function deviceChange(s: StepRecord): string {
  const name = (d: string | null) => d ?? "(none)";
  return s.before === s.after ? name(s.after) : `${name(s.before)} -> ${name(s.after)}`;
}

/** What one operation of a scenario did. */
export interface OperationRecord {
  /** The line, as written. */
  readonly line: string;
  /** Simulation time when it started, ns (hotplug and power operations take no time). */
  readonly time: number;
  /** Whether the kernel did it (false: refused, failed, hung, or not possible now). */
  readonly ok: boolean;
  /** The outcome in words (the message `Machine` gives). */
  readonly message: string;
  /** The hang it ended in, if any. */
  readonly hang: Hang | null;
  /** Every hotplug callback it ran, in order. */
  readonly steps: readonly StepRecord[];
  /** Each CPU's tick device afterwards. */
  readonly bound: readonly (string | null)[];
  /** Each CPU's hotplug state afterwards: number and name. */
  readonly states: readonly CpuStateName[];
  /** Invariant violations inside it and in the state after it. */
  readonly violations: readonly {
    readonly invariant: string;
    readonly message: string;
    readonly expected: boolean;
    readonly step: ViolationStep | null;
  }[];
}

/** A CPU's hotplug state: number and name, and whether it is in `cpu_online_mask`. */
export interface CpuStateName {
  /** State number. */
  readonly state: number;
  /** Its name. */
  readonly name: string;
  /** Set in `cpu_online_mask`. */
  readonly online: boolean;
}

/** A scenario run on one configuration (plain data). */
export interface ScenarioRun {
  /** The configuration. */
  readonly config: MachineConfig;
  /** Its stimer design, in words. */
  readonly design: string;
  /** The booted machine: each CPU's tick device and hotplug state. */
  readonly start: {
    readonly bound: readonly (string | null)[];
    readonly states: readonly CpuStateName[];
  };
  /** Per operation. */
  readonly operations: readonly OperationRecord[];
  /** Simulation time at the end, ns. */
  readonly end: number;
  /** The machine's problems at the end (hangs, no-tick windows, warnings, bugs). */
  readonly problems: readonly Problem[];
  /** Verdict per invariant over the whole run. */
  readonly invariants: readonly InvariantVerdict[];
}

const CPU_OP = /^(online|offline) (\d+)$/;
const GRAMMAR: readonly [RegExp, string][] = [
  [CPU_OP, "online N | offline N"],
  [/^advance \S+$/, "advance DURATION"],
  [/^(hibernate|resume)$/, "hibernate | resume"],
  [/^race (sleeps|passes)$/, "race sleeps|passes"],
  [/^echo \S+ > \S+$/, "echo VALUE > PATH"],
];

/**
 * The operation lines of a scenario: blank lines and `#` comments dropped, whitespace collapsed.
 * @throws {SyntaxError} naming the line and the valid forms.
 */
export function parseScenario(text: string | readonly string[]): string[] {
  const lines = typeof text === "string" ? text.split("\n") : [...text];
  const out: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim().replace(/\s+/g, " ").replace(/ ?> ?/, " > ");
    if (line === "") return;
    if (!GRAMMAR.some(([re]) => re.test(line))) {
      throw new SyntaxError(
        `Scenario line ${i + 1}: ${JSON.stringify(raw.trim())} is not an operation; valid: ${
          GRAMMAR.map(([, form]) => form).join(", ")
        }`,
      );
    }
    out.push(line);
  });
  return out;
}

// Runs one line on the machine; a modelled refusal or hang is a result, misuse throws.
function apply(m: Machine, line: string): { ok: boolean; message: string } {
  const cpu = CPU_OP.exec(line);
  if (cpu) return m[cpu[1] as "online" | "offline"](Number(cpu[2]));
  const [word, arg] = line.split(" ");
  if (word === "advance") {
    const from = m.now;
    const interrupts = m.advance(arg);
    return { ok: true, message: `advanced ${m.now - from} ns, ${interrupts} device interrupts` };
  }
  if (word === "hibernate") return m.hibernate();
  if (word === "resume") {
    // Not hibernated is a state of the run, not a mistake in the scenario.
    if (m.power !== "hibernated") {
      return { ok: false, message: `Cannot resume: the VM is ${m.hung ? "hung" : "running"}` };
    }
    return m.resume();
  }
  if (word === "race") {
    m.parkRace = arg as "sleeps" | "passes";
    return { ok: true, message: `race ${arg}` };
  }
  const [, value, path] = /^echo (\S+) > (\S+)$/.exec(line)!;
  const w = m.write(path, value);
  return { ok: w.ok, message: w.ok ? `wrote ${value} to ${path}` : w.message };
}

/** How to run a scenario. */
export interface ScenarioOptions {
  /** Built-in invariant names and custom predicates (default every built-in). */
  readonly invariants?: readonly (string | CustomInvariant)[];
  /**
   * Sees every trace event as it happens (whether or not the trace buffer keeps it) and every
   * tick, with the simulation time (ns): what a timeline is drawn from.
   */
  readonly observe?: {
    event(event: TraceEvent, time: number): void;
    tick(cpu: number, time: number): void;
  };
}

/**
 * Runs a scenario from a fresh boot of `config`, recording every hotplug step and checking the
 * invariants (default every built-in) inside each operation and after it.
 *
 * @example
 * ```ts
 * import { runScenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * const run = runScenario({ hyperv: "2012R2", kernel: "5.5", cpus: 2 }, ["offline 1"]);
 * const [off] = run.operations;
 * assert.equal(off.ok, true);
 * assert.ok(off.steps.some((s) => s.after === "lapic"));
 * ```
 * @throws {SyntaxError} for a line that is not an operation; {@linkcode ConfigError} for a bad
 * configuration; {@linkcode RangeError} for a bad CPU, duration or path in a line (nothing runs).
 */
export function runScenario(
  config: ConfigInput,
  scenario: string | readonly string[],
  options: ScenarioOptions = {},
): ScenarioRun {
  const lines = parseScenario(scenario);
  const m = builderOf(config).build();
  const k = () => kernelOf(m);
  const checked: Checked[] = checkedInvariants(k(), options.invariants);
  const checks = new InvariantChecks(checked);
  // Lines are checked against this machine before any runs (CPU numbers, durations, paths).
  for (const line of lines) validate(m, line);
  const snapshot = () => {
    const cpus = m.cpus();
    return {
      bound: cpus.map((c) => c.device),
      states: cpus.map((c) => ({ state: c.state, name: c.stateName, online: c.online })),
    };
  };
  const start = snapshot();
  const observe = options.observe;
  if (observe) {
    const kernel = k();
    kernel.observers.add({
      event: (e) => observe.event(e, kernel.s.now),
      tick: (cpu) => observe.tick(cpu, kernel.s.now),
    });
  }
  const operations = lines.map((line): OperationRecord => {
    const time = m.now;
    const before = { now: m.now, monotonic: guestMonotonic(k().s) };
    const steps: StepRecord[] = [];
    const open: { at: StepPoint; before: string | null; index: number }[] = [];
    const violations: OperationRecord["violations"][number][] = [];
    const report = (step: StepPoint | null) => (c: Checked, message: string) => {
      violations.push({
        invariant: c.inv.name,
        message,
        expected: c.expected,
        step: violationStep(k(), c.inv, step),
      });
    };
    const kernel = k();
    const unwatch = kernel.observers.add({
      step: (at) => {
        checks.check({ k: kernel, step: at, before }, report(at));
        const device = m.boundDevice(at.cpu);
        if (at.phase === "enter") {
          open.push({ at, before: device, index: steps.length });
          steps.push({
            cpu: at.cpu,
            state: at.state,
            stateName: kernel.steps[at.state].name ?? kernel.steps[at.state].id,
            callback: at.callback,
            teardown: at.teardown,
            depth: open.length - 1,
            before: device,
            after: device,
            hung: false,
          });
        } else {
          const o = open.pop()!;
          steps[o.index] = { ...steps[o.index], after: device };
        }
      },
    });
    let outcome: { ok: boolean; message: string };
    try {
      outcome = apply(m, line);
    } catch (e) {
      if (!(e instanceof Error) || !["HangError", "PoweredOffError"].includes(e.name)) throw e;
      outcome = { ok: false, message: e.message };
    } finally {
      unwatch();
    }
    // Callbacks still open did not return: the operation hung in them.
    for (const o of open) steps[o.index] = { ...steps[o.index], hung: true };
    checks.check({ k: k(), step: null, before }, report(null));
    return {
      line,
      time,
      ok: outcome.ok,
      message: outcome.message,
      hang: k().s.hang,
      steps,
      ...snapshot(),
      violations,
    };
  });
  return {
    config: m.config,
    design: designOf(k()),
    start,
    operations,
    end: m.now,
    problems: m.problems(),
    invariants: verdicts(checked),
  };
}

// Misuse in a line (a CPU this VM lacks, a bad duration, an unmodelled path) is reported before
// anything runs.
function validate(m: Machine, line: string): void {
  const cpu = CPU_OP.exec(line);
  const last = m.config.cpus - 1;
  if (cpu && Number(cpu[2]) > last) {
    throw new RangeError(`Scenario line ${JSON.stringify(line)}: this VM has CPUs 0 to ${last}`);
  }
  const [word, arg] = line.split(" ");
  if (word === "advance") parseDuration(arg);
  if (word === "echo") {
    const path = line.split(" > ")[1];
    if (m.stat(path) !== "file") {
      throw new RangeError(`Scenario line ${JSON.stringify(line)}: no such file ${path}`);
    }
  }
}
