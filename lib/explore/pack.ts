/**
 * Packed state keys for exploration. A machine state is written as two parts:
 *
 * - its *anchors*: simulation time (`now`), `jiffies_64`, each CPU's tick count and the partition
 *   reference counter's epoch: the numbers that grow as the machine runs;
 * - its *class*: every other field as a flat list of numbers in a canonical order (devices by
 *   kind and CPU, the device list by its order, strings as small integers), with each absolute
 *   time written relative to `now` (its "none" value kept apart), the hibernation image's anchors
 *   relative to the machine's, and whether the machine's reference counter epoch is `now`.
 *
 * The two together are the state: equal states give equal parts, and {@linkcode moveAnchors}
 * rebuilds any state of a class from another. The search reuses what an operation did to one
 * state of a class for every other (docs/model.md §Exploration says why that is exact). Which
 * field is which is the field table's (lib/engine/fields.ts); hashing packed numbers is hash.ts's.
 *
 * @module
 */

import type { CpuState, DeviceState, Hang, MachineState } from "../engine/state.ts";
import { KTIME_MAX } from "../engine/state.ts";
import {
  CPU_FIELDS,
  DEVICE_FIELDS,
  type FieldKind,
  fieldsOf,
  HANG_FIELDS,
  MACHINE_FIELDS,
} from "../engine/fields.ts";

// What the packer writes: state (values, counters, times, structures); keys, a list's insertion
// counter and history are left out (lib/engine/fields.ts).
const PACKED = ["value", "counter", "time", "struct"] as const;
import { DEVICE_KINDS, PER_CPU_KINDS } from "../time/devices.ts";
import { listOrder } from "../engine/list.ts";
import { candidateOrder } from "./list_identity.ts";
import { allDevices, deviceAt } from "../engine/device_table.ts";

/** The fields the packer writes, per table (tests check the packer against them). */
export const PACKED_FIELDS = {
  cpu: fieldsOf<CpuState>(CPU_FIELDS, ...PACKED),
  device: fieldsOf<DeviceState>(DEVICE_FIELDS, ...PACKED),
  hang: fieldsOf<Hang>(HANG_FIELDS, ...PACKED),
  machine: fieldsOf<MachineState>(MACHINE_FIELDS, ...PACKED),
} as const;

/**
 * How many anchors a machine of `cpus` CPUs has: `now`, `jiffies_64`, one tick count per CPU,
 * then the reference counter's epoch (`refEpoch`, the last).
 *
 * @example
 * ```ts
 * import { anchorCount } from "./pack.ts";
 * import assert from "node:assert/strict";
 * assert.equal(anchorCount(4), 7);
 * ```
 */
export function anchorCount(cpus: number): number {
  return 3 + cpus;
}

/**
 * Writes states as numbers; strings become small integers shared by every state it packs. The
 * buffer is reused: a class is valid until the next `pack()`.
 */
export class Packer {
  readonly #strings = new Map<string, number>();
  #out: number[] = [];

  /**
   * With `perCpuList`, `clockevent_devices` is written as each CPU's order of its candidates
   * (list_identity.ts) and the corrupted list's unreached nodes are left out: what a reduced
   * exploration tells states apart by. Without, the whole list, as the state holds it.
   */
  constructor(readonly perCpuList = false) {}

