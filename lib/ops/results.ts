/**
 * What operations return: plain data with `ok` and a one-line `message` (a kernel refusal is a
 * result, never thrown), and the guard that refuses to run an operation on a hung or powered-off
 * machine (that one throws: it is not the kernel's answer, the machine cannot be asked).
 *
 * @module
 */

import type { Kernel, Step } from "../engine/kernel.ts";
import type { Hang } from "../engine/state.ts";
import { ERRNO, type ErrnoName, errnoName } from "../util/errno.ts";
import { type RefusalId, REFUSALS } from "../util/refusals.ts";
import { HangError, type KernelError, PoweredOffError } from "../util/errors.ts";
import { formatTime } from "../util/duration.ts";
import type { BindingChange, Outcome } from "../hotplug/device.ts";
import { type HotplugReason, hotplugReason, raceOf, type WriteReason } from "../hotplug/reasons.ts";
import type { PowerOutcome } from "../hotplug/power.ts";
import type { WriteOutcome } from "../hotplug/sysfs.ts";
import { stateName } from "../machine/info.ts";

/** The result of `online()` / `offline()`: plain data, never thrown for a kernel refusal. */
export interface HotplugResult {
  /** True when the kernel returned 0 and nothing hung. */
  readonly ok: boolean;
  /** "online" or "offline". */
  readonly operation: "online" | "offline";
  /** The CPU. */
  readonly cpu: number;
  /** Hotplug state before. */
  readonly from: number;
  /** Hotplug state after. */
  readonly to: number;
  /** Name of the state after. */
  readonly toName: string;
  /** Errno name on refusal, else null. */
  readonly errno: ErrnoName | null;
  /** The kernel's return value (0 or -errno). */
  readonly ret: number;
  /** One line: what happened and, on failure, why. */
  readonly message: string;
  /** The hang, when the operation hung. */
  readonly hang: Hang | null;
  /** The CPU's tick-device changes during the operation, with the hotplug state of each. */
  readonly changes: readonly BindingChange[];
  /** Why it did not succeed (what stopped it, where, in words), or null when it did. */
  readonly reason: HotplugReason | null;
}

/** The result of `hibernate()` / `resume()`. */
export interface PowerResult {
  /** True when the operation completed. */
  readonly ok: boolean;
  /** Errno name on failure, else null. */
  readonly errno: ErrnoName | null;
  /** CPUs taken down by `freeze_secondary_cpus()`. */
  readonly frozen: readonly number[];
  /** The hang, when it hung. */
  readonly hang: Hang | null;
  /** One line. */
  readonly message: string;
  /** Why it failed or hung, in the kernel's terms, or null when it completed. */
  readonly why: string | null;
  /** For a hang that depends on a race the model tracks: which side, how to take the other. */
  readonly race: string | null;
}

/** What `write()` returns. */
export interface WriteResult {
  /** True when the write succeeded. */
  readonly ok: boolean;
  /** Errno name on refusal, else null. */
  readonly errno: ErrnoName | null;
  /** The kernel's return value (0 or -errno). */
  readonly ret: number;
  /** What a shell would print on failure (`write error: …`), or "". */
  readonly message: string;
  /** The hang, when the write hung the machine. */
  readonly hang: Hang | null;
  /** Hotplug callbacks the write ran (0 for a write that runs no hotplug walk). */
  readonly calls: number;
  /** Why it failed, in the kernel's terms (lib/util/refusals.ts), or null when it succeeded. */
  readonly why: string | null;
  /** The kernel source of the check that refused it (file:line and release), or null. */
  readonly source: string | null;
  /** For a hang that depends on a race the model tracks: which side, how to take the other. */
  readonly race: string | null;
}

/** What `modprobe` did. */
export interface ModprobeResult {
  /** True when the module is loaded (or built in) and its init succeeded. */
  readonly ok: boolean;
  /** `init_module()`'s errno on failure, else null. */
  readonly errno: ErrnoName | null;
  /** The loading task died in a kernel oops (a shell prints `Killed`; exit status 137). */
  readonly killed: boolean;
  /** One line. */
  readonly message: string;
  /** Why the init refused, in the kernel's terms (lib/util/refusals.ts), or null. */
  readonly why: string | null;
}

/** What `swapon` did. */
export interface SwaponResult {
  /** True when the device is now a swap device. */
  readonly ok: boolean;
  /** `swapon(2)`'s errno on failure, else null. */
  readonly errno: ErrnoName | null;
  /** One line (busybox's words on failure: `swapon: DEVICE: …`). */
  readonly message: string;
  /** Why the kernel refused, in its terms (lib/util/refusals.ts), or null. */
  readonly why: string | null;
}

