/**
 * The hardware timer index: which device interrupts are due when. Derived from the devices'
 * `hwExpires` (never saved); entries go stale when a device is re-programmed or stopped, and are
 * skipped when popped.
 *
 * Events at the same instant are batched into one bucket, so a tick that fires on thousands of
 * CPUs at once costs one heap operation.
 *
 * @module
 */

/** Min-heap of distinct expiry times, each with a bucket of device ids. */
export class TimerQueue {
  #heap: number[] = [];
  #buckets = new Map<number, string[]>();

  /** Adds device `id` to the bucket for `time`. */
  arm(time: number, id: string): void {
    const bucket = this.#buckets.get(time);
    if (bucket) {
      bucket.push(id);
      return;
    }
    this.#buckets.set(time, [id]);
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

  /** Removes and returns the earliest bucket. */
  take(): { time: number; ids: string[] } | undefined {
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
    const ids = this.#buckets.get(time)!;
    this.#buckets.delete(time);
    return { time, ids };
  }

  /** Forgets everything. */
  clear(): void {
    this.#heap = [];
    this.#buckets.clear();
  }
}
