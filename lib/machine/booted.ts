/**
 * Boots kept by configuration: the state each configuration booted lately boots to, and a kernel
 * on a copy of it for every boot after the first.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import type { Kernel } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import { copyState } from "../engine/copy.ts";
import { withTrace } from "../engine/log.ts";
import { boot } from "./boot.ts";
import { createKernel } from "./kernel.ts";

// boot() is pure (no clock, no randomness): every boot of one configuration ends in the same
// state, and a kernel made on a copy of it (createKernel, as a snapshot is restored, and as
// lib/ops/kexec_operation.ts boots a kexec'd kernel) is that boot's, history and all: copyState()
// copies the log, and withTrace() puts the boot's trace events, held in its kernel's ring, into
// the state. The step table is the boot's own (a table is never changed, only replaced). Keyed by
// the configuration's JSON (snapshot_check.ts compares two so); the last few used are kept: a
// sweep replays each configuration's counterexamples, a search its own, one after another (at 4
// vCPUs a boot was 80 % of a replay, issue 15).
const KEPT = new Map<string, { readonly s: MachineState; readonly tables: Tables }>();
const BOOTS_KEPT = 4;

type Tables = Pick<Kernel, "steps" | "stepIndex">;

/**
 * A kernel of `config` as boot() leaves it, every CPU online, made on a copy of a boot of the
 * same configuration when one was kept.
 *
 * @example
 * ```ts
 * import { bootedKernel } from "./booted.ts";
 * import { boot } from "./boot.ts";
 * import { fingerprintOf } from "../engine/fingerprint.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const config = vm({ cpus: 2 }).build().config;
 * const a = bootedKernel(config);
 * a.s.cpus[1].online = false;
 * const b = bootedKernel(config);
 * const fresh = boot(config);
 * assert.equal(fingerprintOf(b.s), fingerprintOf(fresh.s));
 * assert.deepEqual(b.s.log.dmesg, fresh.s.log.dmesg);
 * assert.deepEqual(b.trace.events(0), fresh.trace.events(0));
 * ```
 */
export function bootedKernel(config: MachineConfig): Kernel {
  const key = JSON.stringify(config);
  const kept = KEPT.get(key);
  if (kept) {
    KEPT.delete(key);
    KEPT.set(key, kept);
    return createKernel(copyState(kept.s), true, kept.tables);
  }
  const k = boot(config);
  if (KEPT.size >= BOOTS_KEPT) KEPT.delete(KEPT.keys().next().value!);
  KEPT.set(key, { s: copyState(withTrace(k)), tables: { steps: k.steps, stepIndex: k.stepIndex } });
  return k;
}
