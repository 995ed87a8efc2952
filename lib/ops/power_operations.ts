/**
 * The power rows of the operation table (lib/ops/operations.ts): hibernate, resume, swapon,
 * poweroff and poweron.
 *
 * @module
 */

import { show } from "../util/check.ts";
import { hibernate, kernelPowerOff, type PowerOutcome } from "../hotplug/power.ts";
import { resume } from "../hotplug/restore.ts";
import { swapon } from "../hotplug/swapdev.ts";
import { boot } from "../machine/boot.ts";
import { shellWord } from "./lexer.ts";
import { isRunning, notRunning, powerResult, swaponResult } from "./results.ts";
import type { Operation, OperationSpec } from "./operation.ts";

type Of<K extends Operation["kind"]> = Extract<Operation, { kind: K }>;

const never = () => false;

/** `hibernate`: `echo disk > /sys/power/state`. */
export const HIBERNATE: OperationSpec<Of<"hibernate">, PowerOutcome> = {
  kind: "hibernate",
  summary: "echo disk > /sys/power/state: freeze CPUs, write the image, power off",
  cost: "takes every non-boot CPU down, up again to write the image, and down again",
  grammar: {},
  inScenario: true,
  byShell: true,
  parse: () => ({ kind: "hibernate" }),
  format: () => "hibernate",
  check: () => {},
  blocked: (k) => isRunning(k) ? null : () => notRunning(k, "hibernate")!,
  apply: (t) => hibernate(t.k),
  refused: never,
  result: (_k, _op, out) => powerResult(out, "hibernate"),
};

/** `resume`: the image of a hibernated VM runs again. */
export const RESUME: OperationSpec<Of<"resume">, PowerOutcome> = {
  kind: "resume",
  summary: "resume a hibernated VM from its image",
  cost: "brings back up every CPU the image took down",
  grammar: {},
  inScenario: true,
  parse: () => ({ kind: "resume" }),
  format: () => "resume",
  check: () => {},
  blocked: (k) =>
    k.s.power === "hibernated"
      ? null
      : () =>
        new RangeError(`Cannot resume: the VM is ${k.s.hang ? "hung" : "running"}, not hibernated`),
  apply: (t) => resume(t.k, t.k.s.now),
  refused: never,
  result: (_k, _op, out) => powerResult(out, "resume"),
};

/** `swapon DEVICE`. */
export const SWAPON: OperationSpec<Of<"swapon">, number> = {
  kind: "swapon",
  summary: "enable swap on a block device (swapon /dev/vda: the virtio disk, made by mkswap)",
  grammar: { positionals: [{ name: "DEVICE" }] },
  inScenario: true,
  byShell: true,
  parse: (p) => ({ kind: "swapon", device: p.positionals[0] }),
  format: (op) => `swapon ${shellWord(op.device)}`,
  check(_k, op) {
    if (typeof op.device !== "string" || !op.device.startsWith("/")) {
      throw new RangeError(
        `Invalid device ${show(op.device)}: expected a path such as /dev/vda`,
      );
    }
  },
  // sys_swapon() takes no hotplug lock: only a powered-off VM cannot run it.
  blocked: (k) => k.s.power === "on" ? null : () => notRunning(k, "swapon")!,
  apply: (t, op) => swapon(t.k, op.device),
  refused: (ret) => ret !== 0,
  result: (_k, op, ret) => swaponResult(op.device, ret),
};

/** `poweroff`. */
export const POWEROFF: OperationSpec<Of<"poweroff">> = {
  kind: "poweroff",
  summary: "power the VM off (poweroff -f: kernel_power_off)",
  grammar: {},
  inScenario: false,
  parse: () => ({ kind: "poweroff" }),
  format: () => "poweroff",
  check: () => {},
  // migrate_to_reboot_cpu() takes the hotplug lock a stuck hotplug operation holds.
  blocked: (k) => isRunning(k) ? null : () => notRunning(k, "poweroff")!,
  apply: (t) => kernelPowerOff(t.k),
  refused: never,
  result: () => ({ ok: true, message: "powered off" }),
};

/**
 * What makes a configuration the same VM as its hibernation image's: `poweron` may boot another
 * configuration only where these agree.
 *
 * @example
 * ```ts
 * import { SAME_VM } from "./power_operations.ts";
 * import assert from "node:assert/strict";
 * assert.ok(SAME_VM.includes("cpus"));
 * ```
 */
export const SAME_VM = ["hyperv", "arch", "kernel", "kconfig", "cpus", "memoryMiB"] as const;

/** `poweron`: a powered-off VM boots again (its disk keeps a hibernation image). */
export const POWERON: OperationSpec<Of<"poweron">> = {
  kind: "poweron",
  summary: "power a hibernated VM on: the kernel boots afresh; its disk still holds the image",
  cost: "boots every vCPU again",
  grammar: {},
  inScenario: false,
  parse: () => ({ kind: "poweron" }),
  format: () => "poweron",
  check(k, op) {
    const c = op.config;
    if (c === undefined) return;
    const image = k.s.image?.config ?? k.s.config;
    const differ = SAME_VM.filter((f) => c[f] !== image[f]);
    if (differ.length) {
      throw new RangeError(
        `Cannot power on with another VM: ${
          differ.map((f) =>
            `${f} ${JSON.stringify(c[f])} (the image's: ${JSON.stringify(image[f])})`
          )
            .join(", ")
        }; only the rest of the configuration (the command line…) may differ`,
      );
    }
  },
  blocked: (k) =>
    k.s.power !== "on" ? null : () =>
      new RangeError(
        `Cannot power on: the VM is ${k.s.hang ? "hung" : "running"} (reset reboots it)`,
      ),
  apply(t, op) {
    const image = t.k.s.image;
    t.k = boot(op.config ?? t.k.s.config);
    t.k.s.image = image;
  },
  refused: never,
  result: (k) => ({
    ok: true,
    message: `powered on: booted afresh${k.s.image ? "; the disk holds the image" : ""}`,
  }),
};
