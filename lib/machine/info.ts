/**
 * What a machine is, read as plain data: each CPU (`cpu()` / `cpus()`) and each registered
 * clockevent device (`devices()`). Kernel-level, so that the `Machine` facade, scenario runs and
 * pictures read a machine the same way.
 *
 * @module
 */

import { show } from "../util/check.ts";
import type { Kernel } from "../engine/kernel.ts";
import { FEAT } from "../engine/state.ts";
import { hotpluggable } from "../hotplug/device.ts";
import { hasWorkingTick } from "../time/tick_handlers.ts";
import { listOrder } from "../engine/list.ts";
import { deviceOf } from "../engine/device_table.ts";

/** One CPU, as `cpu()` / `cpus()` report it. */
export interface CpuInfo {
  /** CPU number. */
  readonly cpu: number;
  /** In `cpu_online_mask`. */
  readonly online: boolean;
  /** Hotplug state number. */
  readonly state: number;
  /** Hotplug state name (enum id when unnamed). */
  readonly stateName: string;
  /** Hotplug target. */
  readonly target: number;
  /** Armed fault injection (-1: none). */
  readonly fail: number;
  /** Bound tick device name, or null. */
  readonly device: string | null;
  /** Its clockevent state (DETACHED … ONESHOT_STOPPED), or null. */
  readonly deviceState: string | null;
  /** Tick device mode. */
  readonly mode: "periodic" | "oneshot";
  /** High-resolution timers active. */
  readonly highres: boolean;
  /** The CPU has a working tick now. */
  readonly ticking: boolean;
  /** Ticks handled so far. */
  readonly ticks: number;
  /** Owns `tick_do_timer_cpu`. */
  readonly timekeeper: boolean;
  /** Has a `cpuN/online` file. */
  readonly hotpluggable: boolean;
}

/** One registered clockevent device, as `devices()` reports it. */
export interface DeviceInfo {
  /** `name`. */
  readonly name: string;
  /** The CPU of a per-CPU device, or null for a global one. */
  readonly cpu: number | null;
  /** `rating`. */
  readonly rating: number;
  /** Feature flag names. */
  readonly features: readonly string[];
  /** Clockevent state name. */
  readonly state: string;
  /** "tick" (a CPU's tick device), "broadcast", "spare" (DETACHED on the list) or "released". */
  readonly role: "tick" | "broadcast" | "spare" | "released";
  /** The CPU whose tick device it is, or null. */
  readonly boundTo: number | null;
  /** `event_handler`, or null. */
  readonly handler: string | null;
}

const STATE_NAMES = ["DETACHED", "SHUTDOWN", "PERIODIC", "ONESHOT", "ONESHOT_STOPPED"];

// Devices share a handful of feature masks; one frozen name list per mask, not per device.
const featureNames = new Map<number, readonly string[]>();
function featuresOf(mask: number): readonly string[] {
  let names = featureNames.get(mask);
  if (!names) {
    names = Object.freeze(
      Object.entries(FEAT).filter(([, bit]) => mask & bit).map(([name]) => name),
    );
    featureNames.set(mask, names);
  }
  return names;
}

/**
 * Checks a CPU number given to the API against the machine; returns it.
 * @throws {TypeError} for a non-integer; {@linkcode RangeError} for a CPU the machine lacks.
 */
export function checkCpu(k: Kernel, cpu: unknown): number {
  const last = k.s.config.cpus - 1;
  if (typeof cpu !== "number" || !Number.isInteger(cpu)) {
    throw new TypeError(
      `Invalid CPU ${show(cpu)}: expected an integer from 0 to ${last}`,
    );
  }
  if (cpu < 0 || cpu > last) {
    throw new RangeError(`Invalid CPU ${cpu}: this VM has CPUs 0 to ${last}`);
  }
  return cpu;
}

/** The name of CPU `cpu`'s tick device, or null. */
export function boundDevice(k: Kernel, cpu: number): string | null {
  const id = k.s.cpus[cpu].tickDev;
  return id === null ? null : deviceOf(k.s, id)!.name;
}

/**
 * {@linkcode boundDevice} of every CPU, by CPU.
 *
 * @example
 * ```ts
 * import { boundDevice, boundDevices } from "./info.ts";
 * import { boot } from "./boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).config());
 * assert.deepEqual(boundDevices(k), [0, 1].map((cpu) => boundDevice(k, cpu)));
 * ```
 */
export function boundDevices(k: Kernel): (string | null)[] {
  return k.s.cpus.map((c) => boundDevice(k, c.id));
}

/** The name of the hotplug state `state` (its enum id when unnamed). */
export function stateName(k: Kernel, state: number): string {
  const step = k.steps[state];
  return step.name ?? step.id;
}

/**
 * One CPU's state.
 *
 * @example
 * ```ts
 * import { cpuInfo } from "./info.ts";
 * import { boot } from "./boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm({ cpus: 2 }).config());
 * assert.equal(cpuInfo(k, 1).stateName, "online");
 * ```
 */
export function cpuInfo(k: Kernel, cpu: number): CpuInfo {
  const c = k.s.cpus[cpu];
  const d = c.tickDev === null ? null : deviceOf(k.s, c.tickDev)!;
  return {
    cpu: c.id,
    online: c.online,
    state: c.state,
    stateName: stateName(k, c.state),
    target: c.target,
    fail: c.fail,
    device: d?.name ?? null,
    deviceState: d ? STATE_NAMES[d.state] : null,
    mode: c.tickMode === 1 ? "oneshot" : "periodic",
    highres: c.hres,
    ticking: c.online && hasWorkingTick(k, c.id),
    ticks: c.ticks,
    timekeeper: k.s.doTimerCpu === c.id,
    hotpluggable: hotpluggable(k, c.id),
  };
}

/** Registered clockevent devices, in `clockevent_devices` order (head first), then released ones. */
export function deviceInfos(k: Kernel): DeviceInfo[] {
  const s = k.s;
  const info = (id: string, listed: boolean): DeviceInfo => {
    const d = deviceOf(s, id)!;
    // `boundTo` names the CPU whose tick device it is; that CPU's evtdev confirms it.
    const bound = d.boundTo >= 0 && s.cpus[d.boundTo].tickDev === id ? d.boundTo : null;
    const role = s.broadcast.dev === id
      ? "broadcast"
      : bound !== null
      ? "tick"
      : listed
      ? "spare"
      : "released";
    return {
      name: d.name,
      cpu: d.perCpu ? d.mask : null,
      rating: d.rating,
      features: featuresOf(d.features),
      state: STATE_NAMES[d.state],
      role,
      boundTo: bound,
      handler: d.handler,
    };
  };
  return [
    ...listOrder(s).map((id) => info(id, true)),
    ...s.released.map((id) => info(id, false)),
  ];
}
