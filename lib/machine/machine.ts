/**
 * The simulated machine: the public API over the machine state.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import { ERRNO, type ErrnoName, errnoName } from "../util/errno.ts";
import { HangError, PoweredOffError } from "../util/errors.ts";
import { boot } from "./boot.ts";
import { createKernel } from "./kernel.ts";
import { type Kernel, ktime } from "../engine/kernel.ts";
import { dmesgView, traceView } from "../engine/log.ts";
import type { Hang, MachineState, Problem } from "../engine/state.ts";
import { FEAT } from "../engine/state.ts";
import type { TraceEvent } from "../engine/trace.ts";
import { formatSeconds, parseDuration } from "../util/duration.ts";
import { advanceTo } from "../time/advance.ts";
import { type BindingChange, deviceOnline, hotpluggable, type Outcome } from "../hotplug/device.ts";
import { type HotplugReason, hotplugReason } from "../hotplug/reasons.ts";
import { directoryEntries, listFiles, lookup, SYSFS } from "../files/table.ts";
import { fingerprintOf } from "../engine/fingerprint.ts";
import { listOrder } from "../time/list.ts";
import { hibernate, type PowerOutcome, resume } from "../hotplug/power.ts";
import { hasWorkingTick } from "../time/tick_handlers.ts";

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
  /** Why it did not succeed (what stopped it, where, in words), or null when it did. */
  readonly reason: HotplugReason | null;
  /** The hang, when the operation hung. */
  readonly hang: Hang | null;
  /** The CPU's tick-device changes during the operation, with the hotplug state of each. */
  readonly changes: readonly BindingChange[];
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
}

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

