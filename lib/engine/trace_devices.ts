/**
 * Clockevent events into the packed trace ring from their fields (lib/engine/log.ts
 * `emitDevice()`): the record {@linkcode TraceRing.push} of the event object would leave, written
 * straight into the ring's columns, with no object and no generic packer (an offline+online of one
 * CPU emits four: ~0.1 µs of a 2048-vCPU cycle as objects, issue 15).
 *
 * @module
 */

import { CLOCKEVENT_TYPES, type ClockeventEvent } from "./trace.ts";
import { columns, i16, packEvent } from "./trace_columns.ts";
import { NONE, TraceNames } from "./trace_names.ts";
import type { TraceRing } from "./trace_ring.ts";

// What each clockevent event type carries past `device`, as the model emits it, in
// CLOCKEVENT_TYPES order (lib/engine/trace.ts): NO key, PREVIOUS (even undefined), RET.
const NO = 0, PREVIOUS = 1, RET = 2;
const EXTRA = Uint8Array.of(
  // lib/time/clockevents.ts clockeventsRegisterDevice()
  NO,
  // lib/time/tick_setup.ts setupDevice(): undefined when the CPU had no tick device
  PREVIOUS,
  // lib/time/clockevents.ts clockeventsUnbindDevice()
  RET,
  // not emitted as an event (an ftrace function, lib/time/clockevents.ts)
  NO,
  // lib/time/tick_offline.ts tickShutdown()
  NO,
  // lib/time/tick_broadcast.ts installBroadcastDevice(): undefined when there was none
  PREVIOUS,
);

// The index of `type` in CLOCKEVENT_TYPES: a switch, whose cases compare interned strings by
// reference, where a table keyed by the type was a megamorphic keyed load (~20 ns an event).
function indexOf(type: ClockeventEvent["type"]): number {
  switch (type) {
    case "clockevents_register_device":
      return 0;
    case "tick_setup_device":
      return 1;
    case "clockevents_unbind_device":
      return 2;
    case "clockevents_shutdown":
      return 3;
    case "tick_shutdown":
      return 4;
    default:
      return 5;
  }
}

/**
 * The clockevent event of these fields, its keys as its emitter writes them: `previous` (even
 * undefined) for `tick_setup_device` and `tick_install_broadcast_device`, `ret` for
 * `clockevents_unbind_device`, neither for the others.
 *
 * @example
 * ```ts
 * import { deviceEvent } from "./trace_devices.ts";
 * import assert from "node:assert/strict";
 * const e = deviceEvent("tick_setup_device", 5, 1, "Hyper-V clockevent", undefined, 0);
 * assert.deepEqual(Object.keys(e), ["type", "time", "cpu", "device", "previous"]);
 * assert.equal("ret" in deviceEvent("tick_shutdown", 5, 1, "lapic", "x", 0), false);
 * ```
 */
export function deviceEvent(
  type: ClockeventEvent["type"],
  time: number,
  cpu: number,
  device: string,
  previous: string | undefined,
  ret: number,
): ClockeventEvent {
  const extra = EXTRA[indexOf(type)];
  return extra === PREVIOUS
    ? { type, time, cpu, device, previous }
    : extra === RET
    ? { type, time, cpu, device, ret }
    : { type, time, cpu, device };
}

// Each type's kind byte (kind and key flags) as packEvent() packs its event: read from the packer
// itself, so that the two cannot differ.
const KIND = Uint8Array.from(CLOCKEVENT_TYPES, (type, i) => {
  if (indexOf(type) !== i) throw new Error(`internal: clockevent type ${type} out of order`);
  const c = columns(1);
  packEvent(c, new TraceNames(), 0, deviceEvent(type, 0, 0, "d", undefined, 0));
  return c.kind[0];
});

/**
 * Appends the clockevent event of these fields ({@linkcode deviceEvent}) to `ring`: what
 * {@linkcode TraceRing.push} of the object leaves, read back the same in every view.
 *
 * @example
 * ```ts
 * import { pushDevice } from "./trace_devices.ts";
 * import { TraceRing } from "./trace_ring.ts";
 * import assert from "node:assert/strict";
 * const ring = new TraceRing();
 * pushDevice(ring, "tick_shutdown", 4, 1, "Hyper-V clockevent", undefined, 0);
 * pushDevice(ring, "tick_setup_device", 9, 1, "Hyper-V clockevent", undefined, 0);
 * assert.deepEqual(ring.events(0), [
 *   { type: "tick_shutdown", time: 4, cpu: 1, device: "Hyper-V clockevent" },
 *   { type: "tick_setup_device", time: 9, cpu: 1, device: "Hyper-V clockevent", previous: undefined },
 * ]);
 * ```
 */
export function pushDevice(
  ring: TraceRing,
  type: ClockeventEvent["type"],
  time: number,
  cpu: number,
  device: string,
  previous: string | undefined,
  ret: number,
): void {
  const i = indexOf(type), extra = EXTRA[i];
  const id = ring.nameId(device);
  const prev = extra === PREVIOUS && previous !== undefined ? ring.nameId(previous) : NONE;
  // What packEvent() would not pack (the ring then keeps the object), or a slot reserve() cannot
  // give (nothing packed yet, an object kept, a time its difference does not keep): push() it.
  const slot = id === NONE || (prev === NONE && extra === PREVIOUS && previous !== undefined) ||
      !i16(cpu) || (extra === RET && !i16(ret))
    ? -1
    : ring.reserve(1, time, time);
  if (slot < 0) return ring.push(deviceEvent(type, time, cpu, device, previous, ret));
  // packEvent()'s layout (lib/engine/trace_columns.ts): s the device, a previous (NONE:
  // undefined), c ret.
  const c = ring.columns;
  c.kind[slot] = KIND[i];
  c.cpu[slot] = cpu;
  c.s[slot] = id;
  c.a[slot] = prev;
  c.c[slot] = extra === RET ? ret : 0;
}
