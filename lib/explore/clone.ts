/**
 * Copying a machine state for exploration: every mutable part copied, the history (log, trace,
 * problems) left empty, the parts nothing changes after boot shared. The table names every field,
 * so a new field does not compile until it says how it is copied.
 *
 * @module
 */

import type { CpuState, DeviceState, MachineState } from "../engine/state.ts";

type How = "value" | "shared" | "copy" | "history";

// The table is a compile-time guard: a new MachineState field does not compile until it says how
// `cloneState` treats it (then `cloneState` must do so).
// "value": a primitive; "shared": never changed after boot (the validated config, the boot-time
// hotplug registrations); "copy": changed by operations; "history": not state (left empty).
export const FIELDS: Readonly<Record<keyof MachineState, How>> = {
  format: "value",
  config: "shared",
  now: "value",
  offNs: "value",
  refEpoch: "value",
  running: "value",
  power: "value",
  hang: "copy",
  jiffies: "value",
  doTimerCpu: "value",
  tickNextPeriod: "value",
  lastJiffiesUpdate: "value",
  cpus: "copy",
  devices: "copy",
  ceList: "copy",
  ceSeq: "value",
  released: "copy",
  broadcast: "copy",
  registered: "shared",
  hotplugDisabled: "value",
  parkRace: "value",
  vmbus: "copy",
  frozenCpus: "copy",
  image: "copy",
  problems: "history",
  log: "history",
};

/** A copy of `s` that shares nothing an operation changes, without history. */
export function cloneState(s: MachineState): MachineState {
  const devices: Record<string, DeviceState> = {};
  for (const id in s.devices) devices[id] = { ...s.devices[id] };
  return {
    ...s,
    hang: s.hang && { ...s.hang },
    cpus: s.cpus.map((c): CpuState => ({ ...c })),
    devices,
    ceList: { ...s.ceList },
    released: [...s.released],
    broadcast: {
      ...s.broadcast,
      mask: [...s.broadcast.mask],
      oneshotMask: [...s.broadcast.oneshotMask],
    },
    vmbus: { ...s.vmbus, channels: [...s.vmbus.channels] },
    frozenCpus: [...s.frozenCpus],
    image: s.image && cloneState(s.image),
    problems: [],
    log: { dmesg: [], dmesgBytes: 0, trace: [], traceLost: 0 },
  };
}
