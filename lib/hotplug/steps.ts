/**
 * The hotplug step table of a running machine: the kernel line's static `cpuhp_hp_states[]` plus
 * the states drivers registered (`cpuhp_setup_state*`), indexed by state number, each callback
 * resolved to what it means (symbols.ts) as the table is built.
 *
 * @module
 */

import type { KernelLine } from "../engine/line.ts";
import type { RegisteredStep } from "../engine/state.ts";
import type { Callback, Step, StepIndex } from "../engine/kernel.ts";
import { resolveCallback } from "./symbols.ts";

const resolve = (name: string | null | undefined): Callback | null =>
  name ? resolveCallback(name) : null;

/**
 * Builds the step table for a kernel line and the registered steps; `nulled` are the static
 * steps' callbacks the build's config defines as NULL (lib/kernels/config_types.ts `nulled`).
 */
export function buildSteps(
  line: KernelLine,
  registered: readonly RegisteredStep[],
  nulled: readonly string[] = [],
): Step[] {
  const kept = (name: string | null | undefined) => name && !nulled.includes(name) ? name : null;
  const steps: Step[] = line.enumNames.map((id, state) => {
    const core = line.core.find((c) => c.id === id);
    return {
      state,
      id,
      name: core?.name ?? null,
      startup: resolve(kept(core?.startup)),
      teardown: resolve(kept(core?.teardown)),
      cantStop: core?.cantStop ?? false,
      multi: false,
      instances: 0,
    };
  });
  for (const r of registered) {
    steps[r.state] = {
      ...steps[r.state],
      name: r.name,
      startup: resolve(r.startup),
      teardown: resolve(r.teardown),
      multi: r.multi ?? false,
      instances: r.instances ?? 0,
    };
  }
  return steps;
}

/** Builds the {@linkcode StepIndex} of a step table. */
export function indexSteps(steps: readonly Step[]): StepIndex {
  const n = steps.length;
  const up = new Int32Array(n + 1).fill(n);
  const down = new Int32Array(n + 1).fill(-1);
  for (let s = n - 1; s >= 0; s--) up[s] = steps[s].startup ? s : up[s + 1];
  for (let s = 0; s < n; s++) down[s] = steps[s].teardown ? s : s > 0 ? down[s - 1] : -1;
  const quiet = (step: Step, cb: Callback | null) => cb !== null && cb.run === null && !step.multi;
  const quietUp = new Uint8Array(n + 1), quietDown = new Uint8Array(n + 1);
  for (let s = 0; s < n; s++) {
    quietUp[s] = quiet(steps[s], steps[s].startup) ? 1 : 0;
    quietDown[s] = quiet(steps[s], steps[s].teardown) ? 1 : 0;
  }
  return { up, down, quietUp, quietDown };
}
