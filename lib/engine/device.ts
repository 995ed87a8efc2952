/**
 * A clockevent device struct as the running kernel holds it: what changes (state, `next_event`,
 * handler, retries, the timer hardware, which CPU's tick device it is) on the instance, and a
 * reference to one shared, frozen record of what its driver filled in from its template and never
 * changes (name, features, rating, `mult`/`shift`, the delta limits…). The kernel fills each
 * per-CPU `struct clock_event_device` from its driver's one template the same way (6.6.150:
 * drivers/clocksource/hyperv_timer.c:137-149 `hv_stimer_init()` sets name, features, rating and
 * registers with the driver's fixed rate and delta limits; arch/x86/kernel/apic/apic.c:527, 542,
 * 614 `lapic_clockevent` memcpy()'d into the per-CPU `lapic_events` by `setup_APIC_timer()`). Its
 * link on `clockevent_devices` is in it too, as the struct's `list_head list` is
 * (include/linux/clockchips.h:130): `seq`, its insertion sequence, -1 when not listed. A
 * {@linkcode Device} reads as a whole {@linkcode DeviceState} (its constant fields are getters);
 * snapshots hold plain records, converted at the boundary (lib/time/device_form.ts). About half
 * the bytes of a plain record, and a copy of it is eleven fields, not twenty.
 *
 * @module
 */

import type { CeState, DeviceState } from "./state.ts";

/** What a driver fills a device struct with from its template on one configuration: constant. */
export interface DeviceDriver {
  /** Device template key. */
  readonly kind: string;
  /** `name`. */
  readonly name: string;
  /** `features` bits. */
  readonly features: number;
  /** `rating`. */
  readonly rating: number;
  /** `mult`. */
  readonly mult: number;
  /** `shift`. */
  readonly shift: number;
  /** `min_delta_ns`. */
  readonly minDeltaNs: number;
  /** `max_delta_ns`. */
  readonly maxDeltaNs: number;
  /** Whether it is a per-CPU struct. */
  readonly perCpu: boolean;
  /** Hardware: whether the host delivers its interrupts at all. */
  readonly hwFires: boolean;
  /** Per-CPU kinds: the ids `kind:cpu` by CPU, filled as asked (shared, memoised); else null. */
  readonly ids: string[] | null;
}

/**
 * A registered `struct clock_event_device`: the instance's own fields, and its driver's constants
 * through `drv` (read as the fields of a {@linkcode DeviceState}).
 *
 * @example
 * ```ts
 * import { Device, type DeviceDriver } from "./device.ts";
 * import assert from "node:assert/strict";
 * const drv: DeviceDriver = Object.freeze({
 *   kind: "lapic", name: "lapic", features: 3, rating: 100, mult: 1, shift: 0, minDeltaNs: 1,
 *   maxDeltaNs: 2, perCpu: true, hwFires: true, ids: [],
 * });
 * const d = new Device(drv, 3, 0, 9223372036854775807, null, 0, false, -1, 0, -1);
 * assert.equal(d.id, "lapic:3");
 * assert.equal(d.name, "lapic");
 * const copy = d.copy();
 * copy.state = 3;
 * assert.equal(d.state, 0);
 * assert.equal(copy.drv, d.drv);
 * ```
 */
export class Device implements DeviceState {
  /**
   * The instance's own fields (`drv`: the driver's constants, re-pointed when the driver
   * re-initialises the struct; `seq`: its place on `clockevent_devices`, lib/engine/list.ts).
   */
  constructor(
    public drv: DeviceDriver,
    public mask: number,
    public state: CeState,
    public nextEvent: number,
    public handler: string | null,
    public retries: number,
    public hwEnabled: boolean,
    public hwExpires: number,
    public hwPeriod: number,
    public boundTo: number,
    public seq: number = -1,
  ) {}

