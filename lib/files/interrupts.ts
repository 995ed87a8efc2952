/**
 * `/proc/interrupts` on x86 (kernel/irq/proc.c `show_interrupts`, arch/x86/kernel/irq.c
 * `arch_show_interrupts`), the rows timekeeping touches: IRQ 0 (`timer`, the HPET or PIT through
 * the IO-APIC), `LOC` (LAPIC timer), `CAL` (function-call IPIs, not modelled: always 0), `HYP`
 * (Hyper-V callback vector, on any Hyper-V guest), `HVS` (the Direct Mode stimer vector, when the
 * host offers Direct Mode). Columns are the online CPUs. Other rows of the real file are outside
 * the model and left out. Layout: facts.md §2.1 (5.10 proc.c:460-536, 6.1:460-537, 6.12:451-518).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { configFacts } from "../kernels/configs.ts";
import { deviceAt } from "../engine/device_table.ts";

// `prec` is 3 while nr_irqs < 1000 (the guests have nr_irqs 456: `NR_IRQS: 524544, nr_irqs: 456`).
const PREC = 3;

/**
 * The IRQ 0 chip name: `IR-IO-APIC` when Hyper-V's interrupt remapping is on (hyperv-iommu.c, built
 * with `CONFIG_IRQ_REMAP`).
 */
function ioapicChip(k: Kernel): string {
  const c = k.s.config;
  const built = configFacts(c.kconfig, c.kernel)?.irqRemap ?? true;
  const remap = built && c.hyperv !== "none" && !k.line.hypervIrqRemapNeedsX2apic;
  return remap ? "IR-IO-APIC" : "IO-APIC";
}

/**
 * Renders the file.
 */
export function procInterrupts(k: Kernel): string {
  const s = k.s;
  const online = s.cpus.filter((c) => c.online).map((c) => c.id);
  const irqs = s.log.irqs ?? {};
  const counts = (row: string) =>
    online.map((cpu) => `${String(irqs[row]?.[cpu] ?? 0).padStart(10)} `).join("");
  const out = [" ".repeat(PREC + 8) + online.map((cpu) => `CPU${String(cpu).padEnd(8)}`).join("")];
  const hyperv = s.config.hyperv !== "none";
  // setup_default_timer_irq() requests IRQ 0 once the HPET or the PIT is the global clockevent.
  // Both are global structs, each at its own device number (lib/engine/device_table.ts).
  if (deviceAt(s, "hpet", 0) !== undefined || deviceAt(s, "pit", 0) !== undefined) {
    out.push(
      `${"0".padStart(PREC)}: ${counts("0")} ${ioapicChip(k).padStart(8)} ${"2".padStart(PREC)}-${
        "edge".padEnd(8)
      }  timer`,
    );
  }
  const arch = (label: string, text: string) =>
    out.push(`${label.padStart(PREC)}: ${counts(label)}  ${text}`);
  arch("LOC", "Local timer interrupts");
  arch("CAL", "Function call interrupts");
  if (hyperv) arch("HYP", "Hypervisor callback interrupts");
  if (hyperv && s.config.features.stimerDirectMode) arch("HVS", "Hyper-V stimer0 interrupts");
  return out.join("\n") + "\n";
}