  #str(v: string | null | undefined): void {
    if (v === null || v === undefined) {
      this.#out.push(-1);
      return;
    }
    let n = this.#strings.get(v);
    if (n === undefined) this.#strings.set(v, n = this.#strings.size);
    this.#out.push(n);
  }

  // A time relative to `now`, or its "none" value: a flag, then the difference.
  #time(v: number, none: number | null, now: number): void {
    if (v === none) this.#out.push(1, 0);
    else this.#out.push(0, v - now);
  }

  #list(xs: readonly number[]): void {
    this.#out.push(xs.length);
    for (const x of xs) this.#out.push(x);
  }

  #ids(xs: readonly string[]): void {
    this.#out.push(xs.length);
    for (const x of xs) this.#str(x);
  }

  // Field by field, as the tables above say (straight-line: this runs once per transition). The
  // anchors are written relative to `base`'s: zero for the machine itself, the difference for the
  // hibernation image.
  #state(s: MachineState, base: MachineState): void {
    const out = this.#out;
    const now = base.now;
    out.push(s.now - now, s.offNs, s.running ? 1 : 0, s.jiffies - base.jiffies, s.doTimerCpu);
    // The epoch is an anchor. Whether the machine's is `now` tells apart the states where
    // setting it to `now` (resume) changes nothing; the image's is never read.
    out.push(s.refEpoch - base.refEpoch, s === base && s.refEpoch === s.now ? 1 : 0);
    this.#time(s.tickNextPeriod, null, now);
    this.#time(s.lastJiffiesUpdate, 0, now);
    out.push(s.hotplugDisabled);
    this.#str(s.power);
    this.#str(s.parkRace);
    this.#str(s.acpiNamespaceHeld ? "held" : null);
    const bad = s.ceCorrupt;
    // Which nodes no walk reaches is read only by `unbind_device`'s search (list_corruption.ts).
    const lost = this.perCpuList ? "" : bad?.lost.join(",");
    this.#str(bad ? `${bad.dev}/${bad.unlinked ? 1 : 0}/${lost}` : null);
    out.push(s.consoleLoglevel ?? -1);
    // kernel/power/'s knobs: rarely set (only by writes exploration does not make), so as one string.
    this.#str(s.pm ? JSON.stringify(s.pm, Object.keys(s.pm).sort()) : null);
    const h = s.hang;
    if (h) {
      out.push(1, h.cpu, h.state);
      this.#time(h.time, null, now);
      this.#str(h.stateName);
      this.#str(h.callback);
      this.#str(h.reason);
      this.#str(h.symptom);
    } else out.push(0);
    for (let i = 0; i < s.cpus.length; i++) {
      const c = s.cpus[i];
      out.push(
        c.online ? 1 : 0,
        c.devOffline ? 1 : 0,
        c.state,
        c.target,
        c.fail,
        c.tickMode,
        c.checkClocks ? 1 : 0,
        c.hres ? 1 : 0,
        c.hrtimersOffline ? 1 : 0,
        c.nohzMode,
        c.synic ? 1 : 0,
        c.ticks - base.cpus[i].ticks,
      );
      this.#time(c.schedExpires, -1, now);
      this.#str(c.tickDev);
    }
    // Devices in a fixed order (kind, then CPU), absent ones as a marker.
    for (let i = 0; i < DEVICE_KINDS.length; i++) {
      const kind = DEVICE_KINDS[i];
      const perCpu = PER_CPU_KINDS.includes(kind);
      for (let cpu = 0; cpu < (perCpu ? s.cpus.length : 1); cpu++) {
        const d = deviceAt(s, kind, cpu);
        if (!d) {
          out.push(0);
          continue;
        }
        out.push(
          1,
          d.features,
          d.rating,
          d.mask,
          d.state,
          d.mult,
          d.shift,
          d.minDeltaNs,
          d.maxDeltaNs,
          d.retries,
          d.perCpu ? 1 : 0,
          d.hwFires ? 1 : 0,
          d.hwEnabled ? 1 : 0,
          d.hwPeriod,
          d.boundTo,
        );
        this.#time(d.nextEvent, KTIME_MAX, now);
        this.#time(d.hwExpires, -1, now);
        this.#str(d.name);
        this.#str(d.handler);
      }
    }
    if (this.perCpuList) {
      for (let cpu = 0; cpu < s.cpus.length; cpu++) this.#ids(candidateOrder(s, cpu));
    } else this.#ids(listOrder(s));
    this.#ids(s.released);
    this.#str(s.broadcast.dev);
    out.push(s.broadcast.mode);
    this.#list(s.broadcast.mask);
    this.#list(s.broadcast.oneshotMask);
    out.push(s.vmbus.up ? 1 : 0, s.vmbus.connected ? 1 : 0);
    this.#list(s.vmbus.channels);
    this.#list(s.frozenCpus);
    if (s.image) {
      out.push(1);
      this.#state(s.image, base);
    } else out.push(0);
  }

  /** The numbers of `s`'s class (without its anchors and history), in canonical order. */
  pack(s: MachineState): readonly number[] {
    this.#out.length = 0;
    this.#state(s, s);
    return this.#out;
  }

  /** The whole state as numbers: its class, then its anchors. */
  packState(s: MachineState): readonly number[] {
    this.pack(s);
    const out = this.#out;
    out.push(s.now, s.jiffies);
    for (const c of s.cpus) out.push(c.ticks);
    out.push(s.refEpoch);
    return out;
  }
}

