/**
 * Copying a machine state, as the field table (lib/engine/fields.ts) says: every part an operation
 * changes copied, no deeper. {@linkcode copyStructs} copies the structured fields (exploration's
 * `cloneState()`, lib/explore/clone.ts, leaves the history out); {@linkcode copyState} keeps the
 * history too, its records shared: what a replay of a stopped walk runs on (lib/api/run_until.ts).
 * The tables below name every structured, key, history and log field, so a new one does not
 * compile until it says how it is copied.
 *
 * @module
 */

import type { CpuState, DeviceState, MachineState } from "./state.ts";
import { fieldsOf, MACHINE_FIELDS, type MachineFieldsOf } from "./fields.ts";
import { copyDevice } from "./device.ts";

type Struct = MachineFieldsOf<"struct">;
type History = MachineFieldsOf<"history">;
type Key = MachineFieldsOf<"key">;
type Log = MachineState["log"];

// How each structured field is copied: whatever an operation may change, no deeper; an absent
// optional field is not copied (copyStructs). A snapshot's records keyed by device id (4097 keys
// at 2048 vCPUs, dictionaries to V8) are filled from their key lists, which took half the time of
// a spread or a for-in (0.9 vs 1.9 ms each there).
const COPY: {
  readonly [F in Struct]: (v: Exclude<MachineState[F], undefined>) => MachineState[F];
} = {
  hang: (h) => h && { ...h },
  cpus: (cpus) => cpus.map((c): CpuState => ({ ...c })),
  // A snapshot's devices (a kernel's are in `table`).
  devices: (devices) => {
    const out: Record<string, DeviceState> = {};
    const ids = Object.keys(devices);
    for (let i = 0; i < ids.length; i++) out[ids[i]] = copyDevice(devices[ids[i]]);
    return out;
  },
  // A kernel's devices by number (lib/engine/device_table.ts): an array of 8195 slots at 2048
  // vCPUs copies in a tenth of the time of the 4097-key record it replaced.
  table: (table) => {
    const out = new Array<DeviceState | undefined>(table.length);
    for (let i = 0; i < table.length; i++) {
      const d = table[i];
      out[i] = d === undefined ? d : copyDevice(d);
    }
    return out;
  },
  // A snapshot's list (a kernel's is in its devices, lib/engine/list.ts).
  ceList: (list) => {
    const out: Record<string, number> = {};
    const ids = Object.keys(list);
    for (let i = 0; i < ids.length; i++) out[ids[i]] = list[ids[i]];
    return out;
  },
  released: (ids) => [...ids],
  broadcast: (b) => ({ ...b, mask: [...b.mask], oneshotMask: [...b.oneshotMask] }),
  vmbus: (v) => ({ ...v, channels: [...v.channels] }),
  frozenCpus: (cpus) => [...cpus],
  ceCorrupt: (c) => c && { ...c, lost: [...c.lost] },
  // The image is a whole state: copyStructs() copies it as its caller copies the state.
  image: (image) => image,
  pm: (pm) => pm && { ...pm },
};

// A replay's copy: the keys an operation may change in place (a module's cpuhp_setup_state() pushes
// onto `registered`, lib/hotplug/register.ts); the others are only ever replaced whole.
const KEYS: { readonly [F in Key]: (v: MachineState[F]) => MachineState[F] } = {
  format: (f) => f,
  config: (c) => c,
  registered: (r) => [...r],
  modules: (m) => m,
  loading: (l) => l,
};

// A replay's copy of the log: every list copied, its records shared (nothing changes a log record,
// a trace event or an ftrace entry once written; lists are pushed and spliced).
const LOG: { readonly [F in keyof Log]-?: (v: NonNullable<Log[F]>) => Log[F] } = {
  dmesg: (records) => [...records],
  dmesgBytes: (n) => n,
  trace: (events) => [...events],
  traceLost: (n) => n,
  // Counted in place (lib/engine/log.ts countIrq).
  irqs: (irqs) => {
    const out: Record<string, number[]> = {};
    for (const row in irqs) out[row] = [...irqs[row]];
    return out;
  },
  ftrace: (f) => ({ ...f, filter: [...f.filter], events: [...f.events], entries: [...f.entries] }),
  console: (records) => [...records],
};
const LOG_FIELDS = Object.keys(LOG) as (keyof Log)[];

// A replay's copy of the history.
const KEEP: { readonly [F in History]: (v: MachineState[F]) => MachineState[F] } = {
  // Replaced whole, never changed in place (lib/api/run_until.ts).
  walk: (w) => w,
  // Pushed; a problem never changes once seen.
  problems: (p) => [...p],
  log: (log) => {
    const out = { ...log } as Record<keyof Log, unknown>;
    for (const f of LOG_FIELDS) {
      if (log[f] !== undefined) out[f] = (LOG[f] as (v: unknown) => unknown)(log[f]);
    }
    return out as Log;
  },
};

const STRUCTS = fieldsOf<MachineState>(MACHINE_FIELDS, "struct") as Struct[];
const HISTORY = fieldsOf<MachineState>(MACHINE_FIELDS, "history") as History[];
const KEY_FIELDS = fieldsOf<MachineState>(MACHINE_FIELDS, "key") as Key[];

/**
 * `s` with its structured fields copied (its image, a whole state, as `copy` copies one); every
 * other field as it is.
 *
 * @example
 * ```ts
 * import { copyStructs } from "./copy.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 2 }).build().snapshot();
 * const out = copyStructs(s, (image) => image);
 * assert.notEqual(out.cpus, s.cpus);
 * assert.equal(out.log, s.log);
 * ```
 */
export function copyStructs(
  s: MachineState,
  copy: (s: MachineState) => MachineState,
): Record<keyof MachineState, unknown> {
  const out = { ...s } as Record<keyof MachineState, unknown>;
  for (const f of STRUCTS) {
    // An optional structure that is absent stays absent.
    if (s[f] !== undefined) out[f] = (COPY[f] as (v: unknown) => unknown)(s[f]);
  }
  if (s.image) out.image = copy(s.image);
  return out;
}

/**
 * A copy of `s` that shares nothing an operation changes, history included (its records shared):
 * what a replay of a stopped walk runs on, `s` left as it was (lib/api/run_until.ts).
 *
 * @example
 * ```ts
 * import { copyState } from "./copy.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 2 }).build().snapshot();
 * const copy = copyState(s);
 * copy.cpus[1].online = false;
 * copy.log.dmesg.push({ time: 0, text: "x" });
 * assert.equal(s.cpus[1].online, true);
 * assert.equal(copy.log.dmesg.length, s.log.dmesg.length + 1);
 * assert.deepEqual(copyState(s), s);
 * ```
 */
export function copyState(s: MachineState): MachineState {
  const out = copyStructs(s, copyState);
  for (const f of KEY_FIELDS) {
    if (s[f] !== undefined) out[f] = (KEYS[f] as (v: unknown) => unknown)(s[f]);
  }
  for (const f of HISTORY) {
    if (s[f] !== undefined) out[f] = (KEEP[f] as (v: unknown) => unknown)(s[f]);
  }
  return out as MachineState;
}