/** One entry of a modelled directory, as `readDir()` reports it. */
export interface DirEntry {
  /** The entry's name (no slashes). */
  readonly name: string;
  /** Whether it is a directory. */
  readonly isDirectory: boolean;
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

// The kernel behind each machine, for lib-internal observers (scenario runs watch hotplug steps).
// Not part of the public API.
const KERNELS = new WeakMap<Machine, () => Kernel>();

/** The kernel context of a machine (lib-internal). */
export function kernelOf(m: Machine): Kernel {
  return KERNELS.get(m)!();
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
 * A booted VM. Build one with `vm()…build()`.
 *
 * @example
 * ```ts
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().hyperv("2019").kernel("5.5").cpus(4).build();
 * assert.equal(m.boundDevice(2), "Hyper-V clockevent");
 * const r = m.offline(2);
 * assert.equal(r.ok, true);
 * assert.equal(m.boundDevice(2), null);
 * ```
 */
export class Machine {
  #k: Kernel;

  /** Boots a machine with a validated configuration (use `vm()` to build one). */
  constructor(config: MachineConfig) {
    this.#k = boot(config);
    KERNELS.set(this, () => this.#k);
  }

  /** The configuration. */
  get config(): MachineConfig {
    return structuredClone(this.#k.s.config);
  }

  /** Simulation time since boot, ns. */
  get now(): number {
    return this.#k.s.now;
  }

  /** `jiffies_64`. */
  get jiffies(): number {
    return this.#k.s.jiffies;
  }

  /** The trace buffer: the newest events, oldest first (a copy). */
  get trace(): TraceEvent[] {
    return traceView(this.#k.s);
  }

  /** Whether the machine is hung. */
  get hung(): boolean {
    return this.#k.s.hang !== null;
  }

  /** "on" or "hibernated". */
  get power(): "on" | "hibernated" {
    return this.#k.s.power;
  }

  /**
   * How the `kthread_park()` race resolves when a CPU without a working tick parks its per-CPU
   * threads: "sleeps" (the default: `wait_task_inactive()` finds the thread still queued and
   * sleeps in `schedule_hrtimeout()`, which never returns — a hang) or "passes" (the thread has
   * already left the CPU; the walk goes on without a tick). See docs/model.md §Hangs.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().hyperv("2019").kernel("5.4").cpus(2).build();
   * m.parkRace = "passes";
   * assert.equal(m.offline(1).ok, true);
   * assert.match(m.problems()[0].message, /no working clockevent device/);
   * ```
   */
  get parkRace(): "sleeps" | "passes" {
    return this.#k.s.parkRace ?? "sleeps";
  }

  /** @throws {TypeError} for anything but "sleeps" or "passes". */
  set parkRace(value: "sleeps" | "passes") {
    if (value !== "sleeps" && value !== "passes") {
      throw new TypeError(
        `Invalid parkRace ${JSON.stringify(value)}: expected "sleeps" or "passes"`,
      );
    }
    if (value === "passes") this.#k.s.parkRace = value;
    else delete this.#k.s.parkRace;
  }

  #cpuArg(cpu: unknown): number {
    if (typeof cpu !== "number" || !Number.isInteger(cpu)) {
      throw new TypeError(
        `Invalid CPU ${JSON.stringify(cpu)}: expected an integer from 0 to ${
          this.#k.s.config.cpus - 1
        }`,
      );
    }
    if (cpu < 0 || cpu >= this.#k.s.config.cpus) {
      throw new RangeError(
        `Invalid CPU ${cpu}: this VM has CPUs 0 to ${this.#k.s.config.cpus - 1}`,
      );
    }
    return cpu;
  }

  #mustRun(what: string): void {
    const s = this.#k.s;
    if (s.hang) {
      throw new HangError(
        `Cannot ${what}: the machine is hung since ${
          formatSeconds(s.hang.time)
        } s (CPU${s.hang.cpu} ` +
          `stuck in ${s.hang.callback} at state ${s.hang.state} ${s.hang.stateName}); reset() reboots it`,
        { cpu: s.hang.cpu, state: s.hang.state, errno: null },
      );
    }
    if (s.power === "hibernated") {
      throw new PoweredOffError(
        `Cannot ${what}: the VM is hibernated (powered off); resume() or reset() first`,
      );
    }
  }

  #hotplug(operation: "online" | "offline", cpu: number, out: Outcome): HotplugResult {
    const errno = errnoName(out.ret);
    const name = (n: number) => this.#k.steps[n].name ?? this.#k.steps[n].id;
    const reason = hotplugReason(this.#k, cpu, operation === "offline", out);
    let message: string;
    if (out.hang) {
      message =
        `CPU${cpu} ${operation}: HANG at state ${out.hang.state} (${out.hang.stateName}): ${out.hang.reason}`;
    } else if (errno) {
      message = `CPU${cpu} ${operation} failed: ${out.ret} ${errno} (${ERRNO[errno].text}): ` +
        reason!.text;
    } else {
      message = `CPU${cpu} ${operation}: ok (${out.from} ${name(out.from)} -> ${out.to} ${
        name(out.to)
      })`;
    }
    return {
      ok: !errno && !out.hang,
      operation,
      cpu,
      from: out.from,
      to: out.to,
      toName: name(out.to),
      errno,
      ret: out.ret,
      message,
      hang: out.hang,
      changes: out.changes,
      reason,
    };
  }

  /**
   * Brings a CPU online (`echo 1 > /sys/devices/system/cpu/cpuN/online`).
   * @throws {TypeError|RangeError} for a bad CPU number; {@linkcode HangError} when hung.
   */
  online(cpu: number): HotplugResult {
    const n = this.#cpuArg(cpu);
    this.#mustRun(`online CPU${n}`);
    return this.#hotplug("online", n, deviceOnline(this.#k, n, true));
  }

  /**
   * Takes a CPU offline (`echo 0 > /sys/devices/system/cpu/cpuN/online`). x86 CPU0 has no online
   * file unless `cpu0Hotplug()`: the result is EPERM.
   * @throws {TypeError|RangeError} for a bad CPU number; {@linkcode HangError} when hung.
   */
  offline(cpu: number): HotplugResult {
    const n = this.#cpuArg(cpu);
    this.#mustRun(`offline CPU${n}`);
    return this.#hotplug("offline", n, deviceOnline(this.#k, n, false));
  }

  /**
   * Advances simulated time by `duration` ("10ms", "1.5us", "2s", or ns). Every interrupt due up to
   * and including the end instant runs. Works when hung (other CPUs keep ticking) and when
   * hibernated (nothing runs). Returns the number of device interrupts handled.
   * @throws {SyntaxError|RangeError|TypeError} for a bad duration.
   */
  advance(duration: string | number): number {
    const ns = parseDuration(duration);
    const end = this.#k.s.now + ns;
    if (!Number.isSafeInteger(end)) {
      throw new RangeError(`Cannot advance by ${ns} ns: simulation time would exceed 2^53 ns`);
    }
    return advanceTo(this.#k, end);
  }

  #power(out: PowerOutcome, what: string): PowerResult {
    const errno = errnoName(out.ret);
    const hang = out.hung?.hang ?? null;
    const message = hang
      ? `${what}: HANG while taking CPU${hang.cpu} down at state ${hang.state} (${hang.stateName}): ${hang.reason}`
      : errno
      ? `${what} failed: ${out.ret} ${errno} (${ERRNO[errno].text})${out.why ? `: ${out.why}` : ""}`
      : `${what}: ok (non-boot CPUs ${out.frozen.length ? out.frozen.join(",") : "none"})`;
    return { ok: !hang && !errno, errno, frozen: out.frozen, hang, message };
  }

  /**
   * Hibernates (`echo disk > /sys/power/state`): freezes and offlines the non-boot CPUs with
   * `freeze_secondary_cpus(0)`, saves the image and powers off. May hang (kernel 5.3–5.4).
   * @throws {HangError|PoweredOffError} when already hung or hibernated.
   */
  hibernate(): PowerResult {
    this.#mustRun("hibernate");
    return this.#power(hibernate(this.#k), "hibernate");
  }

  /**
   * Resumes from the hibernation image: the CPUs that were online come back
   * (`enable_nonboot_cpus()`); CPUs offline before hibernation stay offline.
   * @throws {RangeError} when the VM is not hibernated.
   */
  resume(): PowerResult {
    if (this.#k.s.power !== "hibernated") {
      throw new RangeError(
        `Cannot resume: the VM is ${this.#k.s.hang ? "hung" : "running"}, not hibernated`,
      );
    }
    const out = resume(this.#k, this.#k.s.now);
    return this.#power(out, "resume");
  }

  /** Reboots: a fresh boot of the same configuration (time, logs and trace start over). */
  reset(): this {
    this.#k = boot(this.#k.s.config);
    return this;
  }

  /** The name of CPU `cpu`'s tick device, or null. */
  boundDevice(cpu: number): string | null {
    const n = this.#cpuArg(cpu);
    const id = this.#k.s.cpus[n].tickDev;
    return id === null ? null : this.#k.s.devices[id].name;
  }

  /** One CPU's state. */
  cpu(cpu: number): CpuInfo {
    const k = this.#k;
    const c = k.s.cpus[this.#cpuArg(cpu)];
    const d = c.tickDev === null ? null : k.s.devices[c.tickDev];
    const step = k.steps[c.state];
    return {
      cpu: c.id,
      online: c.online,
      state: c.state,
      stateName: step.name ?? step.id,
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

  /** Every CPU's state. */
  cpus(): CpuInfo[] {
    return this.#k.s.cpus.map((c) => this.cpu(c.id));
  }

  /** Registered clockevent devices, in `clockevent_devices` order (head first), then released ones. */
  devices(): DeviceInfo[] {
    const s = this.#k.s;
    const info = (id: string, listed: boolean): DeviceInfo => {
      const d = s.devices[id];
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

  /**
   * Reads a sysfs/procfs file and returns its exact text.
   * @throws {RangeError} for a path hvtick does not model (or that does not exist on this VM) or a
   * write-only file.
   */
  read(path: string): string {
    const found = this.#lookup(path);
    if (!found.file.read) {
      throw new RangeError(`Cannot read ${path}: it is write-only (mode ${found.file.mode})`);
    }
    return found.file.read(this.#k, found.cpu);
  }

  /**
   * Writes a sysfs file (`online`, `hotplug/target`, `hotplug/fail`, `unbind_device`). A kernel
   * refusal comes back as `{ ok: false, errno }` and changes nothing.
   * @throws {RangeError} for an unknown or read-only path; {@linkcode HangError} for a hotplug
   * write (`online`, `hotplug/target`) while the machine is hung; {@linkcode PoweredOffError} when
   * hibernated.
   */
  write(path: string, value: string | number): WriteResult {
    const found = this.#lookup(path);
    if (!found.file.write) {
      throw new RangeError(`Cannot write ${path}: it is read-only (mode ${found.file.mode})`);
    }
    // A stuck hotplug operation holds cpu_add_remove_lock: only hotplug writes block behind it.
    if (found.file.hotplug || this.#k.s.power !== "on") this.#mustRun(`write ${path}`);
    const out = found.file.write(this.#k, found.cpu, String(value));
    const errno = errnoName(out.ret);
    const hang = out.outcome?.hang ?? null;
    return {
      ok: !errno && !hang,
      errno,
      ret: out.ret,
      message: errno ? `write error: ${ERRNO[errno].text}` : hang ? `hung: ${hang.reason}` : "",
      hang,
    };
  }

  #isFile(path: string): boolean {
    if (typeof path !== "string") {
      throw new TypeError(`Invalid path ${JSON.stringify(path)}: expected a string`);
    }
    return lookup(this.#k, path) !== null;
  }

  #lookup(path: string) {
    if (typeof path !== "string") {
      throw new TypeError(`Invalid path ${JSON.stringify(path)}: expected a string`);
    }
    const found = lookup(this.#k, path);
    if (!found) {
      throw new RangeError(
        `No such file: ${path} (not modelled by hvtick, or not present on this VM; files() lists them)`,
      );
    }
    return found;
  }

  /**
   * Every file `read()` / `write()` model on this VM (concrete paths, sorted).
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const files = vm().cpus(2).build().files();
   * assert.ok(files.includes("/sys/devices/system/cpu/cpu1/hotplug/fail"));
   * assert.ok(!files.includes("/sys/devices/system/cpu/cpu0/online"));
   * ```
   */
  files(): string[] {
    return listFiles(this.#k);
  }

  /**
   * What a path is on this VM: `"file"` (one `read()` / `write()` model), `"directory"` (one that
   * holds modelled files) or `null`.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().cpus(2).build();
   * assert.equal(m.stat("/sys/devices/system/cpu/cpu1"), "directory");
   * assert.equal(m.stat("/sys/devices/system/cpu/cpu1/online"), "file");
   * assert.equal(m.stat("/sys/devices/system/cpu/cpu2"), null);
   * ```
   */
  stat(path: string): "file" | "directory" | null {
    if (this.#isFile(path)) return "file";
    return directoryEntries(this.#k, path, true).size > 0 ? "directory" : null;
  }

  /**
   * The entries of a modelled directory, sorted by name like `ls` (only what hvtick models: a
   * real sysfs directory holds more).
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().cpus(2).build();
   * assert.deepEqual(m.readDir("/sys/devices/system/cpu/cpu1/hotplug"), [
   *   { name: "fail", isDirectory: false },
   *   { name: "state", isDirectory: false },
   *   { name: "target", isDirectory: false },
   * ]);
   * ```
   * @throws {RangeError} when the path is a file or not a modelled directory.
   */
  readDir(path: string): DirEntry[] {
    const isFile = this.#isFile(path);
    const entries = isFile ? new Map<string, boolean>() : directoryEntries(this.#k, path);
    if (entries.size === 0) {
      throw new RangeError(
        `Not a directory: ${path} (${
          isFile ? "it is a file" : "not modelled by hvtick"
        }; the modelled directories are those holding the paths files() lists)`,
      );
    }
    return [...entries.keys()].sort().map((name) => ({ name, isDirectory: entries.get(name)! }));
  }

  /** The kernel log as `dmesg` prints it: `[seconds.micros] text` per line. */
  dmesg(): string {
    return dmesgView(this.#k.s).map((r) => {
      const [sec, us] = formatSeconds(r.time).split(".");
      return `[${sec.padStart(5)}.${us}] ${r.text}\n`;
    }).join("");
  }

  /** Hangs and other problems seen so far, oldest first. */
  problems(): Problem[] {
    return structuredClone(this.#k.s.problems);
  }

  /** The whole machine state as plain, JSON-serialisable data (a deep copy). */
  snapshot(): MachineState {
    return structuredClone(this.#k.s);
  }

  /**
   * Replaces the machine state with a snapshot (from this or another machine).
   * @throws {TypeError} when `snapshot` is not a hvtick machine snapshot.
   */
  restore(snapshot: MachineState): this {
    if (!snapshot || typeof snapshot !== "object" || snapshot.format !== "hvtick-machine/1") {
      throw new TypeError(
        'Invalid snapshot: expected an object with format "hvtick-machine/1" from snapshot()',
      );
    }
    this.#k = createKernel(structuredClone(snapshot));
    return this;
  }

  /** A stable hash of the state without history (log, trace, problems): equal states, equal fingerprints. */
  fingerprint(): string {
    return fingerprintOf(this.#k.s);
  }

  /** Guest CLOCK_MONOTONIC, ns (what `/proc/timer_list` prints as `now at`). */
  get monotonic(): number {
    return ktime(this.#k);
  }

  /** The partition reference counter (100 ns units since the partition started or resumed). */
  get referenceCounter(): number {
    return Math.floor((this.#k.s.now - this.#k.s.refEpoch) / 100);
  }
}

/**
 * Example paths of every file `read()`/`write()` model.
 *
 * @example
 * ```ts
 * import { paths } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.ok(paths().includes("/proc/timer_list"));
 * ```
 */
export function paths(): string[] {
  return SYSFS.map((f) => f.example);
}
