/**
 * The clockevent devices hvtick models, as a table (reference kernel-hotplug-clockevents.md §3.1,
 * hyperv-stimer.md §2; sources per row in docs/model.md §Devices).
 *
 * @module
 */

import { show } from "../util/check.ts";
import type { MachineConfig } from "../engine/config.ts";
import {
  ALL_CPUS,
  CE_STATE,
  type DeviceState,
  FEAT,
  KTIME_MAX,
  type MachineState,
} from "../engine/state.ts";
import { clockeventsConfig, type DeviceTiming, lapicTiming } from "./clockevents_config.ts";
import { Device, type DeviceDriver } from "../engine/device.ts";
import { defineDeviceKinds, deviceAt } from "../engine/device_table.ts";
import { KERNEL_LINES } from "../kernels/lines.ts";

/** Driver callbacks, by the `/proc/timer_list` label that prints them. */
export interface DeviceCallbacks {
  /** `set_next_event` (null prints as a raw NULL pointer). */
  readonly setNextEvent: string | null;
  /** `set_state_shutdown`. */
  readonly shutdown?: string;
  /** `set_state_periodic`. */
  readonly periodic?: string;
  /** `set_state_oneshot`. */
  readonly oneshot?: string;
  /** `set_state_oneshot_stopped`. */
  readonly oneshotStopped?: string;
  /** `tick_resume`. */
  readonly resume?: string;
}

/** One row of the device table. */
export interface DeviceTemplate {
  /** Table key. */
  readonly kind: string;
  /** Whether one instance exists per CPU (`cpumask_of(cpu)`). */
  readonly perCpu: boolean;
  /** `name` for this configuration. */
  name(c: MachineConfig): string;
  /** `features` for this configuration. */
  features(c: MachineConfig): number;
  /** `rating` for this configuration. */
  rating(c: MachineConfig): number;
  /** Global devices' cpumask: a CPU or ALL_CPUS. */
  readonly globalMask?: number;
  /** mult/shift/min/max, or null for devices that are never configured. */
  timing(c: MachineConfig): DeviceTiming | null;
  /** Whether the host delivers this device's interrupts at all. */
  interrupts(c: MachineConfig): boolean;
  /** Callback symbols. */
  callbacks(c: MachineConfig): DeviceCallbacks;
  /**
   * Whether its interrupts reach a CPU only through the SynIC unless the host runs it in Direct
   * Mode (Hyper-V's legacy message-mode stimer: SINT2 messages).
   */
  readonly viaSynic?: boolean;
  /** Why, as its CPU's tick device, it gives `cpu` no tick (null: the generic sentence). */
  silent?(d: DeviceState, cpu: number): string | null;
}

/** TSC frequency assumed for TSC-deadline timers (kHz); the deadline rate is tsc_khz * 125. */
export const TSC_KHZ = 2_000_000;
/** HPET frequency of the baseline (QEMU's 10 ns period, reference §6). */
export const HPET_HZ = 100_000_000;
/** arm64 generic timer frequency assumed for Hyper-V guests [INFERRED]. */
export const ARM64_TIMER_HZ = 25_000_000;

const lapicDeadline = (c: MachineConfig) => c.arch === "x86_64" && c.features.tscDeadline;

