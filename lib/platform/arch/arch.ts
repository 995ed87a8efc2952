/**
 * Architecture hooks of CPU bring-up and tear-down (x86: arch/x86/kernel/smpboot.c; arm64:
 * arch/arm64/kernel/smp.c, psci.c; v5.5, reference §1.5, §1.6, §1.9).
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";
import { printk } from "../../engine/log.ts";
import { newDevice } from "../../time/devices.ts";
import { clockeventsRegisterDevice } from "../../time/clockevents.ts";
import { fcallWith } from "../../tracing/ftrace.ts";

/**
 * `__cpu_up()` before the CPU runs: x86 `announce_cpu()` (smpboot.c:900-930) prints the SMP
 * banner whenever CPU 1 comes up up to 6.4 (0c7ffa32dbd6 made it boot-only: 6.12 smpboot.c:820),
 * and the runtime line once the system is running (at boot, `smp_init` prints the compact form).
 */
export function archCpuUp(k: Kernel, cpu: number): void {
  if (k.s.config.arch !== "x86_64" || !k.s.running) return;
  if (cpu === 1 && k.line.bootLog.smpConfig === "x86-every-cpu1") {
    printk(k, "x86: Booting SMP configuration:");
  }
  printk(k, `smpboot: Booting Node 0 Processor ${cpu} APIC 0x${cpu.toString(16)}`);
}

/** Representative MIDR_EL1 printed by arm64 bring-up (Neoverse N1 r3p1) [assumption]. */
export const ARM64_MIDR = 0x413fd0c1;

/**
 * The new CPU after `notify_cpu_starting()`: marked online; on x86 `start_secondary()` then
 * registers the LAPIC timer (`setup_secondary_APIC_clock()`, smpboot.c:211-265); arm64 prints
 * `CPU%u: Booted secondary processor` (smp.c:241-263).
 */
export function archCpuStarted(k: Kernel, cpu: number): void {
  const s = k.s;
  if (s.config.arch === "arm64") {
    printk(
      k,
      `CPU${cpu}: Booted secondary processor 0x${cpu.toString(16).padStart(10, "0")} ` +
        `[0x${ARM64_MIDR.toString(16).padStart(8, "0")}]`,
    );
    s.cpus[cpu].online = true;
    return;
  }
  s.cpus[cpu].online = true;
  // setup_secondary_APIC_clock() → setup_APIC_timer() → clockevents_register_device().
  fcallWith(k, "setup_secondary_APIC_clock", setupSecondaryApicClock, cpu, null);
}

function setupSecondaryApicClock(k: Kernel, cpu: number): void {
  fcallWith(k, "setup_APIC_timer", setupApicTimer, cpu, null);
}

function setupApicTimer(k: Kernel, cpu: number): void {
  clockeventsRegisterDevice(k, newDevice(k.s.config, "lapic", cpu), cpu);
}

/** `__cpu_disable()` on the dying CPU: it leaves `cpu_online_mask`. Returns 0 or -errno. */
export function archCpuDisable(k: Kernel, cpu: number): number {
  k.s.cpus[cpu].online = false;
  return 0;
}

/** `__cpu_die()` on the control CPU, with the arch's messages. */
export function archCpuDie(k: Kernel, cpu: number, _control: number): void {
  if (k.s.config.arch === "x86_64") {
    printk(k, `smpboot: CPU ${cpu} is now offline`);
    return;
  }
  if (k.line.arm64.shutdownNotice) printk(k, `CPU${cpu}: shutdown`);
  printk(
    k,
    k.line.arm64.psciKill === "plain"
      ? `psci: CPU${cpu} killed.`
      : `psci: CPU${cpu} killed (polled 0 ms)`,
  );
}
