/**
 * The names a packed trace ring interns (lib/engine/trace_ring.ts): callback symbols, device and
 * handler names, hang reasons, each kept once and stored in an event as its 16-bit id. A hotplug
 * walk packs two events per callback; the name of a `cpuhp_enter` is found by its state number
 * first (a pointer compare), the map only when that state's callbacks change.
 *
 * @module
 */

/** The id of an absent name (a clockevent event's undefined `previous`), and past the last id. */
export const NONE = 0xffff;

// cpuhp state numbers whose names are remembered (every kernel line's states are below).
const STATES = 512;

/**
 * A ring's name table: ids from 0 in the order names are first seen, at most {@linkcode NONE}.
 *
 * @example
 * ```ts
 * import { NONE, TraceNames } from "./trace_names.ts";
 * import assert from "node:assert/strict";
 * const names = new TraceNames();
 * assert.equal(names.id("hv_stimer_init"), 0);
 * assert.equal(names.idAt(91, "hv_synic_init"), 1);
 * assert.equal(names.idAt(91, "hv_synic_init"), 1);
 * assert.equal(names.idAt(91, "hv_stimer_init"), 0);
 * assert.deepEqual(names.list, ["hv_stimer_init", "hv_synic_init"]);
 * assert.notEqual(names.id("x"), NONE);
 * ```
 */
export class TraceNames {
  /** The names, by id. */
  readonly list: string[] = [];
  #ids = new Map<string, number>();
  #last: string | undefined = undefined;
  #lastId = NONE;
  // The two names last asked for at each state number, and their ids (made when first asked: an
  // exploration's rings pack nothing).
  #atState: (string | undefined)[] | null = null;
  #atStateId: Uint16Array | null = null;

  /** The id of `s`, interned now if new; {@linkcode NONE} when the table is full. */
  id(s: string): number {
    // The name asked for last, by reference (a device's name, asked for event after event): no
    // hash lookup.
    if (s === this.#last) return this.#lastId;
    let id = this.#ids.get(s);
    if (id === undefined) {
      if (this.list.length >= NONE) return NONE;
      id = this.list.length;
      this.list.push(s);
      this.#ids.set(s, id);
    }
    this.#last = s;
    this.#lastId = id;
    return id;
  }

  /** {@linkcode TraceNames.id} of a cpuhp event's callback `fun` at state `idx`. */
  idAt(idx: number, fun: string): number {
    if (idx >>> 0 >= STATES) return this.id(fun);
    const names = this.#atState ??= new Array(2 * STATES).fill(undefined);
    const ids = this.#atStateId ??= new Uint16Array(2 * STATES);
    const i = 2 * idx;
    if (names[i] === fun) return ids[i];
    if (names[i + 1] === fun) return ids[i + 1];
    const id = this.id(fun);
    names[i + 1] = names[i];
    ids[i + 1] = ids[i];
    names[i] = fun;
    ids[i] = id;
    return id;
  }
}
