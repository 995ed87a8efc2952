/**
 * Where a state keeps its clockevent device structs. A running kernel's state keeps them in
 * `table`, an array by device number: the global devices first, then each CPU's per-CPU structs
 * (kind k of CPU c at `globals + c * perCpuKinds + k`), as the kernel keeps them in static and
 * per-CPU variables (`DEFINE_PER_CPU(struct clock_event_device, lapic_events)`, 6.6.150
 * arch/x86/kernel/apic/apic.c:542). A snapshot keeps them as `devices`, a record by id (`kind:cpu`
 * or `kind`), as snapshots always have (lib/time/device_form.ts converts). Every reader goes
 * through these functions, which take either form. At 2048 vCPUs an array of 8195 slots is 64 KB
 * and copies as one; the record by id was a 4097-key dictionary to V8.
 *
 * @module
 */

import type { DeviceState, MachineState } from "./state.ts";

// The device kinds in table order (lib/time/devices.ts defines them when it loads).
let globalKinds: readonly string[] = [];
let perCpuKinds: readonly string[] = [];
const KIND_SLOT = new Map<string, number>();
// Device number by id, memoised (ids come from the kernel's tables and from snapshots). A
// property lookup, not a Map: V8 internalises a string used as a key, so a looked-up id is
// compared by pointer from then on; a Map hashed and compared the ids built as `kind:cpu` (cons
// strings) each time, which made a 2048-CPU listing three times slower than the record by id.
let NUMBERS: Record<string, number> = Object.create(null);
let lastId = "";
let lastNumber = -1;

/**
 * Sets the device kinds the table numbers (once, from the device template table): global kinds
 * in their order, then per-CPU kinds in theirs.
 *
 * @example
 * ```ts
 * import { deviceNumber } from "./device_table.ts";
 * import "../time/devices.ts"; // calls defineDeviceKinds() with its templates
 * import assert from "node:assert/strict";
 * assert.equal(deviceNumber("hpet", 0), 0);
 * assert.equal(deviceNumber("lapic", 0), 3); // after the global hpet, pit and bc_hrtimer
 * ```
 */
export function defineDeviceKinds(kinds: readonly { kind: string; perCpu: boolean }[]): void {
  globalKinds = kinds.filter((k) => !k.perCpu).map((k) => k.kind);
  perCpuKinds = kinds.filter((k) => k.perCpu).map((k) => k.kind);
  KIND_SLOT.clear();
  NUMBERS = Object.create(null);
  lastId = "";
  globalKinds.forEach((k, i) => KIND_SLOT.set(k, i));
  perCpuKinds.forEach((k, i) => KIND_SLOT.set(k, globalKinds.length + i));
}

/**
 * The device number of a kind on a CPU (`cpu` ignored for a global kind).
 *
 * @example
 * ```ts
 * import { deviceNumber } from "./device_table.ts";
 * import "../time/devices.ts";
 * import assert from "node:assert/strict";
 * assert.ok(deviceNumber("hv_stimer", 2) > deviceNumber("hv_stimer", 1));
 * assert.equal(deviceNumber("hpet", 5), deviceNumber("hpet", 0));
 * ```
 */
export function deviceNumber(kind: string, cpu: number): number {
  const slot = KIND_SLOT.get(kind);
  if (slot === undefined) throw new RangeError(`Unknown clockevent device kind "${kind}"`);
  const g = globalKinds.length;
  return slot < g ? slot : g + cpu * perCpuKinds.length + (slot - g);
}

/**
 * The device number of an id (`kind:cpu` or `kind`).
 *
 * @example
 * ```ts
 * import { deviceNumber, numberOf } from "./device_table.ts";
 * import "../time/devices.ts";
 * import assert from "node:assert/strict";
 * assert.equal(numberOf("hv_stimer:5"), deviceNumber("hv_stimer", 5));
 * assert.equal(numberOf("pit"), deviceNumber("pit", 0));
 * assert.throws(() => numberOf("tsc:1"), RangeError);
 * ```
 */
export function numberOf(id: string): number {
  // The id last asked for, first: a walk asks for its CPU's tick device again and again (an id a
  // state holds is the struct's own string, so this is a pointer compare).
  if (id === lastId) return lastNumber;
  let n = NUMBERS[id];
  if (n === undefined) {
    const colon = id.lastIndexOf(":");
    n = colon < 0
      ? deviceNumber(id, 0)
      : deviceNumber(id.slice(0, colon), Number(id.slice(colon + 1)));
    NUMBERS[id] = n;
  }
  lastId = id;
  lastNumber = n;
  return n;
}

