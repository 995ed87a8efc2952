/**
 * What each field of the machine state is, as one table: copying a state (lib/engine/copy.ts, for
 * exploration and for a stopped walk's replay), packing it into numbers (lib/explore/pack.ts) and
 * fingerprinting it (lib/engine/fingerprint.ts) all follow it. The tables name every field, so a
 * new field does not compile until it says what it is.
 *
 * @module
 */

import type { CpuState, DeviceState, Hang, MachineState } from "./state.ts";
import { KTIME_MAX } from "./state.ts";

/** An absolute time in ns (simulation or guest: they move together); `none` means "no time". */
export interface TimeField {
  /** The value that means "no time" and does not move with the clock, or null when none. */
  readonly time: number | null;
}

/**
 * What a field is:
 * - `value`: state, a number, boolean, string or null;
 * - `counter`: state that only grows (simulation time, jiffies, tick counts, the reference
 *   counter's epoch): exploration's anchors;
 * - a {@linkcode TimeField}: an absolute time;
 * - `struct`: state with parts (copied part by part, packed by the packer's own code);
 * - `key`: fixed once the machine exists (configuration, ids, the registered steps): shared by
 *   exploration's copies (a replay's copy copies the steps a module load adds to), not packed (it
 *   cannot differ between states of one configuration);
 * - `sequence`: a list's insertion counter, history of the list: copied, not packed, not
 *   fingerprinted (the list's order is);
 * - `history`: not state (kernel log, problems): left out of exploration's copies (a replay's
 *   keeps it, records shared) and of fingerprints.
 */
export type FieldKind = "value" | "counter" | TimeField | "struct" | "key" | "sequence" | "history";

/** Every field of the machine. */
export const MACHINE_FIELDS = {
  format: "key",
  config: "key",
  now: "counter",
  offNs: "value",
  // No modelled transition reads it; resume sets it to `now` (docs/model.md §Exploration).
  refEpoch: "counter",
  running: "value",
  power: "value",
  hang: "struct",
  jiffies: "counter",
  doTimerCpu: "value",
  tickNextPeriod: { time: null },
  // tick_init_jiffy_update() tests it for 0, "not yet" (55:kernel/time/tick-sched.c:106;
  // tick_handlers.ts tickSetupSchedTimer).
  lastJiffiesUpdate: { time: 0 },
  cpus: "struct",
  devices: "struct",
  table: "struct",
  ceList: "struct",
  ceSeq: "sequence",
  released: "struct",
  broadcast: "struct",
  registered: "key",
  hotplugDisabled: "value",
  parkRace: "value",
  vmbus: "struct",
  frozenCpus: "struct",
  ceCorrupt: "struct",
  // Changed only by boot and module loads, which exploration does not make.
  modules: "key",
  loading: "key",
  acpiNamespaceHeld: "value",
  image: "struct",
  pm: "struct",
  consoleLoglevel: "value",
  // How a stopped walk goes on: not kernel state (the state shows the walk's own cursor).
  walk: "history",
  problems: "history",
  log: "history",
} as const satisfies Readonly<Record<keyof MachineState, FieldKind>>;

/** The machine's fields of kind `K`, as a type. */
export type MachineFieldsOf<K extends FieldKind> = {
  [F in keyof typeof MACHINE_FIELDS]: (typeof MACHINE_FIELDS)[F] extends K ? F : never;
}[keyof typeof MACHINE_FIELDS];

/** Every field of a CPU. */
export const CPU_FIELDS = {
  id: "key",
  online: "value",
  devOffline: "value",
  state: "value",
  target: "value",
  fail: "value",
  tickDev: "value",
  tickMode: "value",
  checkClocks: "value",
  hres: "value",
  hrtimersOffline: "value",
  nohzMode: "value",
  schedExpires: { time: -1 },
  synic: "value",
  ticks: "counter",
} as const satisfies Readonly<Record<keyof CpuState, FieldKind>>;

/** Every field of a clockevent device. */
export const DEVICE_FIELDS = {
  id: "key",
  kind: "key",
  name: "value",
  features: "value",
  rating: "value",
  mask: "value",
  state: "value",
  nextEvent: { time: KTIME_MAX },
  mult: "value",
  shift: "value",
  minDeltaNs: "value",
  maxDeltaNs: "value",
  handler: "value",
  retries: "value",
  perCpu: "value",
  hwFires: "value",
  hwEnabled: "value",
  hwExpires: { time: -1 },
  hwPeriod: "value",
  boundTo: "value",
} as const satisfies Readonly<Record<keyof DeviceState, FieldKind>>;

/** Every field of a hang. */
export const HANG_FIELDS = {
  cpu: "value",
  state: "value",
  stateName: "value",
  callback: "value",
  reason: "value",
  symptom: "value",
  time: { time: null },
} as const satisfies Readonly<Record<keyof Hang, FieldKind>>;

/** The fields of a table that are of one of `kinds`. */
export function fieldsOf<T>(
  table: Readonly<Record<keyof T, FieldKind>>,
  ...kinds: readonly (FieldKind | "time")[]
): (keyof T)[] {
  return (Object.keys(table) as (keyof T)[]).filter((f) => {
    const k = table[f];
    return kinds.includes(typeof k === "object" ? "time" : k);
  });
}
