/**
 * Copying a machine state for exploration: every part an operation changes copied, as the field
 * table says (lib/engine/copy.ts), the history (log, trace, problems) left empty, the fields that
 * never change after boot shared. The table below names every history field, so a new one does
 * not compile until it says what a copy holds instead.
 *
 * @module
 */

import type { MachineState } from "../engine/state.ts";
import { fieldsOf, MACHINE_FIELDS, type MachineFieldsOf } from "../engine/fields.ts";
import { copyStructs } from "../engine/copy.ts";

type History = MachineFieldsOf<"history">;

// What a copy holds instead of the history.
const EMPTY: { readonly [F in History]: () => MachineState[F] } = {
  walk: () => undefined,
  problems: () => [],
  log: () => ({ dmesg: [], dmesgBytes: 0, trace: [], traceLost: 0 }),
};

const HISTORY = fieldsOf<MachineState>(MACHINE_FIELDS, "history") as History[];

/**
 * A copy of `s` that shares nothing an operation changes, without history.
 *
 * @example
 * ```ts
 * import { cloneState } from "./clone.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 2 }).build().snapshot();
 * const copy = cloneState(s);
 * copy.cpus[1].online = false;
 * assert.equal(s.cpus[1].online, true);
 * assert.equal(copy.config, s.config);
 * assert.deepEqual(copy.log.dmesg, []);
 * ```
 */
export function cloneState(s: MachineState): MachineState {
  const out = copyStructs(s, cloneState);
  for (const f of HISTORY) out[f] = EMPTY[f]();
  return out as MachineState;
}
