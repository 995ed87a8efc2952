/**
 * The `kexec` row of the operation table (lib/ops/operations.ts): `kexec -e` into the same
 * kernel. `kernel_kexec()` prints `kexec_core: Starting new kernel` and calls `machine_shutdown()`
 * (6.8.1 kernel/kexec_core.c:1269-1270), which on Hyper-V is `hv_machine_shutdown()`
 * (lib/platform/hyperv/kexec.ts); then the new kernel boots with the same configuration. Where
 * `hv_cpu_die()` did not run on every CPU, the new kernel crashes (b9af6418279c).
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import type { Hang, MachineState } from "../engine/state.ts";
import { copyState } from "../engine/copy.ts";
import type { MachineConfig } from "../engine/config.ts";
import { createKernel } from "../machine/kernel.ts";
import { KERN, printk, withTrace } from "../engine/log.ts";
import { boot } from "../machine/boot.ts";
import {
  hvMachineShutdown,
  HYPERV_INIT_STATE,
  VP_ASSIST_CRASH,
  vpAssistCrashReason,
} from "../platform/hyperv/kexec.ts";
import { isRunning, type KexecResult, notRunning } from "./results.ts";
import type { Operation, OperationSpec } from "./operation.ts";

/**
 * `kexec`: `kexec -l` of the running kernel, then `kexec -e`.
 *
 * @example
 * ```ts
 * import { KEXEC } from "./kexec_operation.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(KEXEC.format({ kind: "kexec" }), "kexec");
 * const m = vm({ kernel: "6.6", cpus: 2 }).build();
 * assert.equal(m.run("kexec").message, "kexec_core: Starting new kernel; Linux 6.6.150 booted again");
 * ```
 */
export const KEXEC: OperationSpec<Extract<Operation, { kind: "kexec" }>, readonly number[]> = {
  kind: "kexec",
  summary: "kexec -e into the same kernel: machine_shutdown(), then the new kernel boots",
  cost: "boots every vCPU again",
  grammar: {},
  inScenario: true,
  parse: () => ({ kind: "kexec" }),
  format: () => "kexec",
  check: () => {},
  // kernel_kexec() takes the hotplug lock (migrate_to_reboot_cpu()).
  blocked: (k) => isRunning(k) ? null : () => notRunning(k, "kexec")!,
  apply(t) {
    const old = t.k;
    const level = old.line.kexecStartingLevel === "emerg" ? KERN.EMERG : KERN.NOTICE;
    printk(old, "kexec_core: Starting new kernel", level);
    const left = hvMachineShutdown(old);
    bootNextKernel(old, (fresh) =>
      left.length === 0 ? null : {
        cpu: 0,
        state: fresh.steps.findIndex((s) => s.name === HYPERV_INIT_STATE),
        stateName: HYPERV_INIT_STATE,
        callback: VP_ASSIST_CRASH,
        reason: vpAssistCrashReason(old, left),
        symptom: "",
        time: ktime(fresh),
      });
    return left;
  },
  refused: () => false,
  result: (k, _op, left): KexecResult =>
    left.length === 0
      ? {
        ok: true,
        vpAssistLeft: [],
        message: `kexec_core: Starting new kernel; Linux ${k.line.version} booted again`,
      }
      : {
        ok: false,
        vpAssistLeft: left,
        message: `kexec_core: Starting new kernel; the new kernel crashes (the machine is hung): ${
          k.s.hang!.reason
        }`,
      },
};

// The state a configuration's kernel boots to: boot() is pure (no clock, no randomness), so every
// boot of one configuration ends in the same state, and a kernel made on a copy of it
// (createKernel, as a snapshot is restored) is that boot's. Booting 8 vCPUs again takes about
// 2 ms, the copy 0.2 ms; exploration boots one at every kexec and kdump it learns.
// copyState() (lib/engine/copy.ts) shares the configuration, as a boot does, and copies the running
// kernel's device structs as themselves (a structured clone would drop their driver's constants).
// The boot's trace events are in its kernel's ring, not in its state: withTrace() puts them back,
// so the new kernel's trace buffer holds its boot's events as a boot's own does.
// The booted kernel's step table is taken with it (createKernel's derived tables: a table is
// never changed, only replaced), not built again per kexec (half of a kexec's cost in
// exploration, issue 15).
const BOOTED = new WeakMap<MachineConfig, { s: MachineState; tables: Kernel }>();
function newKernel(config: MachineConfig): Kernel {
  let booted = BOOTED.get(config);
  if (booted === undefined) {
    const s = withTrace(boot(config));
    booted = { s, tables: createKernel(copyState(s)) };
    BOOTED.set(config, booted);
  }
  return createKernel(copyState(booted.s), true, booted.tables);
}

/**
 * Boots the next kernel (the same kernel and configuration) in `old`'s place, as `kexec` and
 * `kdump` do: the kernel context stays the same object (its observers, the caller's target, its
 * history), its state and tables become the new kernel's. The swap device keeps a hibernation
 * image the old kernel booted past (as `poweron`), and the serial console shows the old kernel's
 * output, then the new one's. `hangOf` says whether the new kernel hangs as it boots; its hang,
 * or null, is returned.
 *
 * @example
 * ```ts
 * import { bootNextKernel } from "./kexec_operation.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.6", cpus: 2 }).build().snapshot());
 * assert.equal(bootNextKernel(k, () => null), null);
 * assert.equal(k.s.hang, null);
 * // The trace buffer holds the new kernel's boot, as a boot's own does.
 * assert.ok(k.trace.length > 0);
 * assert.deepEqual(k.trace.events(0), boot(k.s.config).trace.events(0));
 * ```
 */
export function bootNextKernel(old: Kernel, hangOf: (fresh: Kernel) => Hang | null): Hang | null {
  const fresh = newKernel(old.s.config);
  fresh.s.image = old.s.image;
  const before = old.s.log.console ?? [];
  if (before.length > 0) fresh.s.log.console = [...before, ...(fresh.s.log.console ?? [])];
  const hang = hangOf(fresh);
  if (hang) {
    fresh.s.hang = hang;
    fresh.s.problems.push({
      kind: "hang",
      cpu: hang.cpu,
      state: hang.state,
      message: hang.reason,
      time: ktime(fresh),
    });
  }
  Object.assign(old, fresh, { observers: old.observers, history: old.history });
  return hang;
}