const TEMPLATES: readonly DeviceTemplate[] = [
  {
    kind: "lapic",
    perCpu: true,
    name: (c) => lapicDeadline(c) ? "lapic-deadline" : "lapic",
    features: (c) =>
      (lapicDeadline(c) ? FEAT.ONESHOT : FEAT.PERIODIC | FEAT.ONESHOT) |
      (c.features.arat ? 0 : FEAT.C3STOP),
    rating: (c) => c.features.arat ? 150 : 100,
    timing: (c) =>
      lapicDeadline(c)
        ? clockeventsConfig(TSC_KHZ * 125, 0xf, (1n << 64n) - 1n)
        : lapicTiming(Math.floor(c.platform.apicHz / c.hz), c.hz),
    interrupts: () => true,
    callbacks: (c) => ({
      setNextEvent: lapicDeadline(c) ? "lapic_next_deadline" : "lapic_next_event",
      shutdown: "lapic_timer_shutdown",
      periodic: "lapic_timer_set_periodic",
      oneshot: "lapic_timer_set_oneshot",
      oneshotStopped: "lapic_timer_shutdown",
    }),
  },
  {
    kind: "hpet",
    perCpu: false,
    globalMask: 0,
    name: () => "hpet",
    features: () => FEAT.PERIODIC | FEAT.ONESHOT,
    rating: () => 50,
    timing: () => clockeventsConfig(HPET_HZ, 192, 0x7fffffff),
    interrupts: () => true,
    callbacks: () => ({
      setNextEvent: "hpet_clkevt_set_next_event",
      shutdown: "hpet_clkevt_set_state_shutdown",
      periodic: "hpet_clkevt_set_state_periodic",
      oneshot: "hpet_clkevt_set_state_oneshot",
      resume: "hpet_clkevt_legacy_resume",
    }),
  },
  {
    kind: "pit",
    perCpu: false,
    globalMask: 0,
    name: () => "pit",
    features: () => FEAT.PERIODIC | FEAT.ONESHOT,
    rating: () => 0,
    timing: () => clockeventsConfig(1_193_182, 0xf, 0x7fff),
    // Hyper-V emulates no PIT in Generation 2 VMs (fff7b5e6ee63 commit message, S13).
    interrupts: (c) => c.hyperv === "none" || c.generation === 1,
    callbacks: () => ({
      setNextEvent: "pit_next_event",
      shutdown: "pit_shutdown",
      periodic: "pit_set_periodic",
      oneshot: "pit_set_oneshot",
    }),
  },
  {
    kind: "hv_stimer",
    perCpu: true,
    name: () => "Hyper-V clockevent",
    features: () => FEAT.ONESHOT,
    // 90 in a TDX VM without a paravisor where 7f828d5fff7d is in (6.18.9
    // drivers/clocksource/hyperv_timer.c:152-155), so the LAPIC timer wins; else 1000 (6.8.1:140).
    rating: (c) => c.isolation === "tdx" && KERNEL_LINES[c.kernel].stimerTdxLowRating ? 90 : 1000,
    timing: () => clockeventsConfig(10_000_000, 1, 0xffffffff),
    interrupts: () => true,
    callbacks: () => ({
      setNextEvent: "hv_ce_set_next_event",
      shutdown: "hv_ce_shutdown",
      oneshot: "hv_ce_set_oneshot",
    }),
    viaSynic: true,
    silent: (d, cpu) =>
      d.hwEnabled
        ? `"${d.name}" cannot deliver: SynIC is disabled on CPU${cpu}`
        : `"${d.name}" is still its tick device but was shut down by hv_ce_shutdown()`,
  },
  {
    kind: "arch_sys_timer",
    perCpu: true,
    name: () => "arch_sys_timer",
    features: () => FEAT.ONESHOT | FEAT.C3STOP,
    rating: () => 450,
    timing: () => clockeventsConfig(ARM64_TIMER_HZ, 0xf, 0x7fffffff),
    // Older Hyper-V for arm64 "only partially virtualize the ARMv8 architectural timer, such that
    // the timer does not generate interrupts in the VM" (clocks.rst, S15).
    interrupts: (c) => c.hyperv === "none" || !arm64UsesStimer(c),
    callbacks: () => ({
      setNextEvent: "arch_timer_set_next_event_virt",
      shutdown: "arch_timer_shutdown_virt",
      oneshotStopped: "arch_timer_shutdown_virt",
    }),
  },
  {
    kind: "dummy_timer",
    perCpu: true,
    name: () => "dummy_timer",
    features: () => FEAT.PERIODIC | FEAT.ONESHOT | FEAT.DUMMY,
    rating: () => 100,
    timing: () => null,
    interrupts: () => false,
    callbacks: () => ({ setNextEvent: null }),
  },
  {
    kind: "bc_hrtimer",
    perCpu: false,
    globalMask: ALL_CPUS,
    name: () => "bc_hrtimer",
    features: () => FEAT.ONESHOT | FEAT.KTIME | FEAT.HRTIMER,
    rating: () => 0,
    timing: () => ({ mult: 1, shift: 0, minDeltaNs: 1, maxDeltaNs: KTIME_MAX }),
    interrupts: () => true,
    callbacks: () => ({ setNextEvent: null, shutdown: "bc_shutdown" }),
  },
];

