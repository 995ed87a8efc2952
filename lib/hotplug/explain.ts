/**
 * One plain sentence of why a modelled operation failed, for result messages.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { Outcome } from "./device.ts";

/** Why an operation on `cpu` returned `ret`, in words. */
export function explain(k: Kernel, cpu: number, offline: boolean, out: Outcome): string {
  const f = out.failure;
  if (f?.injected) {
    return `fault injected through cpu${cpu}/hotplug/fail at state ${f.state} (${f.callback} returned -EAGAIN instead of running); the operation was rolled back`;
  }
  if (f?.callback === "hv_synic_cleanup" && cpu === 0 && k.line.vmbusConnectCpuBusy) {
    return "hv_synic_cleanup() refused: CPU0 is VMBUS_CONNECT_CPU and VMbus is connected, so it cannot go offline";
  }
  if (f?.callback === "hv_synic_cleanup") {
    return `hv_synic_cleanup() refused: a VMbus channel is bound to CPU${cpu} and VMbus is connected, so the CPU cannot go offline`;
  }
  if (f) {
    return `${f.callback}() at state ${f.state} returned ${f.ret}; the operation was rolled back`;
  }
  if (out.ret === -16 && k.s.hotplugDisabled > 0) {
    return "CPU hotplug is disabled (a suspend or hibernation is in progress)";
  }
  if (out.ret === -16 && offline) return `CPU${cpu} is the last online CPU`;
  if (out.ret === -1) {
    return `CPU${cpu} is not hotpluggable on x86 (it has no online file) unless the kernel is booted with cpu0_hotplug`;
  }
  return "";
}
