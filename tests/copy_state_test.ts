/**
 * A replay's copy of a state (lib/engine/copy.ts copyState, what `step` and `continue` run a
 * stopped walk again on) shares nothing an operation changes: any history run on the copy leaves
 * the original exactly as it was, and ends where the same history run on a deep copy ends —
 * through hibernation images, module loads that register hotplug states, tracefs, /sys/power,
 * interrupt counts and the console.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type MachineState, vm } from "../mod.ts";
import { copyState } from "../lib/engine/copy.ts";
import { createKernel } from "../lib/machine/kernel.ts";
import { withTrace } from "../lib/engine/log.ts";
import { plainState } from "../lib/time/device_form.ts";
import { parseOperation, runOperation, type Target } from "../lib/ops/operations.ts";

const T = "/sys/kernel/tracing";
const op = fc.oneof(
  fc.integer({ min: 0, max: 2 }).map((cpu) => `offline ${cpu}`),
  fc.integer({ min: 0, max: 2 }).map((cpu) => `online ${cpu}`),
  fc.constantFrom("advance 3ms", "advance 1us", "hibernate", "resume", "race passes"),
  fc.constantFrom("poweroff", "poweron", "modprobe hv_vmbus"),
  fc.constantFrom(
    "echo 150 > /sys/devices/system/cpu/cpu1/hotplug/fail",
    "echo core > /sys/power/pm_test",
    "echo 1000 > /sys/power/image_size",
    `echo function > ${T}/current_tracer`,
    `echo hv_ce_shutdown > ${T}/set_ftrace_filter`,
    `echo 1 > ${T}/events/cpuhp/enable`,
  ),
);

// A deep copy, and a state as plain data to compare: device records in the kernel's form are
// instances of a class (lib/engine/device.ts), which a structured clone does not keep.
const plain = (s: MachineState) => structuredClone(plainState(s));

// Runs `lines` on `t`, each refused one skipped (hung, powered off, not hibernated…).
function run(t: Target, lines: readonly string[]): void {
  for (const line of lines) {
    try {
      runOperation(t, parseOperation(line, { cpus: t.k.s.config.cpus }));
    } catch {
      // Refused in the state the machine is in.
    }
  }
}

Deno.test("a replay's copy shares nothing a history changes, and runs as a deep copy does", () => {
  const config = fc.record({
    hyperv: fc.constantFrom("2019", "qemu"),
    kernel: fc.constantFrom("5.4", "5.10", "6.1", "6.12"),
    modules: fc.constantFrom("udev" as const, "manual" as const),
  });
  let changed = 0;
  fc.assert(
    fc.property(
      config,
      fc.array(op, { maxLength: 8 }),
      fc.array(op, { maxLength: 8 }),
      (c, before, after) => {
        const t: Target = { k: createKernel(vm({ ...c, cpus: 3 }).build().snapshot()) };
        run(t, before);
        const s = withTrace(t.k);
        const frozen = plain(s);
        const onCopy: Target = { k: createKernel(copyState(s)) };
        const onDeep: Target = { k: createKernel(plain(s)) };
        run(onCopy, after);
        run(onDeep, after);
        assert.deepEqual(plain(s), frozen);
        assert.deepEqual(plain(withTrace(onCopy.k)), plain(withTrace(onDeep.k)));
        if (JSON.stringify(plain(withTrace(onCopy.k))) !== JSON.stringify(frozen)) changed++;
      },
    ),
    { numRuns: 120, seed: 15 },
  );
  // The histories did change the copies (else the test proves nothing).
  assert.ok(changed > 60, `${changed}`);
});
