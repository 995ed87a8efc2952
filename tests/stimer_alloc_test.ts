/**
 * Where the Hyper-V stimer's structs are allocated (the release switch `stimer.alloc`): 5.4's
 * `vmbus_bus_init()` calls `hv_stimer_alloc()` in the task that loads `hv_vmbus`
 * (tests/real/built/k5.4-*-vmbus-trace.log: `insmod-130 … hv_stimer_alloc <-hv_acpi_init`);
 * from 5.5 it runs at boot, and loading the module calls it no more.
 */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";
import { KERNEL_LINES } from "../lib/kernels/lines.ts";

const T = "/sys/kernel/tracing";

/** The function trace of `modprobe hv_vmbus` on a rig-built kernel with `hv_stimer_alloc` filtered. */
function modprobeTrace(kernel: string): string[] {
  // The rig's SSDT gives \_SB an MMIO _CRS (vmbusMmio), so 5.4's hv_vmbus probes.
  const m = vm({
    kernel,
    kconfig: "rig-build",
    hyperv: "qemu",
    cpus: 2,
    modules: "manual",
    vmbus: true,
    vmbusMmio: true,
  }).build();
  m.write(`${T}/set_ftrace_filter`, "hv_stimer_alloc");
  m.write(`${T}/current_tracer`, "function");
  m.write(`${T}/tracing_on`, "1");
  assert.equal(m.run({ kind: "modprobe", module: "hv_vmbus" }).ok, true);
  return m.read(`${T}/trace`).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

Deno.test("5.4: vmbus_bus_init() (inlined into hv_acpi_init) allocates the stimer in the loading process", () => {
  const lines = modprobeTrace("5.4");
  assert.equal(lines.length, 1, lines.join("\n"));
  // The loader is a child of the shell (bash-1000 by default): modprobe-1001, its PID a stand-in.
  assert.match(
    lines[0],
    /^\s+modprobe-1001\s+\[\d{3}\] \.\.\.\. +\d+\.\d{6}: hv_stimer_alloc <-hv_acpi_init$/,
  );
});

Deno.test("5.5 on: hv_stimer_alloc() ran at boot, so loading hv_vmbus does not call it", () => {
  assert.equal(KERNEL_LINES["5.5"].stimer.alloc, "boot");
  assert.equal(KERNEL_LINES["6.6"].stimer.alloc, "boot");
  assert.deepEqual(modprobeTrace("6.6"), []);
});

Deno.test("5.2 allocates the stimer's clockevent structs in hv_synic_alloc(): no hv_stimer_alloc()", () => {
  assert.equal(KERNEL_LINES["5.2"].stimer.alloc, "hv_synic_alloc");
  assert.equal(KERNEL_LINES["5.4"].stimer.alloc, "vmbus_bus_init");
});

Deno.test("the harness compares the loader's entries with its name, PID and CPU masked, not its text", async () => {
  const { traceReadings } = await import("../lib/fidelity/trace.ts");
  const real = ["          insmod-130     [003] ....     8.808544: hv_stimer_alloc <-hv_acpi_init"];
  const same = ["        modprobe-2       [000] ....     0.000000: hv_stimer_alloc <-hv_acpi_init"];
  const other = [
    "        modprobe-2       [000] ....     0.000000: hv_stimer_alloc <-vmbus_bus_init",
  ];
  const a = traceReadings(real, same, 1);
  assert.deepEqual(a.expected.map((r) => [r.key, r.value]), a.got.map((r) => [r.key, r.value]));
  assert.equal(a.expected[0].value, "<loader> [<cpu>] .... hv_stimer_alloc <-hv_acpi_init");
  const b = traceReadings(real, other, 1);
  assert.notEqual(b.expected[0].value, b.got[0].value);
});