/**
 * Writes the anchors of `s` into `out` from `at`: see {@linkcode anchorCount}.
 *
 * @example
 * ```ts
 * import { anchorCount, anchorsOf } from "./pack.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 2 }).build();
 * m.advance("8ms");
 * const s = m.snapshot();
 * const out = new Float64Array(anchorCount(2));
 * anchorsOf(s, out);
 * assert.deepEqual([...out], [s.now, s.jiffies, s.cpus[0].ticks, s.cpus[1].ticks, s.refEpoch]);
 * ```
 */
export function anchorsOf(s: MachineState, out: Float64Array, at = 0): void {
  out[at] = s.now;
  out[at + 1] = s.jiffies;
  for (let i = 0; i < s.cpus.length; i++) out[at + 2 + i] = s.cpus[i].ticks;
  out[at + 2 + s.cpus.length] = s.refEpoch;
}

/**
 * Moves the anchors of a copy of `s`, with the hibernation image, from `from` to `to`: every
 * time the tables call a time shifts with `now` (its "none" value stays), and every anchor
 * shifts with its own. Applied to a state of one class, it gives the state of that class with
 * anchors `to`. `s` must not be shared (pass a copy).
 *
 * @example Four ticks later, in the same class
 * ```ts
 * import { anchorsOf, moveAnchors, Packer } from "./pack.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 1 }).build();
 * m.advance("8ms");
 * const s = m.snapshot();
 * const from = new Float64Array(4);
 * anchorsOf(s, from);
 * const to = Float64Array.of(from[0] + 16e6, from[1] + 4, from[2] + 4, from[3]);
 * const later = structuredClone(s);
 * moveAnchors(later, from, to);
 * assert.equal(later.now, s.now + 16e6);
 * const packer = new Packer();
 * assert.deepEqual([...packer.pack(later)], [...packer.pack(s)]);
 * ```
 */
export function moveAnchors(s: MachineState, from: ArrayLike<number>, to: ArrayLike<number>): void {
  const delta = Array.from(to, (v, i) => v - from[i]);
  const shift = <T>(o: T, fields: Readonly<Record<keyof T, FieldKind>>) => {
    for (const f in fields) {
      const kind = fields[f];
      if (typeof kind !== "object") continue;
      const v = o[f] as number;
      if (v !== kind.time) (o[f] as number) = v + delta[0];
    }
  };
  const move = (m: MachineState) => {
    m.now += delta[0];
    m.jiffies += delta[1];
    m.refEpoch += delta[2 + m.cpus.length];
    m.cpus.forEach((c, i) => {
      c.ticks += delta[2 + i];
      shift(c, CPU_FIELDS);
    });
    const all = allDevices(m);
    for (let i = 0; i < all.length; i++) shift(all[i], DEVICE_FIELDS);
    if (m.hang) shift(m.hang, HANG_FIELDS);
    shift(m, MACHINE_FIELDS);
    if (m.image) move(m.image);
  };
  move(s);
}
