/**
 * The `kdump` row of the operation table (lib/ops/operations.ts): the kernel crashes with a
 * capture kernel loaded (`kexec -p`, `crashkernel=` reserved), and `crash_kexec()` boots it
 * after `machine_crash_shutdown()`. The capture kernel is the same kernel and configuration (as
 * kdump-tools and kexec-tools load it by default); the crashing kernel's lines (the oops or the
 * sysrq panic) are not modelled, and the capture kernel's log starts over. `hv_cpu_die()` does
 * not run on this path (`hv_machine_shutdown()` is `machine_shutdown`, not `crash_shutdown`), but
 * the capture kernel lives in the `crashkernel=` reservation, which the old VP assist pages are
 * not in, so b9af6418279c's crash does not follow. Where the line registers CPU0's Direct Mode
 * stimer before the LAPIC is enabled, the capture kernel hangs (fff7b5e6ee63,
 * lib/platform/hyperv/kdump.ts).
 *
 * @module
 */

import { captureKernelHang } from "../platform/hyperv/kdump.ts";
import { bootNextKernel } from "./kexec_operation.ts";
import { isRunning, type KdumpResult, notRunning } from "./results.ts";
import type { Operation, OperationSpec } from "./operation.ts";

/**
 * `kdump`: a crash, then the capture kernel's boot.
 *
 * @example
 * ```ts
 * import { KDUMP } from "./kdump_operation.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(KDUMP.format({ kind: "kdump" }), "kdump");
 * const m = vm({ kernel: "5.10", cpus: 2 }).build();
 * assert.equal(m.run("kdump").message, "crash_kexec(): the capture kernel, Linux 5.10.262, booted");
 * ```
 */
export const KDUMP: OperationSpec<Extract<Operation, { kind: "kdump" }>, boolean> = {
  kind: "kdump",
  summary: "the kernel crashes and crash_kexec() boots the capture kernel (kexec -p, crashkernel=)",
  cost: "boots every vCPU again",
  grammar: {},
  inScenario: true,
  parse: () => ({ kind: "kdump" }),
  format: () => "kdump",
  check: () => {},
  blocked: (k) => isRunning(k) ? null : () => notRunning(k, "kdump")!,
  apply(t) {
    return bootNextKernel(t.k, captureKernelHang) === null;
  },
  refused: () => false,
  result: (k, _op, booted): KdumpResult =>
    booted
      ? {
        ok: true,
        message: `crash_kexec(): the capture kernel, Linux ${k.line.version}, booted`,
      }
      : {
        ok: false,
        message: `crash_kexec(): the capture kernel hangs (the machine is hung): ${
          k.s.hang!.reason
        }`,
      },
};
