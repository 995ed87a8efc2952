/**
 * hvtick: a faithful, deterministic simulator of Linux CPU hotplug and clockevent devices on
 * Hyper-V guests, before and after kernel commit 4df4cb9e99 ("x86/hyperv: Initialize clockevents
 * earlier in CPU onlining", Linux 5.5).
 *
 * @example
 * ```ts
 * import { vm } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().hyperv("2012R2").arch("x86_64").kernel("5.2").cpus(4).hz(250).build();
 * assert.equal(m.boundDevice(2), "Hyper-V clockevent");
 * m.offline(2);
 * assert.ok(m.trace.some((e) => e.cpu === 2 && e.type === "tick_setup_device" && e.device === "lapic"));
 * ```
 *
 * @module
 */

export { vm, VmBuilder, type VmOptions } from "./lib/builder.ts";
export {
  type CpuInfo,
  type DeviceInfo,
  type HotplugResult,
  Machine,
  paths,
  type PowerResult,
  type WriteResult,
} from "./lib/machine.ts";
export { ConfigError, HangError, KernelError, PoweredOffError } from "./lib/errors.ts";
export { parseDuration } from "./lib/duration.ts";
export type { BindingChange } from "./lib/ops.ts";
export type { Hang, MachineState, Problem } from "./lib/state.ts";
export type { TraceEvent } from "./lib/trace.ts";
export type { Features, MachineConfig } from "./lib/config.ts";
export type { ErrnoName } from "./lib/errno.ts";
export { HOSTS, HYPERV_IDS } from "./lib/hyperv/hosts.ts";
export { KERNEL_IDS } from "./lib/kernels/lines.ts";
