/**
 * Copying a machine state for exploration, as the field table (lib/engine/fields.ts) says: every
 * part an operation changes copied, the history (log, trace, problems) left empty, the fields that
 * never change after boot shared. The two tables below name every structured and history field,
 * so a new one does not compile until it says how it is copied.
 *
 * @module
 */

import type { CpuState, DeviceState, MachineState } from "../engine/state.ts";
import { fieldsOf, MACHINE_FIELDS, type MachineFieldsOf } from "../engine/fields.ts";

type Struct = MachineFieldsOf<"struct">;
type History = MachineFieldsOf<"history">;

// How each structured field is copied: whatever an operation may change, no deeper.
const COPY: { readonly [F in Struct]: (v: MachineState[F]) => MachineState[F] } = {
  hang: (h) => h && { ...h },
  cpus: (cpus) => cpus.map((c): CpuState => ({ ...c })),
  devices: (devices) => {
    const out: Record<string, DeviceState> = {};
    for (const id in devices) out[id] = { ...devices[id] };
    return out;
  },
  ceList: (list) => ({ ...list }),
  released: (ids) => [...ids],
  broadcast: (b) => ({ ...b, mask: [...b.mask], oneshotMask: [...b.oneshotMask] }),
  vmbus: (v) => ({ ...v, channels: [...v.channels] }),
  frozenCpus: (cpus) => [...cpus],
  ceCorrupt: (c) => c && { ...c, lost: [...c.lost] },
  image: (image) => image && cloneState(image),
  pm: (pm) => pm && { ...pm },
};

// What a copy holds instead of the history.
const EMPTY: { readonly [F in History]: () => MachineState[F] } = {
  walk: () => undefined,
  problems: () => [],
  log: () => ({ dmesg: [], dmesgBytes: 0, trace: [], traceLost: 0 }),
};

const STRUCTS = fieldsOf<MachineState>(MACHINE_FIELDS, "struct") as Struct[];
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
  const out = { ...s } as Record<keyof MachineState, unknown>;
  for (const f of STRUCTS) {
    // An optional structure that is absent stays absent.
    if (s[f] !== undefined) out[f] = (COPY[f] as (v: unknown) => unknown)(s[f]);
  }
  for (const f of HISTORY) out[f] = EMPTY[f]();
  return out as MachineState;
}
