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
import { candidateKinds, kindAt } from "./list_identity.ts";

// Per kind (DEVICE_KINDS order), whether it is per-CPU.
const PER_CPU = DEVICE_KINDS.map((kind) => PER_CPU_KINDS.includes(kind));
import { allDevices } from "../engine/device_table.ts";

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
  // A typed buffer and its fill, grown by doubling and never shrunk: a plain array emptied with
  // `length = 0` lost its backing store and grew again from nothing on every pack (5 % of the
  // 8-vCPU bench search, issue 15).
  #buf = new Float64Array(256);
  #n = 0;
  // Scratch for candidateKinds().
  readonly #kinds = new Int32Array(DEVICE_KINDS.length);
  readonly #seqs = new Float64Array(DEVICE_KINDS.length);

  /**
   * With `perCpuList`, `clockevent_devices` is written as each CPU's order of its candidates
   * (list_identity.ts) and the corrupted list's unreached nodes are left out: what a reduced
   * exploration tells states apart by. Without, the whole list, as the state holds it.
   */
  constructor(readonly perCpuList = false) {}

  #grow(): void {
    const grown = new Float64Array(this.#buf.length * 2);
    grown.set(this.#buf);
    this.#buf = grown;
  }

  #push(x: number): void {
    if (this.#n === this.#buf.length) this.#grow();
    this.#buf[this.#n++] = x;
  }

  #str(v: string | null | undefined): void {
    if (v === null || v === undefined) {
      this.#push(-1);
      return;
    }
    let n = this.#strings.get(v);
    if (n === undefined) this.#strings.set(v, n = this.#strings.size);
    this.#push(n);
  }

  // A time relative to `now`, or its "none" value: a flag, then the difference.
  #time(v: number, none: number | null, now: number): void {
    this.#push(v === none ? 1 : 0);
    this.#push(v === none ? 0 : v - now);
  }

  #list(xs: readonly number[]): void {
    this.#push(xs.length);
    for (let i = 0; i < xs.length; i++) this.#push(xs[i]);
  }

  #ids(xs: readonly string[]): void {
    this.#push(xs.length);
    for (let i = 0; i < xs.length; i++) this.#str(xs[i]);
  }

  // Room for `k` more numbers: the buffer to write them to from #n.
  #room(k: number): Float64Array {
    while (this.#n + k > this.#buf.length) this.#grow();
    return this.#buf;
  }

  // Field by field, as the tables above say (straight-line: this runs once per transition). The
  // anchors are written relative to `base`'s: zero for the machine itself, the difference for the
  // hibernation image. Runs of plain numbers are written after one #room() each.
  #state(s: MachineState, base: MachineState): void {
    const now = base.now;
    let out = this.#room(7);
    let n = this.#n;
    out[n++] = s.now - now;
    out[n++] = s.offNs;
    out[n++] = s.running ? 1 : 0;
    out[n++] = s.jiffies - base.jiffies;
    out[n++] = s.doTimerCpu;
    // The epoch is an anchor. Whether the machine's is `now` tells apart the states where
    // setting it to `now` (resume) changes nothing; the image's is never read.
    out[n++] = s.refEpoch - base.refEpoch;
    out[n++] = s === base && s.refEpoch === s.now ? 1 : 0;
    this.#n = n;
    this.#time(s.tickNextPeriod, null, now);
    this.#time(s.lastJiffiesUpdate, 0, now);
    this.#push(s.hotplugDisabled);
    this.#str(s.power);
    this.#str(s.parkRace);
    this.#str(s.acpiNamespaceHeld ? "held" : null);
    const bad = s.ceCorrupt;
    // Which nodes no walk reaches is read only by `unbind_device`'s search (list_corruption.ts).
    const lost = this.perCpuList ? "" : bad?.lost.join(",");
    this.#str(bad ? `${bad.dev}/${bad.unlinked ? 1 : 0}/${lost}` : null);
    this.#push(s.consoleLoglevel ?? -1);
    // kernel/power/'s knobs: rarely set (only by writes exploration does not make), so as one string.
    this.#str(s.pm ? JSON.stringify(s.pm, Object.keys(s.pm).sort()) : null);
    const h = s.hang;
    if (h) {
      this.#push(1);
      this.#push(h.cpu);
      this.#push(h.state);
      this.#time(h.time, null, now);
      this.#str(h.stateName);
      this.#str(h.callback);
      this.#str(h.reason);
      this.#str(h.symptom);
    } else this.#push(0);
    for (let i = 0; i < s.cpus.length; i++) {
      const c = s.cpus[i];
      out = this.#room(12);
      n = this.#n;
      out[n++] = c.online ? 1 : 0;
      out[n++] = c.devOffline ? 1 : 0;
      out[n++] = c.state;
      out[n++] = c.target;
      out[n++] = c.fail;
      out[n++] = c.tickMode;
      out[n++] = c.checkClocks ? 1 : 0;
      out[n++] = c.hres ? 1 : 0;
      out[n++] = c.hrtimersOffline ? 1 : 0;
      out[n++] = c.nohzMode;
      out[n++] = c.synic ? 1 : 0;
      out[n++] = c.ticks - base.cpus[i].ticks;
      this.#n = n;
      this.#time(c.schedExpires, -1, now);
      this.#str(c.tickDev);
    }
    // Devices in a fixed order (kind, then CPU), absent ones as a marker.
    for (let i = 0; i < DEVICE_KINDS.length; i++) {
      const perCpu = PER_CPU[i];
      for (let cpu = 0; cpu < (perCpu ? s.cpus.length : 1); cpu++) {
        const d = kindAt(s, i, cpu);
        if (!d) {
          this.#push(0);
          continue;
        }
        out = this.#room(15);
        n = this.#n;
        out[n++] = 1;
        out[n++] = d.features;
        out[n++] = d.rating;
        out[n++] = d.mask;
        out[n++] = d.state;
        out[n++] = d.mult;
        out[n++] = d.shift;
        out[n++] = d.minDeltaNs;
        out[n++] = d.maxDeltaNs;
        out[n++] = d.retries;
        out[n++] = d.perCpu ? 1 : 0;
        out[n++] = d.hwFires ? 1 : 0;
        out[n++] = d.hwEnabled ? 1 : 0;
        out[n++] = d.hwPeriod;
        out[n++] = d.boundTo;
        this.#n = n;
        this.#time(d.nextEvent, KTIME_MAX, now);
        this.#time(d.hwExpires, -1, now);
        this.#str(d.name);
        this.#str(d.handler);
      }
    }
    if (this.perCpuList) {
      // Each CPU's candidates by kind: at a CPU's place, a kind names one device.
      const kinds = this.#kinds;
      for (let cpu = 0; cpu < s.cpus.length; cpu++) {
        const count = candidateKinds(s, cpu, kinds, this.#seqs);
        this.#push(count);
        for (let i = 0; i < count; i++) this.#push(kinds[i]);
      }
    } else this.#ids(listOrder(s));
    this.#ids(s.released);
    this.#str(s.broadcast.dev);
    this.#push(s.broadcast.mode);
    this.#list(s.broadcast.mask);
    this.#list(s.broadcast.oneshotMask);
    this.#push(s.vmbus.up ? 1 : 0);
    this.#push(s.vmbus.connected ? 1 : 0);
    this.#list(s.vmbus.channels);
    this.#list(s.frozenCpus);
    if (s.image) {
      this.#push(1);
      this.#state(s.image, base);
    } else this.#push(0);
  }

  /**
   * The numbers of `s`'s class (without its anchors and history), in canonical order: a view of
   * the packer's buffer, valid until its next pack.
   */
  pack(s: MachineState): Float64Array {
    this.#n = 0;
    this.#state(s, s);
    return this.#buf.subarray(0, this.#n);
  }

  /** The whole state as numbers: its class, then its anchors (a view, as `pack`'s). */
  packState(s: MachineState): Float64Array {
    this.#n = 0;
    this.#state(s, s);
    this.#push(s.now);
    this.#push(s.jiffies);
    for (const c of s.cpus) this.#push(c.ticks);
    this.#push(s.refEpoch);
    return this.#buf.subarray(0, this.#n);
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
