/**
 * The hotplug step table of a running machine: the kernel line's static `cpuhp_hp_states[]` plus
 * the states drivers registered (`cpuhp_setup_state*`), indexed by state number, each callback
 * resolved to what it means (symbols.ts) as the table is built.
 *
 * @module
 */

import { type KernelLine, sectionOf } from "../engine/line.ts";
import type { RegisteredStep } from "../engine/state.ts";
import type { Callback, Step, StepIndex } from "../engine/kernel.ts";
import { resolveCallback } from "./symbols.ts";
import { QUIET, QUIET_CONTROL, QUIET_ONLINE } from "./quiet_runs.ts";

const resolve = (name: string | null | undefined): Callback | null =>
  name ? resolveCallback(name) : null;

/**
 * Builds the step table for a kernel line and the registered steps; `nulled` are the static
 * steps' callbacks the build's config defines as NULL (lib/kernels/config_types.ts `nulled`).
 *
 * @example A booted machine's table is the one these build
 * ```ts
 * import { buildSteps } from "./steps.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { nulledCallbacks } from "../kernels/configs.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const steps = buildSteps(k.line, k.s.registered, nulledCallbacks(k.s.config));
 * assert.deepEqual(steps.map((s) => s.name), k.steps.map((s) => s.name));
 * assert.equal(steps[k.line.cpuhp.TEARDOWN_CPU].teardown?.name, "takedown_cpu");
 * ```
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

/**
 * Builds the {@linkcode StepIndex} of a step table of kernel line `line` (its sections say which
 * CPU runs each callback).
 *
 * @example Each state's next startup upward and teardown downward, and where runs of quiet ones end
 * ```ts
 * import { indexSteps } from "./steps.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const index = indexSteps(k.steps, k.line);
 * const takedown = k.line.cpuhp.TEARDOWN_CPU;
 * assert.equal(index.down[takedown], takedown);
 * assert.equal(index.quietDown[takedown], 0); // takedown_cpu() has a modelled effect
 * assert.deepEqual(index.runUp, k.stepIndex.runUp);
 * ```
 */
export function indexSteps(steps: readonly Step[], line: KernelLine): StepIndex {
  const n = steps.length;
  const up = new Int32Array(n + 1).fill(n);
  const down = new Int32Array(n + 1).fill(-1);
  for (let s = n - 1; s >= 0; s--) up[s] = steps[s].startup ? s : up[s + 1];
  for (let s = 0; s < n; s++) down[s] = steps[s].teardown ? s : s > 0 ? down[s - 1] : -1;
  const quiet = (s: number, cb: Callback | null) => {
    if (cb === null || cb.run !== null || steps[s].multi) return 0;
    const section = sectionOf(line, s);
    return QUIET | (section === "ONLINE" ? QUIET_ONLINE : 0) |
      (section === "PREPARE" || section === "TEARDOWN" ? QUIET_CONTROL : 0);
  };
  const quietUp = new Uint8Array(n + 1), quietDown = new Uint8Array(n + 1);
  const funUp: string[] = [], funDown: string[] = [];
  for (let s = 0; s < n; s++) {
    quietUp[s] = quiet(s, steps[s].startup);
    quietDown[s] = quiet(s, steps[s].teardown);
    funUp.push(steps[s].startup?.name ?? "");
    funDown.push(steps[s].teardown?.name ?? "");
  }
  // Where each run of quiet callbacks ends (the states between them have no callback).
  const runUp = new Int32Array(n + 1).fill(-1), runDown = new Int32Array(n + 1).fill(-1);
  for (let s = n - 1, end = -1; s >= 0; s--) {
    if (!steps[s].startup) continue;
    end = quietUp[s] === 0 ? -1 : end === -1 ? s : end;
    runUp[s] = end;
  }
  for (let s = 0, end = -1; s < n; s++) {
    if (!steps[s].teardown) continue;
    end = quietDown[s] === 0 ? -1 : end === -1 ? s : end;
    runDown[s] = end;
  }
  return { up, down, quietUp, quietDown, runUp, runDown, funUp, funDown };
}
