/**
 * Running one operation by its row of the operation table (lib/ops/operations.ts): the row's
 * check, the refusals of a stopped walk and of the row's guard, its effect in the shell's task when
 * the shell does it, and its result. `runOperation()` finds the row by kind; `Machine.online()` and
 * `offline()` pass theirs as they are.
 *
 * @module
 */

import type { Operation, OperationResults, OperationSpec, Target } from "./operation.ts";
import { runAsWith } from "../engine/exec.ts";
import { shellContext } from "../hotplug/context.ts";
import { walkStopped } from "../engine/stops.ts";

/**
 * Runs `op` on a machine by its row `spec`: checked, refused with a thrown error when the machine
 * cannot run it now, then applied; the result says what the kernel did. The kernel is read once up
 * to the row's `apply()`, which may replace it (reset); the result is made on the one there is then.
 *
 * @example
 * ```ts
 * import { runSpec } from "./run_row.ts";
 * import { OPERATIONS } from "./operations.ts";
 * import { targetOf } from "../api/machine_control.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const t = targetOf(vm().cpus(2).build());
 * const r = runSpec(t, OPERATIONS.offline, { kind: "offline", cpu: 1 });
 * assert.equal(r.message, "CPU1 offline: ok (207 online -> 0 offline)");
 * assert.throws(() => runSpec(t, OPERATIONS.online, { kind: "online", cpu: 2 }), RangeError);
 * ```
 * @throws {TypeError|RangeError} for an operation the machine cannot take;
 * {@linkcode HangError} / {@linkcode PoweredOffError} when hung or hibernated.
 */
export function runSpec<O extends Operation>(
  t: Target,
  spec: OperationSpec<O>,
  op: O,
): OperationResults[O["kind"]] {
  const k = t.k;
  spec.check(k, op);
  // A stopped walk holds cpu_hotplug_lock (lib/engine/stops.ts); a reboot discards it.
  // (Its line is written only for the refusal.)
  const stopped = op.kind === "reset" || !k.s.walk ? null : walkStopped(k, spec.format(op));
  if (stopped) throw stopped;
  const blocked = spec.blocked(k, op);
  if (blocked) throw blocked();
  // The shell's task runs it (a trace prints it; an oops kills it).
  const raw = spec.byShell
    ? runAsWith(k, shellContext(k, concernedCpu(op)), applySpec, spec, t, op)
    : spec.apply(t, op);
  return spec.result(t.k, op, raw);
}

// `spec.apply(t, op)`, as a function of its own: a closure over them would be built per operation.
function applySpec<O extends Operation>(spec: OperationSpec<O>, t: Target, op: O): unknown {
  return spec.apply(t, op);
}

/**
 * The CPU an operation is about (its CPU, or the CPU in its path), or -1.
 *
 * @example
 * ```ts
 * import { concernedCpu } from "./operations.ts";
 * import assert from "node:assert/strict";
 * assert.equal(concernedCpu({ kind: "offline", cpu: 2 }), 2);
 * const path = "/sys/devices/system/cpu/cpu3/hotplug/target";
 * assert.equal(concernedCpu({ kind: "echo", value: "0\n", path }), 3);
 * assert.equal(concernedCpu({ kind: "advance", ns: 1e6 }), -1);
 * ```
 */
export function concernedCpu(op: Operation): number {
  if ("cpu" in op && typeof op.cpu === "number") return op.cpu;
  const m = "path" in op ? /\/cpu(\d+)\//.exec(op.path) : null;
  return m ? Number(m[1]) : -1;
}
