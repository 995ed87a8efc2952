/**
 * The two forms of a device record: the running kernel's {@linkcode Device} (its own fields and
 * its driver's shared constants, lib/engine/device.ts) and the plain, whole record a snapshot
 * holds (every field of `DeviceState`, as snapshots have always held them, so saved files load
 * and save as before). A kernel takes a state over in its own form ({@linkcode liveDevices}); a
 * snapshot leaves in the plain one ({@linkcode plainState}).
 *
 * @module
 */

import type { DeviceState, MachineState } from "../engine/state.ts";
import { Device } from "../engine/device.ts";
import { allDevices, numberOf, tableSize } from "../engine/device_table.ts";
import { deviceDriver } from "./devices.ts";
import type { MachineConfig } from "../engine/config.ts";

/**
 * A machine state as `snapshot()` gives it: plain data, `clockevent_devices` as `ceList` (which a
 * running kernel's state keeps in its devices instead, lib/engine/list.ts).
 *
 * @example
 * ```ts
 * import { type MachineSnapshot, vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s: MachineSnapshot = vm({ cpus: 2 }).build().snapshot();
 * assert.equal(typeof s.ceList["lapic:1"], "number");
 * ```
 */
export type MachineSnapshot = MachineState & {
  devices: Record<string, DeviceState>;
  ceList: Record<string, number>;
};

/**
 * The whole record of a device, as a snapshot holds it (the fields in the order of the type).
 *
 * @example
 * ```ts
 * import { plainDevice } from "./device_form.ts";
 * import { newDevice } from "./devices.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const d = newDevice(vm().build().config, "hv_stimer", 1);
 * assert.deepEqual(Object.keys(plainDevice(d)).slice(0, 3), ["id", "kind", "name"]);
 * assert.equal(Object.getPrototypeOf(plainDevice(d)), Object.prototype);
 * ```
 */
export function plainDevice(d: DeviceState): DeviceState {
  return {
    id: d.id,
    kind: d.kind,
    name: d.name,
    features: d.features,
    rating: d.rating,
    mask: d.mask,
    state: d.state,
    nextEvent: d.nextEvent,
    mult: d.mult,
    shift: d.shift,
    minDeltaNs: d.minDeltaNs,
    maxDeltaNs: d.maxDeltaNs,
    handler: d.handler,
    retries: d.retries,
    perCpu: d.perCpu,
    hwFires: d.hwFires,
    hwEnabled: d.hwEnabled,
    hwExpires: d.hwExpires,
    hwPeriod: d.hwPeriod,
    boundTo: d.boundTo,
  };
}

// A plain record as the kernel holds it: the constant fields are its driver's on this config
// (what a checked snapshot's are: lib/api/snapshot_check.ts compares them with newDevice()'s);
// not listed until the state's list says so.
function liveDevice(c: MachineConfig, d: DeviceState): Device {
  return new Device(
    deviceDriver(c, d.kind),
    d.mask,
    d.state,
    d.nextEvent,
    d.handler,
    d.retries,
    d.hwEnabled,
    d.hwExpires,
    d.hwPeriod,
    d.boundTo,
  );
}

/**
 * `s` with its device records (its hibernation image's and its stopped walk's state's too) in the
 * kernel's form, in place: `devices` become `table` (lib/engine/device_table.ts), and
 * `clockevent_devices` moves into them (`ceList` removed). What a kernel takes over
 * (lib/machine/kernel.ts).
 *
 * @example
 * ```ts
 * import { liveDevices } from "./device_form.ts";
 * import { Device } from "../engine/device.ts";
 * import { deviceOf } from "../engine/device_table.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 2 }).build().snapshot();
 * const plain = s.devices["lapic:1"];
 * liveDevices(s);
 * assert.equal(s.devices, undefined);
 * assert.ok(deviceOf(s, "lapic:1") instanceof Device);
 * assert.equal(deviceOf(s, "lapic:1")!.name, plain.name);
 * ```
 */
export function liveDevices(s: MachineState): MachineState {
  const devices = s.devices;
  if (devices !== undefined) {
    const table = new Array<DeviceState | undefined>(tableSize(s.cpus.length)).fill(undefined);
    const ids = Object.keys(devices);
    for (let i = 0; i < ids.length; i++) {
      const d = devices[ids[i]];
      table[numberOf(ids[i])] = d instanceof Device ? d : liveDevice(s.config, d);
    }
    const list = s.ceList;
    if (list !== undefined) {
      for (const id in list) (table[numberOf(id)] as Device).seq = list[id];
    }
    s.table = table;
    delete s.devices;
    delete s.ceList;
  }
  if (s.image) liveDevices(s.image);
  if (s.walk) liveDevices(s.walk.before);
  return s;
}

/**
 * A shallow copy of `s` whose device records (its image's and its stopped walk's state's too)
 * are plain whole records, `clockevent_devices` as `ceList`: what a snapshot copies
 * (lib/api/machine.ts `snapshot()`).
 *
 * @example
 * ```ts
 * import { plainState } from "./device_form.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).build().config);
 * const s = plainState(k.s);
 * assert.deepEqual(structuredClone(s.devices["lapic:1"]), s.devices["lapic:1"]);
 * assert.equal(s.cpus, k.s.cpus);
 * ```
 */
export function plainState(s: MachineState): MachineSnapshot {
  const devices: Record<string, DeviceState> = {};
  const listed: Device[] = [];
  const all = allDevices(s);
  for (let i = 0; i < all.length; i++) {
    const d = all[i];
    devices[d.id] = plainDevice(d);
    if (d instanceof Device && d.seq >= 0) listed.push(d);
  }
  // In insertion order, as a snapshot's list always was.
  listed.sort((a, b) => a.seq - b.seq);
  const ceList: Record<string, number> = {};
  for (const d of listed) ceList[d.id] = d.seq;
  const out: MachineSnapshot = {
    ...s,
    devices,
    ceList: s.ceList ?? ceList,
    image: s.image && plainState(s.image),
    ...(s.walk ? { walk: { ...s.walk, before: plainState(s.walk.before) } } : {}),
  };
  delete out.table;
  return out;
}