/**
 * How many device numbers a machine of `cpus` CPUs has.
 *
 * @example
 * ```ts
 * import { deviceNumber, tableSize } from "./device_table.ts";
 * import { DEVICE_KINDS } from "../time/devices.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tableSize(2048), 3 + 2048 * (DEVICE_KINDS.length - 3));
 * assert.equal(tableSize(4), Math.max(...DEVICE_KINDS.map((k) => deviceNumber(k, 3))) + 1);
 * ```
 */
export function tableSize(cpus: number): number {
  return globalKinds.length + cpus * perCpuKinds.length;
}

/**
 * The device struct `id` of a state, or undefined when it has none.
 *
 * @example
 * ```ts
 * import { deviceOf } from "./device_table.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).build().config);
 * assert.equal(deviceOf(k.s, "lapic:1")?.mask, 1);
 * assert.equal(deviceOf(k.s, "lapic:7"), undefined);
 * assert.equal(deviceOf(vm({ cpus: 2 }).build().snapshot(), "lapic:1")?.mask, 1);
 * ```
 */
export function deviceOf(s: MachineState, id: string): DeviceState | undefined {
  const t = s.table;
  return t === undefined ? s.devices![id] : t[numberOf(id)];
}

/**
 * The struct of kind `kind` on `cpu` (a global kind's whatever `cpu`), or undefined.
 *
 * @example
 * ```ts
 * import { deviceAt } from "./device_table.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).build().config);
 * assert.equal(deviceAt(k.s, "hv_stimer", 1)?.id, "hv_stimer:1");
 * assert.equal(deviceAt(vm({ cpus: 2 }).build().snapshot(), "lapic", 0)?.id, "lapic:0");
 * assert.equal(deviceAt(k.s, "hv_stimer", 2), undefined);
 * ```
 */
export function deviceAt(s: MachineState, kind: string, cpu: number): DeviceState | undefined {
  const t = s.table;
  if (t === undefined) {
    return s.devices![KIND_SLOT.get(kind)! < globalKinds.length ? kind : `${kind}:${cpu}`];
  }
  return t[deviceNumber(kind, cpu)];
}

/**
 * The struct of the `i`th per-CPU kind (in table order) on `cpu`, or undefined: what
 * {@linkcode deviceAt} finds for that kind, without looking the kind up (a CPU's structs are
 * consecutive numbers; the dead CPU's cleanup goes through all of them).
 *
 * @example
 * ```ts
 * import { deviceAt, perCpuDevice } from "./device_table.ts";
 * import { PER_CPU_KINDS } from "../time/devices.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).build().config);
 * const snap = vm({ cpus: 2 }).build().snapshot();
 * for (let i = 0; i < PER_CPU_KINDS.length; i++) {
 *   assert.equal(perCpuDevice(k.s, i, 1), deviceAt(k.s, PER_CPU_KINDS[i], 1));
 *   assert.equal(perCpuDevice(snap, i, 1), deviceAt(snap, PER_CPU_KINDS[i], 1));
 * }
 * ```
 */
export function perCpuDevice(s: MachineState, i: number, cpu: number): DeviceState | undefined {
  const t = s.table;
  if (t === undefined) return s.devices![`${perCpuKinds[i]}:${cpu}`];
  return t[globalKinds.length + cpu * perCpuKinds.length + i];
}

/**
 * Registers `d` as its id's struct.
 *
 * @example
 * ```ts
 * import { deviceOf, dropDevice, putDevice } from "./device_table.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).build().config);
 * const d = deviceOf(k.s, "lapic:1")!;
 * dropDevice(k.s, "lapic:1");
 * assert.equal(deviceOf(k.s, "lapic:1"), undefined);
 * putDevice(k.s, d);
 * assert.equal(deviceOf(k.s, "lapic:1"), d);
 * ```
 */
export function putDevice(s: MachineState, d: DeviceState): void {
  if (s.table === undefined) s.devices![d.id] = d;
  else s.table[numberOf(d.id)] = d;
}

/**
 * Forgets the struct `id` (its memory freed: hvtick keeps no more of it); see
 * {@linkcode putDevice}'s example.
 */
export function dropDevice(s: MachineState, id: string): void {
  if (s.table === undefined) delete s.devices![id];
  else s.table[numberOf(id)] = undefined;
}

/**
 * Every device struct of a state, in device-number order (a snapshot's: its record's order).
 *
 * @example
 * ```ts
 * import { allDevices } from "./device_table.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 2 }).build().snapshot();
 * assert.equal(allDevices(s).length, Object.keys(s.devices).length);
 * ```
 */
export function allDevices(s: MachineState): DeviceState[] {
  const out: DeviceState[] = [];
  const t = s.table;
  if (t === undefined) {
    const devices = s.devices!;
    const ids = Object.keys(devices);
    for (let i = 0; i < ids.length; i++) out.push(devices[ids[i]]);
  } else {
    for (let i = 0; i < t.length; i++) if (t[i] !== undefined) out.push(t[i]!);
  }
  return out;
}