/**
 * Whether an arm64 guest of this kernel line uses the Hyper-V stimer as its per-CPU timer: the
 * out-of-tree arm64 guest code of 2019–2021; mainline arm64 support (5.15) uses `arch_sys_timer`
 * and builds no stimer (`HYPERV_TIMER` is x86-only, S43).
 */
export function arm64UsesStimer(c: MachineConfig): boolean {
  return c.arch === "arm64" && c.hyperv !== "none" && KERNEL_LINES[c.kernel].arm64Stimer;
}

const BY_KIND = new Map(TEMPLATES.map((t) => [t.kind, t]));
// The device table's numbering follows this table (lib/engine/device_table.ts).
defineDeviceKinds(TEMPLATES);
// The one kind whose interrupts go through the SynIC (checked when the table is loaded).
const SYNIC_KINDS = TEMPLATES.filter((t) => t.viaSynic).map((t) => t.kind);
if (SYNIC_KINDS.length !== 1) throw new Error("internal: expected one SynIC-delivered device kind");
const SYNIC_KIND = SYNIC_KINDS[0];

/** The template for a device kind. */
export function template(kind: string): DeviceTemplate {
  const t = BY_KIND.get(kind);
  if (!t) throw new RangeError(`Unknown clockevent device kind ${show(kind)}`);
  return t;
}

/**
 * Whether `d`'s interrupts reach its CPU only through the SynIC (unless in Direct Mode): its
 * template says so. A constant per kind, looked up without a map (it runs per interrupt).
 */
export function viaSynic(d: DeviceState): boolean {
  return d.kind === SYNIC_KIND;
}

/** Per-CPU device kinds (their structs are `kind:cpu`). */
export const PER_CPU_KINDS: readonly string[] = TEMPLATES.filter((t) => t.perCpu).map((t) =>
  t.kind
);

// A driver's callbacks are a pure function of its template and the config: built once per
// config object (a state switch asks for them every time). The last config's map is kept apart:
// a kernel asks with one config, and a pointer compare is cheaper than the WeakMap's lookup.
const CALLBACKS = new WeakMap<MachineConfig, Map<string, DeviceCallbacks>>();
let lastCallbacksOf: MachineConfig | null = null;
let lastCallbacks = new Map<string, DeviceCallbacks>();

/**
 * The driver callbacks of device kind `kind` in config `c` (its template's, memoised).
 *
 * @example
 * ```ts
 * import { driverCallbacks } from "./devices.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const c = vm().build().config;
 * assert.equal(driverCallbacks(c, "hv_stimer").shutdown, "hv_ce_shutdown");
 * assert.equal(driverCallbacks(c, "hv_stimer"), driverCallbacks(c, "hv_stimer"));
 * ```
 */
export function driverCallbacks(c: MachineConfig, kind: string): DeviceCallbacks {
  let byKind = c === lastCallbacksOf ? lastCallbacks : CALLBACKS.get(c);
  if (!byKind) CALLBACKS.set(c, byKind = new Map());
  lastCallbacksOf = c;
  lastCallbacks = byKind;
  let cb = byKind.get(kind);
  if (!cb) byKind.set(kind, cb = template(kind).callbacks(c));
  return cb;
}

