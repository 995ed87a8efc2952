/**
 * Checking a machine snapshot before `restore()` takes it: the whole state, nothing touched until
 * every part passed. Its fields are the field table's (lib/engine/fields.ts): a counter is an
 * integer ≥ 0, a time is one or its "none" value; the others each have a check of their type
 * (the compiler holds each to lib/engine/state.ts). Then what the parts name must exist: the
 * configuration is one `vm()` builds, there is a CPU per `config.cpus`, hotplug states are in
 * the kernel line's step table, each device is the struct its id says on this configuration, and
 * what a CPU, the broadcast device, the device lists and the hibernation image refer to is there.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import { CPU_FIELDS, DEVICE_FIELDS, MACHINE_FIELDS } from "../engine/fields.ts";
import {
  CE_STATE,
  type CpuState,
  type DeviceState,
  KTIME_MAX,
  MACHINE_FORMAT,
  type MachineState,
  type PmState,
  type RegisteredStep,
} from "../engine/state.ts";
import { KERNEL_LINES } from "../kernels/lines.ts";
import { HIBERNATION_MODES, PM_TESTS } from "../hotplug/power.ts";
import { HANDLER_SYMBOLS } from "../time/tick_handlers.ts";
import { DEVICE_KINDS, newDevice, template } from "../time/devices.ts";
import { MODULE_NAMES } from "../machine/modules.ts";
import { SAME_VM } from "../ops/power_operations.ts";
import {
  arrayOf,
  boolean,
  type Check,
  check,
  integer,
  invalid,
  isPlainObject,
  listed,
  nullable,
  object,
  oneOf,
  optional,
  or,
  readData,
  recordOf,
  setOf,
  show,
  string,
} from "../util/check.ts";
import { checkConfig } from "./config_check.ts";
import type { StoppedWalk, StopPoint } from "../engine/stops.ts";
import { parseOperation } from "../ops/operations.ts";
import {
  type Bounds,
  COUNT,
  cpuOf,
  fromTable,
  hangCheck,
  logCheck,
  problemCheck,
  stateOf,
  TIME,
} from "./part_checks.ts";

/** A name of one of `ids` (`what`: "a device id"). */
function nameOf(ids: readonly string[], what: string): Check<string> {
  const set = new Set(ids);
  return check(what, (v, at) => {
    if (typeof v === "string" && set.has(v)) return v;
    return invalid(
      at,
      v,
      what,
      typeof v === "string" ? "range" : "type",
      `; valid: ${listed(ids)}`,
    );
  });
}

// A running kernel's own form of the devices (lib/engine/device_table.ts): never in a snapshot.
const NO_TABLE = "absent (a snapshot holds its devices by id)";

// What a device struct is from its id on: what newDevice() gives for its kind and CPU.
const IDENTITY = [
  "kind",
  "name",
  "features",
  "rating",
  "mask",
  "mult",
  "shift",
  "minDeltaNs",
  "maxDeltaNs",
  "perCpu",
  "hwFires",
] as const satisfies readonly (keyof DeviceState)[];

