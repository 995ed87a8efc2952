/**
 * A stable fingerprint of the machine state: a 64-bit hash (two 32-bit FNV-1a lanes) of the
 * canonical JSON (sorted keys) of everything but the history (kernel log, trace, problems), as the
 * field table (fields.ts) says.
 *
 * @module
 */

import type { DeviceState, MachineState } from "./state.ts";
import { DEVICE_FIELDS, fieldsOf, MACHINE_FIELDS } from "./fields.ts";
import { listOrder } from "./list.ts";
import { Device } from "./device.ts";
import { allDevices } from "./device_table.ts";

// Per object shape (its own key order): the keys sorted, each with its `"key":` text.
interface Shape {
  readonly keys: string[];
  readonly labels: string[];
}

// Sorted keys with their `"key":` text; the first label opens the object, the others follow a comma.
function shapeOf(own: readonly string[]): Shape {
  const keys = [...own].sort();
  return { keys, labels: keys.map((k, i) => `${i ? "," : "{"}${JSON.stringify(k)}:`) };
}

// A device record's shape, whichever its form: every field of the table.
const DEVICE_SHAPE = shapeOf(Object.keys(DEVICE_FIELDS));

/**
 * Hashes the canonical JSON of a value as it walks it, without building the text (2048 vCPUs
 * make about 2 MB of it); objects of one shape share one sorted key list.
 */
class CanonicalHash {
  #a = 0x811c9dc5;
  #b = 0x01000193 ^ 0x5bd1e995;
  #shapes = new Map<string, Shape>();
  // Consecutive objects (the CPUs, the devices) mostly share a shape: compare with the last one
  // before building a lookup key.
  #lastOwn: string[] = [];
  #last: Shape | null = null;

  text(t: string): void {
    let a = this.#a;
    let b = this.#b;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    this.#a = a;
    this.#b = b;
  }

  // JSON.stringify's text for a value. A value with no JSON text (undefined) is written as the
  // text form did: "" as an array element (join), "undefined" as an object member (template).
  value(v: unknown, inArray: boolean): void {
    if (typeof v === "number") this.text(Number.isFinite(v) ? String(v) : "null");
    else if (typeof v === "string") this.text(JSON.stringify(v));
    else if (typeof v === "boolean") this.text(v ? "true" : "false");
    else if (v === null) this.text("null");
    else if (typeof v !== "object") this.text(inArray ? "" : "undefined");
    else if (Array.isArray(v)) {
      this.text("[");
      for (let i = 0; i < v.length; i++) {
        if (i) this.text(",");
        this.value(v[i], true);
      }
      this.text("]");
    } else {
      // A device in the kernel's form hashes as its whole record (lib/engine/device.ts).
      const { keys, labels } = v instanceof Device ? DEVICE_SHAPE : this.#shape(v);
      for (let i = 0; i < keys.length; i++) {
        this.text(labels[i]);
        this.value((v as Record<string, unknown>)[keys[i]], false);
      }
      this.text(keys.length ? "}" : "{}");
    }
  }

  #shape(o: object): Shape {
    const own = Object.keys(o);
    const last = this.#lastOwn;
    if (this.#last && own.length === last.length && own.every((k, i) => k === last[i])) {
      return this.#last;
    }
    const id = own.join("\0");
    let shape = this.#shapes.get(id);
    if (!shape) this.#shapes.set(id, shape = shapeOf(own));
    this.#lastOwn = own;
    this.#last = shape;
    return shape;
  }

  digest(): string {
    return (this.#a >>> 0).toString(16).padStart(8, "0") +
      (this.#b >>> 0).toString(16).padStart(8, "0");
  }
}

// The fields a fingerprint leaves out: history, and the list's insertion counter (its order is
// state, and is written instead of the counters).
const LEFT_OUT = new Set(fieldsOf<MachineState>(MACHINE_FIELDS, "history", "sequence"));

/**
 * Hex fingerprint of `s` without its history (lib/engine/fields.ts says which fields those are):
 * equal states give equal fingerprints.
 *
 * @example
 * ```ts
 * import { fingerprintOf } from "./fingerprint.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const a = vm({ cpus: 2 }).build().snapshot();
 * const b = structuredClone(a);
 * b.log.dmesg = [];
 * assert.equal(fingerprintOf(b), fingerprintOf(a));
 * b.cpus[1].ticks++;
 * assert.notEqual(fingerprintOf(b), fingerprintOf(a));
 * ```
 */
export function fingerprintOf(s: MachineState): string {
  const fields: Record<string, unknown> = {};
  for (const f of Object.keys(s) as (keyof MachineState)[]) {
    if (LEFT_OUT.has(f) || f === "table") continue;
    fields[f] = f === "image"
      ? (s.image === null ? null : fingerprintOf({ ...s.image, image: null }))
      : s[f];
  }
  // The devices by id and the list's order, whichever form the state keeps them in
  // (device_table.ts, list.ts).
  const devices: Record<string, DeviceState> = {};
  const all = allDevices(s);
  for (let i = 0; i < all.length; i++) devices[all[i].id] = all[i];
  fields.devices = devices;
  fields.ceList = listOrder(s);
  const hash = new CanonicalHash();
  hash.value(fields, false);
  return hash.digest();
}