/** Every device kind. */
export const DEVICE_KINDS: readonly string[] = TEMPLATES.map((t) => t.kind);

// A driver's constants are a pure function of its template and the config (clockevents_config()
// too): one frozen record per config object and kind, which every instance of the kind shares
// (lib/engine/device.ts). A per-CPU kind's ids (`kind:cpu`, built as Device.id asks) are shared by
// every config's record.
const DRIVERS = new WeakMap<MachineConfig, Map<string, DeviceDriver>>();
// The last config's map, as for the callbacks above (each hotplug builds two structs).
let lastDriversOf: MachineConfig | null = null;
let lastDrivers = new Map<string, DeviceDriver>();
const IDS = new Map<string, string[]>();
const NO_TIMING: DeviceTiming = { mult: 0, shift: 0, minDeltaNs: 0, maxDeltaNs: 0 };

/**
 * What the driver of `kind` fills a struct with on config `c` (memoised: one per config and kind).
 *
 * @example
 * ```ts
 * import { deviceDriver } from "./devices.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const c = vm().build().config;
 * assert.equal(deviceDriver(c, "hv_stimer").name, "Hyper-V clockevent");
 * assert.equal(deviceDriver(c, "hv_stimer"), deviceDriver(c, "hv_stimer"));
 * ```
 */
export function deviceDriver(c: MachineConfig, kind: string): DeviceDriver {
  let byKind = c === lastDriversOf ? lastDrivers : DRIVERS.get(c);
  if (!byKind) DRIVERS.set(c, byKind = new Map());
  lastDriversOf = c;
  lastDrivers = byKind;
  let drv = byKind.get(kind);
  if (!drv) {
    const t = template(kind);
    const timing = t.timing(c) ?? NO_TIMING;
    let ids: string[] | null = null;
    if (t.perCpu && !(ids = IDS.get(kind) ?? null)) IDS.set(kind, ids = []);
    drv = Object.freeze({
      kind,
      name: t.name(c),
      features: t.features(c),
      rating: t.rating(c),
      mult: timing.mult,
      shift: timing.shift,
      minDeltaNs: timing.minDeltaNs,
      maxDeltaNs: timing.maxDeltaNs,
      perCpu: t.perCpu,
      hwFires: t.interrupts(c),
      ids,
    });
    byKind.set(kind, drv);
  }
  return drv;
}

/** A fresh, unregistered device struct (state DETACHED) for `kind`, per-CPU on `cpu`. */
export function newDevice(c: MachineConfig, kind: string, cpu: number): Device {
  const drv = deviceDriver(c, kind);
  const mask = drv.perCpu ? cpu : template(kind).globalMask!;
  return new Device(drv, mask, CE_STATE.DETACHED, KTIME_MAX, null, 0, false, -1, 0, -1);
}

/**
 * The registered devices whose cpumask can contain `cpu` (its per-CPU structs and the global
 * devices), of a state: the only devices `clockevents_replace()` on `cpu` picks among
 * (clockevents.ts `clockeventsReplace`), so the only part of `clockevent_devices`' order that
 * matters to it (exploration keeps no more of that order: lib/explore/list_identity.ts).
 *
 * @example
 * ```ts
 * import { candidatesIn } from "./devices.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ hyperv: "2019", kernel: "5.5", cpus: 2 }).build().snapshot();
 * assert.ok(candidatesIn(s, 1).includes("hv_stimer:1"));
 * assert.ok(!candidatesIn(s, 1).includes("hv_stimer:0"));
 * ```
 */
export function candidatesIn(s: MachineState, cpu: number): string[] {
  const ids: string[] = [];
  for (const kind of DEVICE_KINDS) {
    const d = deviceAt(s, kind, cpu);
    if (d) ids.push(d.id);
  }
  return ids;
}
