/**
 * The runs of quiet callbacks a step table has (lib/hotplug/quiet.ts): how each quiet callback's
 * section is flagged in the step table's index.
 *
 * @module
 */

import type { StepIndex } from "../engine/kernel.ts";

/**
 * A quiet callback's flags in {@linkcode StepIndex}'s `quietUp` / `quietDown` (0: not quiet).
 *
 * @example
 * ```ts
 * import { QUIET, QUIET_CONTROL } from "./quiet_runs.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * // The first quiet startup is a PREPARE one, run on the control CPU.
 * const first = k.stepIndex.quietUp.findIndex((f) => f !== 0);
 * assert.equal(k.stepIndex.quietUp[first], QUIET | QUIET_CONTROL);
 * ```
 */
export const QUIET = 1;
/** ONLINE section: the callback counts as run (`HotplugOp.calls`) and needs a working tick. */
export const QUIET_ONLINE = 2;
/** PREPARE or TEARDOWN section: the control CPU runs it (kernel/cpu.c, lib/engine/line.ts). */
export const QUIET_CONTROL = 4;
