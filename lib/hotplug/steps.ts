/**
 * The hotplug step table of a running machine: the kernel line's static `cpuhp_hp_states[]` plus
 * the states drivers registered (`cpuhp_setup_state*`), indexed by state number.
 *
 * @module
 */

import type { KernelLine } from "../kernels/lines.ts";
import type { RegisteredStep } from "../engine/state.ts";

/** One hotplug step (`struct cpuhp_step`). */
export interface Step {
  /** State number. */
  readonly state: number;
  /** Enum name (`CPUHP_…`). */
  readonly id: string;
  /** Name shown in `hotplug/states`, or null (unnamed: not listed, not a valid target). */
  readonly name: string | null;
  /** Startup callback symbol, or null. */
  readonly startup: string | null;
  /** Teardown callback symbol, or null. */
  readonly teardown: string | null;
  /** `cant_stop`: not a valid `hotplug/target`. */
  readonly cantStop: boolean;
  /** Multi-instance with no instances: entered (and fault-injectable) but runs nothing. */
  readonly multi: boolean;
}

/** Section of a state: who runs its callbacks (kernel/cpu.c, reference §1.1). */
export type Section = "PREPARE" | "STARTING" | "TEARDOWN" | "ONLINE" | "END";

/** Builds the step table for a kernel line and the registered steps. */
export function buildSteps(line: KernelLine, registered: readonly RegisteredStep[]): Step[] {
  const steps: Step[] = line.enumNames.map((id, state) => {
    const core = line.core.find((c) => c.id === id);
    return {
      state,
      id,
      name: core?.name ?? null,
      startup: core?.startup ?? null,
      teardown: core?.teardown ?? null,
      cantStop: core?.cantStop ?? false,
      multi: false,
    };
  });
  for (const r of registered) {
    steps[r.state] = {
      ...steps[r.state],
      name: r.name,
      startup: r.startup,
      teardown: r.teardown,
      multi: r.multi ?? false,
    };
  }
  return steps;
}

/** The section a state belongs to on this kernel line. */
export function sectionOf(line: KernelLine, state: number): Section {
  const c = line.cpuhp;
  if (state <= c.BRINGUP_CPU) return "PREPARE";
  if (state <= c.AP_ONLINE) return "STARTING";
  if (state === c.TEARDOWN_CPU) return "TEARDOWN";
  if (state < c.ONLINE) return "ONLINE";
  return "END";
}

/** "Atomic" (STARTING/DYING, IRQs off, must not fail): `AP_IDLE_DEAD <= state < AP_ONLINE`. */
export function isAtomic(line: KernelLine, state: number): boolean {
  return state >= line.cpuhp.AP_IDLE_DEAD && state < line.cpuhp.AP_ONLINE;
}

/**
 * Where the next step with a callback is, per direction: `up[s]` is the first state ≥ s with a
 * startup, `down[s]` the last state ≤ s with a teardown (-1 / length when none). The walks use it
 * to skip runs of empty states, which have no effect and no trace.
 */
export interface StepIndex {
  readonly up: Int32Array;
  readonly down: Int32Array;
}

/** Builds the {@linkcode StepIndex} of a step table. */
export function indexSteps(steps: readonly Step[]): StepIndex {
  const n = steps.length;
  const up = new Int32Array(n + 1).fill(n);
  const down = new Int32Array(n + 1).fill(-1);
  for (let s = n - 1; s >= 0; s--) up[s] = steps[s].startup ? s : up[s + 1];
  for (let s = 0; s < n; s++) down[s] = steps[s].teardown ? s : s > 0 ? down[s - 1] : -1;
  return { up, down };
}