function devicesCheck(config: MachineConfig, b: Bounds): Check<Record<string, DeviceState>> {
  const device = object<DeviceState>(
    fromTable<DeviceState, typeof DEVICE_FIELDS>(DEVICE_FIELDS, {
      id: string(),
      kind: oneOf(DEVICE_KINDS, "a device kind"),
      name: string(),
      features: integer(0),
      rating: integer(Number.MIN_SAFE_INTEGER),
      mask: integer(-1, b.cpus - 1, "a CPU number or -1 (every CPU)"),
      state: oneOf(Object.values(CE_STATE), "a clock_event_state"),
      mult: integer(0),
      shift: integer(0),
      minDeltaNs: integer(0, KTIME_MAX),
      maxDeltaNs: integer(0, KTIME_MAX),
      handler: nullable(oneOf(HANDLER_SYMBOLS, "an event_handler")),
      retries: COUNT,
      perCpu: boolean,
      hwFires: boolean,
      hwEnabled: boolean,
      hwPeriod: integer(0),
      boundTo: integer(-1, b.cpus - 1, "a CPU number or -1 (none)"),
    }),
    "a clockevent device",
  );
  return check("an object of clockevent devices by id", (v, at) => {
    const devices = recordOf(device)(v, at);
    for (const [key, d] of Object.entries(devices)) {
      const where = `${at}[${JSON.stringify(key)}]`;
      const t = template(d.kind);
      const fresh = newDevice(config, d.kind, t.perCpu ? d.mask : 0);
      if (fresh.id !== key || d.id !== key) {
        const valid = t.perCpu ? `${d.kind}:0 to ${d.kind}:${b.cpus - 1}` : d.kind;
        invalid(
          where,
          key,
          `the id of a ${d.kind} device with mask ${d.mask}`,
          "range",
          ` (its id field: ${show(d.id)}); valid: ${valid}`,
        );
      }
      for (const f of IDENTITY) {
        if (d[f] !== fresh[f]) {
          invalid(
            `${where}.${f}`,
            d[f],
            `this configuration's ${d.kind} ${f}`,
            "range",
            ` (it is ${show(fresh[f])})`,
          );
        }
      }
    }
    return devices;
  });
}

function cpusCheck(b: Bounds, device: Check<string>): Check<CpuState[]> {
  const state = stateOf(b);
  const cpu = object<CpuState>(
    fromTable<CpuState, typeof CPU_FIELDS>(CPU_FIELDS, {
      id: cpuOf(b),
      online: boolean,
      devOffline: boolean,
      state,
      target: state,
      fail: or(-1, state),
      tickDev: nullable(device),
      tickMode: oneOf([0, 1] as const, "a tick device mode"),
      checkClocks: boolean,
      hres: boolean,
      hrtimersOffline: optional(oneOf([true] as const)),
      nohzMode: oneOf([0, 1, 2] as const, "a NOHZ mode"),
      synic: boolean,
    }),
    "a CPU",
  );
  const list = arrayOf(cpu);
  return check(`${b.cpus} CPUs`, (v, at) => {
    const cpus = list(v, at);
    if (cpus.length !== b.cpus) {
      invalid(at, `${cpus.length} CPUs`, `config.cpus (${b.cpus}) CPUs`, "range");
    }
    cpus.forEach((c, i) => {
      if (c.id !== i) invalid(`${at}[${i}].id`, c.id, `its index, ${i}`, "range");
    });
    return cpus;
  });
}

const MAJOR_MINOR = check("a device number MAJOR:MINOR", (v, at) => {
  if (typeof v !== "string") invalid(at, v, "a device number MAJOR:MINOR", "type");
  if (!/^\d+:\d+$/.test(v as string)) invalid(at, v, "a device number MAJOR:MINOR", "range");
  return v as string;
});

const PM: Check<PmState> = object<PmState>({
  test: optional(
    oneOf(PM_TESTS.filter((t) => t !== "none") as NonNullable<PmState["test"]>[], "a pm_test"),
  ),
  mode: optional(oneOf(HIBERNATION_MODES, "a hibernation mode")),
  resume: optional(MAJOR_MINOR),
  imageSize: optional(check("a size in bytes (decimal digits)", (v, at) => {
    if (typeof v !== "string") invalid(at, v, "a size in bytes (decimal digits)", "type");
    if (!/^\d+$/.test(v as string)) invalid(at, v, "a size in bytes (decimal digits)", "range");
    return v as string;
  })),
  swapon: optional(MAJOR_MINOR),
}, "the kernel/power/ knobs");

