/**
 * A stable fingerprint of the machine state: a 64-bit hash (two 32-bit FNV-1a lanes) of the
 * canonical JSON (sorted keys) of everything but the history (kernel log, trace, problems).
 *
 * @module
 */

import type { MachineState } from "./state.ts";
import { listOrder } from "./clockevents/list.ts";

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value as Record<string, unknown>).sort();
  return `{${
    keys.map((key) =>
      `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`
    )
      .join(",")
  }}`;
}

/** Hex fingerprint of `s` without its history; equal states give equal fingerprints. */
export function fingerprintOf(s: MachineState): string {
  const { log: _log, problems: _problems, image, ceList: _list, ceSeq: _seq, ...rest } = s;
  const text = canonical({
    ...rest,
    // The list's order is state; its insertion counters are history.
    ceList: listOrder(s),
    image: image === null ? null : fingerprintOf({ ...image, image: null, log: s.log }),
  });
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