/** What `advance` did. */
export interface AdvanceResult {
  /** Always true: time always advances. */
  readonly ok: true;
  /** Simulation time before, ns. */
  readonly from: number;
  /** Simulation time after, ns. */
  readonly to: number;
  /** Device interrupts handled. */
  readonly interrupts: number;
  /** One line. */
  readonly message: string;
}

/**
 * An advance's result from where it started, where it ended and the interrupts handled (one
 * advance, or several slices of one taken together).
 *
 * @example
 * ```ts
 * import { advanceResult } from "./results.ts";
 * import assert from "node:assert/strict";
 * assert.equal(advanceResult(0, 4_000_000, 4).message, "advanced 4 ms, 4 device interrupts");
 * ```
 */
export function advanceResult(from: number, to: number, interrupts: number): AdvanceResult {
  return {
    ok: true,
    from,
    to,
    interrupts,
    message: `advanced ${formatTime(to - from)}, ${interrupts} device interrupts`,
  };
}

/** What `race` did: the side the `kthread_park()` race now takes. */
export interface RaceResult {
  /** Always true. */
  readonly ok: true;
  /** The side. */
  readonly side: "sleeps" | "passes";
  /** One line. */
  readonly message: string;
}

/** What `reset` did. */
export interface ResetResult {
  /** Always true. */
  readonly ok: true;
  /** One line. */
  readonly message: string;
}

/** What `kexec` did: the new kernel booted, or (ok false) it crashed and why. */
export interface KexecResult {
  /** The new kernel booted and runs. */
  readonly ok: boolean;
  /** CPUs whose VP assist page the old kernel left enabled (`hv_cpu_die()` never ran). */
  readonly vpAssistLeft: readonly number[];
  /** One line. */
  readonly message: string;
}

/** What `kdump` did: the capture kernel booted, or (ok false) it hangs and why. */
export interface KdumpResult {
  /** The capture kernel booted and runs. */
  readonly ok: boolean;
  /** One line. */
  readonly message: string;
}

/**
 * Whether the machine runs (not hung, powered on): when {@linkcode notRunning} is null. Asked
 * first by callers that would otherwise build the words of a refusal on every operation.
 *
 * @example
 * ```ts
 * import { isRunning } from "./results.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * assert.equal(isRunning(k), true);
 * k.s.power = "hibernated";
 * assert.equal(isRunning(k), false);
 * ```
 */
export function isRunning(k: Kernel): boolean {
  return !k.s.hang && k.s.power === "on";
}

/**
 * Why the machine cannot `what` now: a {@linkcode HangError} while hung, a
 * {@linkcode PoweredOffError} while hibernated, or null when it can.
 */
export function notRunning(k: Kernel, what: string): KernelError | null {
  if (isRunning(k)) return null;
  const s = k.s;
  if (s.hang) {
    return new HangError(
      `Cannot ${what}: the machine is hung since t=${formatTime(s.hang.time)} (CPU${s.hang.cpu} ` +
        `stuck in ${s.hang.callback} at state ${s.hang.state} ${s.hang.stateName}); reset reboots it`,
      { cpu: s.hang.cpu, state: s.hang.state, errno: null },
    );
  }
  if (s.power === "hibernated") {
    return new PoweredOffError(
      `Cannot ${what}: the VM is hibernated (powered off); resume or reset first`,
    );
  }
  // Neither running nor hung nor hibernated: powered off.
  return new PoweredOffError(`Cannot ${what}: the VM is powered off; poweron or reset first`);
}

/** The result of an online or offline of `cpu` that ended in `out`. */
export function hotplugResult(
  k: Kernel,
  operation: "online" | "offline",
  cpu: number,
  out: Outcome,
): HotplugResult {
  const errno = errnoName(out.ret);
  const reason = hotplugReason(k, cpu, operation === "offline", out);
  const toName = stateName(k, out.to);
  let message: string;
  if (out.hang) {
    message =
      `CPU${cpu} ${operation}: HANG at state ${out.hang.state} (${out.hang.stateName}): ${out.hang.reason}`;
  } else if (errno) {
    message = `CPU${cpu} ${operation} failed: ${out.ret} ${errno} (${ERRNO[errno].text}): ` +
      reason!.text;
  } else message = `CPU${cpu}${okWords(k, operation, out.from, out.to)}`;
  return {
    ok: !errno && !out.hang,
    operation,
    cpu,
    from: out.from,
    to: out.to,
    toName,
    errno,
    ret: out.ret,
    message,
    hang: out.hang,
    changes: out.changes,
    reason,
  };
}

