/**
 * The hardware timer index: which device interrupts are due when. Derived from the devices'
 * `hwExpires` (never saved); an entry goes stale when its device is re-programmed or stopped, and
 * is skipped when popped (stopping a device clears `hwExpires`).
 *
 * Events at the same instant are batched into one bucket, so a tick that fires on thousands of
 * CPUs at once costs one heap operation. A bucket's devices run in (priority, sequence) order:
 * by `boundTo` (-1 for the broadcast device, else the CPU); it is sorted only when a device was
 * armed out of that order.
 *
 * @module
 */

import type { DeviceState } from "./state.ts";

interface Bucket {
  /** Due devices; entries past `count` are leftovers of a recycled array. */
  devices: DeviceState[];
  /** How many entries of `devices` are in use. */
  count: number;
  /** `boundTo` of the last device armed here. */
  lastKey: number;
  unsorted: boolean;
}

/** Min-heap of distinct expiry times, each with a bucket of devices. */
export class TimerQueue {
  #heap: number[] = [];
  #buckets = new Map<number, Bucket>();
  // Consecutive arms mostly target the same instant (the next tick): skip the map lookup.
  #lastTime = Number.NaN;
  #last: Bucket | null = null;
  #spare: DeviceState[][] = [];
  // Structs freed since the last sweep, and the entries that sweep kept (lib/time/clockevents.ts
  // freeDevice()).
  #freed = 0;
  #kept = 0;

  /** Adds `device` to the bucket for `time`. */
  arm(time: number, device: DeviceState): void {
    const bucket = this.#bucketFor(time);
    const key = device.boundTo;
    if (key < bucket.lastKey) bucket.unsorted = true;
    bucket.lastKey = key;
    bucket.devices[bucket.count++] = device;
  }

  /** Adds `devices[0..count)` to the bucket for `time`, in that order. */
  armAll(time: number, devices: readonly DeviceState[], count: number): void {
    const bucket = this.#bucketFor(time);
    const into = bucket.devices;
    let used = bucket.count;
    let last = bucket.lastKey;
    for (let i = 0; i < count; i++) {
      const device = devices[i];
      if (device.boundTo < last) bucket.unsorted = true;
      last = device.boundTo;
      into[used++] = device;
    }
    bucket.count = used;
    bucket.lastKey = last;
  }

  #bucketFor(time: number): Bucket {
    if (time === this.#lastTime && this.#last !== null) return this.#last;
    const bucket = this.#buckets.get(time) ?? this.#create(time);
    this.#lastTime = time;
    this.#last = bucket;
    return bucket;
  }

  #create(time: number): Bucket {
    const bucket = { devices: this.#spare.pop() ?? [], count: 0, lastKey: -2, unsorted: false };
    this.#buckets.set(time, bucket);
    this.#push(time);
    return bucket;
  }

  #push(time: number): void {
    const heap = this.#heap;
    let i = heap.push(time) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= time) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = time;
  }

  /** The earliest time with a bucket, or undefined. */
  peek(): number | undefined {
    return this.#heap[0];
  }

  /**
   * Removes and returns the earliest bucket: its first `count` devices, in order. Hand `devices`
   * back with {@linkcode TimerQueue.recycle} once done.
   */
  take(): { time: number; devices: DeviceState[]; count: number } | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const time = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right] < heap[left] ? right : left;
        if (heap[child] >= last) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    const bucket = this.#buckets.get(time)!;
    this.#buckets.delete(time);
    if (this.#lastTime === time) [this.#lastTime, this.#last] = [Number.NaN, null];
    if (bucket.unsorted) {
      bucket.devices.length = bucket.count;
      bucket.devices.sort((a, b) => a.boundTo - b.boundTo);
    }
    return { time, devices: bucket.devices, count: bucket.count };
  }

  /** Hands back a taken bucket's device array for reuse (it must not be used afterwards). */
  recycle(devices: DeviceState[]): void {
    // Keep the capacity: a tick instant on thousands of CPUs refills it at once.
    if (this.#spare.length < 4) this.#spare.push(devices);
  }

  /**
   * Notes that a device struct was freed; true once enough were since the last
   * {@linkcode TimerQueue.sweep} for another to pay: more than four times what that sweep kept, and
   * at least 1024. A sweep reads every entry's struct (at 2048 vCPUs, 2048 live structs scattered
   * in the heap: 0.1-0.9 ms), so stale entries are let grow to a few times the live ones first.
   */
  freedOne(): boolean {
    return ++this.#freed > Math.max(1024, 4 * this.#kept);
  }

  /**
   * Removes the entries whose device `dead(c, d)` says can never fire again from every bucket:
   * the rest keep their order, and each bucket its sort state and its instant (one left empty
   * is taken as before). An entry goes stale, not away, when its device is stopped or
   * re-programmed, and hotplug of a CPU frees its structs and registers new ones: with time not
   * advancing, the next tick's bucket kept every freed struct's stale entry (one per
   * offline+online, the struct with it).
   *
   * @example
   * ```ts
   * import { TimerQueue } from "./timers.ts";
   * import { vm } from "../../mod.ts";
   * import { createKernel } from "../machine/kernel.ts";
   * import { allDevices } from "./device_table.ts";
   * import assert from "node:assert/strict";
   * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
   * const [a, b] = allDevices(k.s);
   * const q = new TimerQueue();
   * q.arm(5, a);
   * q.arm(5, b);
   * q.sweep((dead, d) => d === dead, a);
   * assert.deepEqual(q.take(), { time: 5, devices: [b], count: 1 });
   * ```
   */
  sweep<C>(dead: (c: C, d: DeviceState) => boolean, c: C): void {
    let kept = 0;
    for (const bucket of this.#buckets.values()) {
      const devices = bucket.devices;
      let n = 0;
      for (let i = 0; i < bucket.count; i++) {
        const d = devices[i];
        if (!dead(c, d)) devices[n++] = d;
      }
      // Past `count` nothing is read: the removed structs are let go.
      devices.length = n;
      bucket.count = n;
      kept += n;
    }
    this.#freed = 0;
    this.#kept = kept;
  }

  /** Forgets everything. */
  clear(): void {
    this.#heap = [];
    this.#buckets.clear();
    this.#spare = [];
    [this.#lastTime, this.#last] = [Number.NaN, null];
    this.#freed = 0;
    this.#kept = 0;
  }
}
