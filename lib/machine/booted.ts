/**
 * Boots kept by configuration: the state each configuration booted lately boots to, kernels made
 * on copies of it for every boot after the first, and one kernel on it to read (exploration's
 * roots are copies of its state, lib/explore/workspace.ts).
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

type Tables = Pick<Kernel, "steps" | "stepIndex">;

// One configuration's boot: its state (history and all), its step table, and once asked for, a
// kernel on it that nobody changes.
interface Kept {
  readonly s: MachineState;
  readonly tables: Tables;
  kernel?: Kernel;
}

// boot() is pure (no clock, no randomness): every boot of one configuration ends in the same
// state, and a kernel made on a copy of it (createKernel, as a snapshot is restored, and as
// lib/ops/kexec_operation.ts boots a kexec'd kernel) is that boot's, history and all: copyState()
// copies the log, and withTrace() puts the boot's trace events, held in its kernel's ring, into
// the state. The step table is the boot's own (a table is never changed, only replaced). Keyed by
// the configuration's JSON (snapshot_check.ts compares two so); the last few used are kept: a
// sweep explores each configuration once, a user the same one again and again. At 4 vCPUs a boot
// was 5-8 % of a 0.1 s search, and 80 % of each counterexample's replay (issue 15).
const KEPT = new Map<string, Kept>();
const BOOTS_KEPT = 4;

// The kept boot of `config`, made now (`fresh`: the kernel that booted) when there was none.
function keptBoot(config: MachineConfig): { kept: Kept; fresh: Kernel | null } {
  const key = JSON.stringify(config);
  let kept = KEPT.get(key);
  let fresh: Kernel | null = null;
  if (kept) KEPT.delete(key);
  else {
    // The boot's own copy of the configuration: the state holds its config, and every kernel made
    // from the kept boot reads that one, so a caller's object (a search's result's `config`)
    // changed later must not be it.
    fresh = boot(structuredClone(config));
    kept = {
      s: copyState(withTrace(fresh)),
      tables: { steps: fresh.steps, stepIndex: fresh.stepIndex },
    };
    if (KEPT.size >= BOOTS_KEPT) KEPT.delete(KEPT.keys().next().value!);
  }
  KEPT.set(key, kept);
  return { kept, fresh };
}

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
  const { kept, fresh } = keptBoot(config);
  return fresh ?? createKernel(copyState(kept.s), true, kept.tables);
}

/**
 * A kernel of `config` as boot() leaves it, shared by every caller until the configuration's boot
 * is let go: read it, never change it (copy its state to run on it).
 *
 * @example
 * ```ts
 * import { keptKernel } from "./booted.ts";
 * import { kernelOn } from "./kernel.ts";
 * import { cloneState } from "../explore/clone.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const config = vm({ cpus: 2 }).build().config;
 * const base = keptKernel(config);
 * assert.equal(keptKernel(config), base);
 * const k = kernelOn(base, cloneState(base.s));
 * k.s.cpus[1].online = false;
 * assert.equal(base.s.cpus[1].online, true);
 * ```
 */
export function keptKernel(config: MachineConfig): Kernel {
  const { kept, fresh } = keptBoot(config);
  return kept.kernel ??= fresh ?? createKernel(copyState(kept.s), true, kept.tables);
}