// The words of a success after its CPU (` offline: ok (207 online -> 0 offline)`), by step table
// (never changed, only replaced) and kind, from and to state: made once, the message of every
// success is then two strings joined, not a dozen (half an offline+online cycle's garbage was
// its messages' pieces).
const OK_WORDS = new WeakMap<readonly Step[], Map<number, string>>();

function okWords(k: Kernel, operation: "online" | "offline", from: number, to: number): string {
  let words = OK_WORDS.get(k.steps);
  if (!words) OK_WORDS.set(k.steps, words = new Map());
  const key = (from * k.steps.length + to) * 2 + (operation === "online" ? 1 : 0);
  let w = words.get(key);
  if (w === undefined) {
    w = ` ${operation}: ok (${from} ${stateName(k, from)} -> ${to} ${stateName(k, to)})`;
    words.set(key, w);
  }
  return w;
}

/** The result of a hibernation or resume (`what`) that ended in `out`. */
export function powerResult(out: PowerOutcome, what: string): PowerResult {
  const errno = errnoName(out.ret);
  const hang = out.hung?.hang ?? null;
  const message = hang
    ? `${what}: HANG while taking CPU${hang.cpu} down at state ${hang.state} (${hang.stateName}): ${hang.reason}`
    : errno
    ? `${what} failed: ${out.ret} ${errno} (${ERRNO[errno].text})${out.why ? `: ${out.why}` : ""}`
    : out.test
    ? `${what}: ok, stopped by pm_test=${out.test} (no image: still running; non-boot CPUs ${
      out.frozen.length ? out.frozen.join(",") : "none"
    } went down and came back)`
    : `${what}: ok (non-boot CPUs ${out.frozen.length ? out.frozen.join(",") : "none"})`;
  const why = hang ? hang.reason : errno ? out.why ?? null : null;
  const race = hang ? raceOf(hang.callback) : null;
  return { ok: !hang && !errno, errno, frozen: out.frozen, hang, message, why, race };
}

/** The result of a sysfs write that ended in `out`. */
export function writeResult(out: WriteOutcome, reason: WriteReason | null = null): WriteResult {
  const errno = errnoName(out.ret);
  const hang = out.outcome?.hang ?? null;
  return {
    ok: !errno && !hang,
    errno,
    ret: out.ret,
    message: errno ? `write error: ${ERRNO[errno].text}` : hang ? `hung: ${hang.reason}` : "",
    hang,
    calls: out.outcome?.calls ?? 0,
    why: reason?.text ?? null,
    source: reason?.source ?? null,
    race: reason?.race ?? null,
  };
}

/** The result of a module load, with modprobe's words. */
export function modprobeResult(
  k: Kernel,
  module: string,
  out: {
    ret: number;
    errno: ErrnoName | null;
    killed: boolean;
    already: boolean;
    refusal?: RefusalId;
  },
): ModprobeResult {
  if (out.killed) {
    return {
      ok: false,
      errno: null,
      killed: true,
      message: `Killed: ${module}'s init oopsed (see dmesg); the task died holding its locks`,
      why: null,
    };
  }
  if (out.ret !== 0) {
    return {
      ok: false,
      errno: out.errno,
      killed: false,
      message: `modprobe: ERROR: could not insert '${module}': ${
        out.errno ? ERRNO[out.errno].text : `error ${out.ret}`
      }`,
      why: out.refusal ? REFUSALS[out.refusal].why : null,
    };
  }
  const builtIn = out.already && !(k.s.modules ?? []).includes(module);
  return {
    ok: true,
    errno: null,
    killed: false,
    message: builtIn
      ? `${module} is built into this kernel (nothing to load)`
      : out.already
      ? `${module} is already loaded`
      : `loaded ${module}`,
    why: null,
  };
}

/** The result of `swapon DEVICE` that returned `ret`. */
export function swaponResult(device: string, ret: number): SwaponResult {
  const errno = errnoName(ret);
  return {
    ok: !errno,
    errno,
    message: errno ? `swapon: ${device}: ${ERRNO[errno].text}` : `swapon ${device}: ok`,
    // swapon(2)'s two refusals (lib/hotplug/swapdev.ts).
    why: errno === "ENOENT"
      ? REFUSALS["swapon-no-device"].why
      : errno === "EBUSY"
      ? REFUSALS["swapon-busy"].why
      : null,
  };
}