/** The whole state at `at`; `outer`: the configuration of the machine whose image it is. */
function machine(value: unknown, at: string, outer: MachineConfig | null): MachineState {
  if (!isPlainObject(value) || value.format !== MACHINE_FORMAT) {
    throw new TypeError(
      `${at}: ${show(value)} is not a hvtick machine snapshot: expected an object with format ` +
        `"${MACHINE_FORMAT}" from snapshot() of this hvtick (other formats lack state the model keeps)`,
    );
  }
  // The configuration first: what everything else may name follows from it.
  const config = checkConfig(value.config, `${at}.config`);
  const b: Bounds = { cpus: config.cpus, states: KERNEL_LINES[config.kernel].enumNames.length };
  const cpu = cpuOf(b);
  const devices = devicesCheck(config, b)(value.devices, `${at}.devices`);
  const device = nameOf(Object.keys(devices), "a device id");
  const known = <T>(v: T) => check("as checked", () => v);
  const s = object<MachineState>(
    fromTable<MachineState, typeof MACHINE_FIELDS>(MACHINE_FIELDS, {
      format: oneOf([MACHINE_FORMAT] as const),
      config: known(config),
      offNs: TIME,
      running: boolean,
      power: oneOf(["on", "hibernated", "off"] as const, "a power state"),
      hang: nullable(hangCheck(b)),
      doTimerCpu: integer(-2, b.cpus - 1, "a CPU number, -1 (none) or -2 (boot)"),
      cpus: cpusCheck(b, device),
      devices: known(devices),
      table: optional(check(NO_TABLE, (v, where) => invalid(where, v, NO_TABLE, "range"))),
      ceList: recordOf(COUNT, device),
      released: setOf(device),
      broadcast: object<MachineState["broadcast"]>({
        dev: nullable(device),
        mode: oneOf([0, 1] as const, "a broadcast mode"),
        mask: setOf(cpu),
        oneshotMask: setOf(cpu),
      }, "the broadcast device"),
      registered: arrayOf(object<RegisteredStep>({
        state: stateOf(b),
        name: string(),
        startup: nullable(string()),
        teardown: nullable(string()),
        multi: optional(boolean),
        instances: optional(COUNT),
      }, "a registered hotplug state")),
      hotplugDisabled: COUNT,
      parkRace: optional(oneOf(["passes"] as const, "a kthread_park() race side")),
      vmbus: object<MachineState["vmbus"]>({
        up: boolean,
        connected: boolean,
        channels: setOf(cpu),
      }, "VMbus"),
      frozenCpus: setOf(cpu),
      ceCorrupt: optional(object<NonNullable<MachineState["ceCorrupt"]>>({
        dev: device,
        lost: setOf(device),
        unlinked: boolean,
      }, "the list corruption")),
      modules: optional(setOf(oneOf(MODULE_NAMES, "a module"))),
      loading: optional(setOf(oneOf(MODULE_NAMES, "a module"))),
      acpiNamespaceHeld: optional(oneOf([true] as const)),
      // An image holds no image (checked here, before it is entered: it may hold itself).
      image: outer
        ? oneOf([null] as const, "null (an image holds no image)")
        : nullable(check("a hibernation image", (v, where) => machine(v, where, config))),
      pm: optional(PM),
      consoleLoglevel: optional(COUNT),
      walk: optional(check("a stopped walk", (v, where) => stoppedWalk(v, where, config, b))),
      problems: arrayOf(problemCheck(b)),
      log: logCheck(b),
    }),
    "a machine snapshot",
  )(value, at);
  relations(s, at, outer);
  return s;
}

/** A stopped walk (lib/engine/stops.ts): its line, the machine before it (of this VM), where. */
function stoppedWalk(v: unknown, at: string, config: MachineConfig, b: Bounds): StoppedWalk {
  const line = check("an operation's line", (x, where) => {
    const text = string()(x, where);
    try {
      parseOperation(text, { cpus: config.cpus });
    } catch (e) {
      invalid(where, x, "an operation's line", "range", ` (${(e as Error).message})`);
    }
    return text;
  });
  const w = object<StoppedWalk>({
    operation: line,
    before: check("the machine before the operation", (x, where) => machine(x, where, null)),
    at: object<StopPoint>({
      operation: nullable(string()),
      boundary: COUNT,
      phase: oneOf(["enter", "exit"] as const, "a callback boundary (enter or exit)"),
      cpu: cpuOf(b),
      state: stateOf(b),
      stateName: string(),
      callback: string(),
      teardown: boolean,
      time: TIME,
      reason: string(),
    }, "a stop point"),
  }, "a stopped walk")(v, at);
  if (w.before.walk !== undefined) {
    invalid(`${at}.before.walk`, w.before.walk, "absent (one walk stops at a time)", "range");
  }
  if (JSON.stringify(w.before.config) !== JSON.stringify(config)) {
    invalid(`${at}.before.config`, w.before.config, "the machine's own configuration", "range");
  }
  return w;
}

