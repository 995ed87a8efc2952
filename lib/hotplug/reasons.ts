/**
 * Why a hotplug operation did not succeed, as data: what stopped it, at which state and callback,
 * and one plain sentence. Results carry it, so no caller parses a message.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { Outcome } from "./device.ts";
import type { WriteOutcome } from "./sysfs.ts";
import { resolveCallback } from "./symbols.ts";
import { E } from "../util/errno.ts";
import { REFUSALS } from "../util/refusals.ts";

/** What stopped an operation. */
export type HotplugReasonCode =
  | "injected"
  | "callback"
  | "hotplug-disabled"
  | "last-cpu"
  | "not-hotpluggable"
  | "hang"
  | "other";

/** Why an operation did not succeed. */
export interface HotplugReason {
  /**
   * `injected`: a fault armed through `hotplug/fail`; `callback`: a callback returned an error
   * itself; `hotplug-disabled`: `cpu_hotplug_disabled` (a suspend or hibernation in progress);
   * `last-cpu`: the last online CPU; `not-hotpluggable`: no `online` file; `hang`: the walk
   * waits forever; `other`: none of these.
   */
  readonly code: HotplugReasonCode;
  /** One sentence, in the kernel's terms. */
  readonly text: string;
  /** The hotplug state concerned, or null. */
  readonly state: number | null;
  /** The callback concerned, or null. */
  readonly callback: string | null;
  /**
   * For a hang that depends on a race the model tracks (5.4's `kthread_park()`), which side the
   * model took and how to take the other (the `race` operation); otherwise absent.
   */
  readonly race?: string;
}

/**
 * The race a hang in `callback` depends on, in words, or null: a callback that waits on a timer
 * only when the parked thread is still queued (lib/hotplug/symbols.ts `waitsOnTimer`; the race
 * docs/model.md §Hangs describes).
 */
export function raceOf(callback: string | null): string | null {
  if (callback === null || !resolveCallback(callback).waitsOnTimer) return null;
  return "this hang depends on the kthread_park() race: hvtick took the side where " +
    "wait_task_inactive() finds the parked thread still queued and sleeps (race sleeps); " +
    "to take the other, where the thread has already left the CPU, reset, then 'race passes' " +
    "and repeat the operation";
}

/**
 * Why the operation on `cpu` (an offline when `offline`) that ended in `out` did not succeed,
 * or null when it did.
 */
export function hotplugReason(
  k: Kernel,
  cpu: number,
  offline: boolean,
  out: Outcome,
): HotplugReason | null {
  // A success, decided before the helper below is made.
  if (out.ret === 0 && !out.hang) return null;
  const reason = (code: HotplugReasonCode, text: string, state = null as number | null) => ({
    code,
    text,
    state,
    callback: null as string | null,
  });
  if (out.hang) {
    const h = out.hang;
    const race = raceOf(h.callback);
    return {
      code: "hang",
      text: h.reason,
      state: h.state,
      callback: h.callback,
      ...(race ? { race } : {}),
    };
  }
  const f = out.failure;
  if (f?.injected) {
    return {
      ...reason(
        "injected",
        `fault injected through cpu${cpu}/hotplug/fail at state ${f.state} (${f.callback} returned -EAGAIN instead of running); the operation was rolled back`,
        f.state,
      ),
      callback: f.callback,
    };
  }
  if (f) {
    const own = resolveCallback(f.callback).explain?.(k, cpu, f.ret);
    return {
      ...reason(
        "callback",
        own ??
          `${f.callback}() at state ${f.state} returned ${f.ret}; the operation was rolled back`,
        f.state,
      ),
      callback: f.callback,
    };
  }
  // The refusals before any callback runs (lib/util/refusals.ts has their sources).
  if (out.ret === -E.EBUSY && k.s.hotplugDisabled > 0) {
    return reason("hotplug-disabled", REFUSALS["hotplug-disabled"].why);
  }
  if (out.ret === -E.EBUSY && offline) {
    return reason("last-cpu", `CPU${cpu}: ${REFUSALS["last-cpu"].why}`);
  }
  if (out.ret === -E.EPERM) {
    return reason("not-hotpluggable", `CPU${cpu}: ${REFUSALS["not-hotpluggable"].why}`);
  }
  return reason("other", `the hotplug walk of CPU${cpu} returned ${out.ret}`);
}

/** Why a write was refused or hung: the kernel's reason and, where it is one check, its source. */
export interface WriteReason {
  /** One sentence, in the kernel's terms. */
  readonly text: string;
  /** The kernel source of the check (file:line and release), or null for a callback's own. */
  readonly source: string | null;
  /** For a hang that depends on a race the model tracks: which side, and how to take the other. */
  readonly race?: string;
}

/**
 * Why the write that ended in `out` did not succeed, or null when it did: the refusal's entry in
 * {@linkcode REFUSALS}, else the hotplug walk's reason (of `cpu`, taken down when `offline`), else
 * the reason the kernel path gave (a hibernation's).
 */
export function writeReason(
  k: Kernel,
  cpu: number,
  offline: boolean,
  out: WriteOutcome,
): WriteReason | null {
  if (out.ret === 0 && !out.outcome?.hang) return null;
  if (out.refusal) return { text: REFUSALS[out.refusal].why, source: REFUSALS[out.refusal].source };
  const walked = out.outcome ? hotplugReason(k, cpu, offline, out.outcome) : null;
  if (walked) {
    const known = walked.code in REFUSALS ? REFUSALS[walked.code as keyof typeof REFUSALS] : null;
    return {
      text: walked.text,
      source: known?.source ?? null,
      ...(walked.race ? { race: walked.race } : {}),
    };
  }
  return out.why ? { text: out.why, source: null } : null;
}