  /** `kind:cpu` for per-CPU structs (its cpumask is the CPU), `kind` otherwise. */
  get id(): string {
    const ids = this.drv.ids;
    return ids === null ? this.drv.kind : (ids[this.mask] ??= `${this.drv.kind}:${this.mask}`);
  }
  /** Device template key. */
  get kind(): string {
    return this.drv.kind;
  }
  /** `name`. */
  get name(): string {
    return this.drv.name;
  }
  /** `features` bits. */
  get features(): number {
    return this.drv.features;
  }
  /** `rating`. */
  get rating(): number {
    return this.drv.rating;
  }
  /** `mult`. */
  get mult(): number {
    return this.drv.mult;
  }
  /** `shift`. */
  get shift(): number {
    return this.drv.shift;
  }
  /** `min_delta_ns`. */
  get minDeltaNs(): number {
    return this.drv.minDeltaNs;
  }
  /** `max_delta_ns`. */
  get maxDeltaNs(): number {
    return this.drv.maxDeltaNs;
  }
  /** Whether it is a per-CPU struct. */
  get perCpu(): boolean {
    return this.drv.perCpu;
  }
  /** Hardware: whether the host delivers its interrupts at all. */
  get hwFires(): boolean {
    return this.drv.hwFires;
  }

  /** A copy of the instance's own fields, the driver's constants shared. */
  copy(): Device {
    return new Device(
      this.drv,
      this.mask,
      this.state,
      this.nextEvent,
      this.handler,
      this.retries,
      this.hwEnabled,
      this.hwExpires,
      this.hwPeriod,
      this.boundTo,
      this.seq,
    );
  }
}

/**
 * A copy of a device record that shares nothing an operation changes, of the same form (a
 * {@linkcode Device}, or a plain record as a snapshot holds).
 *
 * @example
 * ```ts
 * import { copyDevice } from "./device.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const d = vm({ cpus: 2 }).build().snapshot().devices["lapic:1"];
 * assert.deepEqual(copyDevice(d), d);
 * assert.notEqual(copyDevice(d), d);
 * ```
 */
export function copyDevice(d: DeviceState): DeviceState {
  return d instanceof Device ? d.copy() : { ...d };
}

/**
 * `d` moved to another CPU number (exploration's renaming of interchangeable CPUs): its cpumask,
 * its id with it, and the CPU it is bound to; of the same form as `d`.
 *
 * @example
 * ```ts
 * import { movedDevice } from "./device.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const d = vm({ cpus: 3 }).build().snapshot().devices["lapic:1"];
 * const moved = movedDevice(d, "lapic:2", 2, 2);
 * assert.equal(moved.id, "lapic:2");
 * assert.equal(moved.boundTo, 2);
 * ```
 */
export function movedDevice(
  d: DeviceState,
  id: string,
  mask: number,
  boundTo: number,
): DeviceState {
  if (!(d instanceof Device)) return { ...d, id, mask, boundTo };
  const out = d.copy();
  out.mask = mask;
  out.boundTo = boundTo;
  return out;
}

/**
 * The driver re-initialises a struct that still exists (`clockevents_config()` again): `into`
 * takes `from`'s timing (`mult`, `shift`, the delta limits).
 *
 * @example
 * ```ts
 * import { refillTiming } from "./device.ts";
 * import { newDevice } from "../time/devices.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 2 }).build().snapshot();
 * const plain = { ...s.devices["lapic:1"], mult: 1, shift: 1 };
 * refillTiming(plain, newDevice(s.config, "lapic", 1));
 * assert.equal(plain.mult, s.devices["lapic:1"].mult);
 * assert.equal(plain.shift, s.devices["lapic:1"].shift);
 * ```
 */
export function refillTiming(into: DeviceState, from: DeviceState): void {
  if (into instanceof Device && from instanceof Device) into.drv = from.drv;
  else {
    Object.assign(into, {
      mult: from.mult,
      shift: from.shift,
      minDeltaNs: from.minDeltaNs,
      maxDeltaNs: from.maxDeltaNs,
    });
  }
}