/** What holds between the parts of a state of the right shape. */
function relations(s: MachineState, at: string, outer: MachineConfig | null): void {
  if (s.offNs > s.now) invalid(`${at}.offNs`, s.offNs, `at most now (${s.now})`, "range");
  if (s.refEpoch > s.now) invalid(`${at}.refEpoch`, s.refEpoch, `at most now (${s.now})`, "range");
  s.cpus.forEach((c, i) => {
    const d = c.tickDev === null ? null : s.devices![c.tickDev];
    // A CPU's tick device may be the broadcast device (boundTo -1): a rolled-back offline re-runs
    // hv_synic_init() on a stimer still listed (5.4.301 drivers/hv/hv.c:205, whose cleanup only
    // shuts it down, hyperv_timer.c:136-145; 6.6.150 hv.c:341 when the legacy unbind found no
    // replacement, hyperv_timer.c:177-181): equal to itself it is not preferred
    // (kernel/time/tick-common.c:287-305, 339-340), it wins the broadcast slot
    // (tick-broadcast.c:76-107, 5.4.301) and td->evtdev still points at it (docs/model.md §Hangs).
    const broadcast = d !== null && d.boundTo === -1 && s.broadcast.dev === c.tickDev;
    if (d && d.boundTo !== i && !broadcast) {
      invalid(
        `${at}.cpus[${i}].tickDev`,
        c.tickDev,
        `a device bound to CPU${i} or the broadcast device`,
        "range",
        ` (its boundTo is ${d.boundTo})`,
      );
    }
  });
  for (const [id, d] of Object.entries(s.devices!)) {
    if (d.boundTo >= 0 && s.cpus[d.boundTo].tickDev !== id) {
      invalid(
        `${at}.devices[${JSON.stringify(id)}].boundTo`,
        d.boundTo,
        `the CPU whose tick device it is`,
        "range",
        ` (CPU${d.boundTo}'s is ${show(s.cpus[d.boundTo].tickDev)})`,
      );
    }
  }
  const sequence = new Map<number, string>();
  for (const [id, n] of Object.entries(s.ceList ?? {})) {
    const where = `${at}.ceList[${JSON.stringify(id)}]`;
    if (n >= s.ceSeq) invalid(where, n, `below ceSeq (${s.ceSeq})`, "range");
    if (sequence.has(n)) {
      invalid(where, n, `a sequence of its own (${sequence.get(n)} has it)`, "range");
    }
    sequence.set(n, id);
  }
  for (const m of s.loading ?? []) {
    if (!s.modules?.includes(m)) {
      invalid(`${at}.loading`, m, "a loaded module (one in modules)", "range");
    }
  }
  if (outer) {
    if (s.image !== null) {
      invalid(`${at}.image`, s.image, "null (an image holds no image)", "range");
    }
    for (const f of SAME_VM) {
      if (s.config[f] !== outer[f]) {
        invalid(`${at}.config.${f}`, s.config[f], `the VM's (${show(outer[f])})`, "range");
      }
    }
  }
}

/**
 * A snapshot from outside, checked whole before anything uses it: a copy (plain data only), of
 * the right shape, every reference within it resolved.
 *
 * @example
 * ```ts
 * import { checkSnapshot } from "./snapshot_check.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm({ cpus: 4 }).build().snapshot();
 * assert.deepEqual(checkSnapshot(s, "snapshot"), s);
 * s.cpus[2].tickDev = 999 as never;
 * assert.throws(() => checkSnapshot(s, "snapshot"), /snapshot.cpus\[2\].tickDev: 999 is not a device id; valid: /);
 * ```
 * @throws {TypeError} for what is not a snapshot of this hvtick, or a part of the wrong type;
 * {@linkcode RangeError} for a value out of range or a reference to nothing, naming where.
 */
export function checkSnapshot(value: unknown, at: string): MachineState {
  return machine(readData(value, at), at, null);
}
