/**
 * Every CPU's tick device name, kept as the machine runs, so that telling what a run changed does
 * not read all the CPUs twice (the REPL prints it after `step`, `continue` and a stopped operation:
 * two whole scans were a third of a `step` at 2048 vCPUs, issue 15).
 *
 * A CPU's bound device changes only where `tick_setup_device()` and `tick_shutdown()` set
 * `tickDev` (lib/time/tick_setup.ts, tick_offline.ts), and each of them tells the kernel's device
 * observers. The index is told first (before any observer of the caller's) and only marks the CPU; its name is read back from the state when the index is next read, so the index is
 * the state's own answer. A device's name is its driver's for the state's configuration
 * (lib/time/devices.ts `deviceDriver()`), which a state never changes: the CPUs no observer named
 * keep theirs. Whatever replaces the state (a boot, `kexec`, resume's image, a restored snapshot)
 * gives the kernel another state object, or the machine another kernel: the index is then read
 * again whole.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import { boundDevice, boundDevices } from "./info.ts";

type Names = (string | null)[];

/**
 * The bound tick device names of the CPUs of one kernel's state, up to date when read.
 *
 * @example
 * ```ts
 * import { BoundIndex } from "./bound_index.ts";
 * import { boundDevices } from "./info.ts";
 * import { boot } from "./boot.ts";
 * import { runOperation } from "../ops/operations.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const t = { k: boot(vm({ cpus: 4 }).config()) };
 * const index = new BoundIndex();
 * assert.deepEqual(index.names(t.k), boundDevices(t.k));
 * runOperation(t, { kind: "offline", cpu: 2 });
 * assert.equal(index.names(t.k)[2], null);
 * assert.deepEqual(index.names(t.k), boundDevices(t.k));
 * ```
 */
export class BoundIndex {
  // The kernel, state and CPU list the names are of (null: none yet, or given up).
  #k: Kernel | null = null;
  #s: MachineState | null = null;
  #cpus: MachineState["cpus"] | null = null;
  #names: Names = [];
  // CPUs whose device an observer reported changed since the names were last brought up to date.
  #dirty: number[] = [];
  readonly #watched = new WeakSet<Kernel>();
  // The names of states a stopped walk's replays start from (copies of a state whose names were
  // known when the copy was made: lib/api/run_until.ts).
  readonly #ofState = new WeakMap<MachineState, Names>();

  /** Every CPU's tick device name in `k` now (a new array), by CPU: {@linkcode boundDevices}. */
  names(k: Kernel): Names {
    if (!this.#current(k)) this.#take(k, boundDevices(k));
    else {
      const dirty = this.#dirty;
      for (let i = 0; i < dirty.length; i++) this.#names[dirty[i]] = boundDevice(k, dirty[i]);
      dirty.length = 0;
    }
    return this.#names.slice();
  }

  /** The names of `k` now if the index follows `k`, without reading the CPUs; else null. */
  known(k: Kernel): Names | null {
    return this.#current(k) ? this.names(k) : null;
  }

  /**
   * Notes that `copy` is a copy of a state whose names were `names`; a kernel made on a copy of
   * `copy` later ({@linkcode BoundIndex.follow}) starts from them.
   */
  remember(copy: MachineState, names: Names): void {
    this.#ofState.set(copy, names);
  }

  /**
   * Follows `k`, a kernel just made on a copy of `from`, when `from`'s names are known (nothing
   * has run on it yet); otherwise the index is read whole when next asked.
   */
  follow(k: Kernel, from: MachineState): void {
    const names = this.#ofState.get(from);
    if (names !== undefined) this.#take(k, names.slice());
  }

  #current(k: Kernel): boolean {
    return this.#k === k && k.s === this.#s && k.s.cpus === this.#cpus;
  }

  #take(k: Kernel, names: Names): void {
    this.#k = k;
    this.#s = k.s;
    this.#cpus = k.s.cpus;
    this.#names = names;
    this.#dirty.length = 0;
    if (this.#watched.has(k)) return;
    this.#watched.add(k);
    // First in line: told of a change before any observer of the caller's runs.
    k.observers.device.unshift((cpu) => {
      if (this.#k !== k) return;
      // A run nobody reads the index through (the API's own loop) would grow the list without
      // end: past one mark per CPU, reading it again whole is no dearer.
      if (this.#dirty.length < this.#names.length) this.#dirty.push(cpu);
      else this.#k = null;
    });
  }
}
