/**
 * The simulated machine: the public API over the machine state. A facade: each operation is a row
 * of the operation table (lib/ops/operations.ts), each reading a kernel-level view
 * (lib/machine/info.ts, lib/files/table.ts).
 *
 * @module
 */

import type { MachineConfig, VmOptions } from "../engine/config.ts";
import { validate } from "./validate.ts";
import { MachineControl, targetOf } from "./machine_control.ts";
import { checkConfig, checkOptions } from "./config_check.ts";
import { checkSnapshot } from "./snapshot_check.ts";
import { checkOperation, echoOf } from "../ops/operation_check.ts";
import { runSpec } from "../ops/run_row.ts";
import { configFacts, kconfigLines } from "../kernels/configs.ts";
import { createKernel } from "../machine/kernel.ts";
import { ktime } from "../engine/kernel.ts";
import { consoleView, dmesgView, stamped, traceView, withTrace } from "../engine/log.ts";
import type { MachineState, Problem } from "../engine/state.ts";
import type { TraceEvent } from "../engine/trace.ts";
import { parseDuration } from "../util/duration.ts";
import { type DirEntry, listFiles } from "../files/table.ts";
import { findFile, pathKind, readDirectory } from "../files/lookup.ts";
import { fingerprintOf } from "../engine/fingerprint.ts";
import { type MachineSnapshot, plainState } from "../time/device_form.ts";
import {
  boundDevice,
  checkCpu,
  type CpuInfo,
  cpuInfo,
  type DeviceInfo,
  deviceInfos,
} from "../machine/info.ts";
import {
  type Operation,
  type OperationResults,
  OPERATIONS,
  parseOperation,
  runOperation,
  type Target,
} from "../ops/operations.ts";
import type { HotplugResult, PowerResult, WriteResult } from "../ops/results.ts";

export type { CpuInfo, DeviceInfo } from "../machine/info.ts";
export type { DirEntry } from "../files/table.ts";
export type { HotplugResult, PowerResult, WriteResult } from "../ops/results.ts";

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
export class Machine extends MachineControl {
  // The kernel, which reset(), restore() and a resumed walk replace.
  readonly #t: Target;

  /**
   * Boots a machine with a validated configuration (use `vm()` to build one).
   * @throws {TypeError|RangeError} for a configuration `vm()` would not build.
   */
  constructor(config: MachineConfig) {
    super(config);
    this.#t = targetOf(this);
  }

  get #k() {
    return this.#t.k;
  }

  /**
   * Runs one operation: a line as a script writes it (`offline 2`, `advance 10ms`,
   * `echo 171 > /sys/devices/system/cpu/cpu1/hotplug/fail`) or an {@linkcode Operation}. A kernel
   * refusal is a result (`ok: false`), never thrown.
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().cpus(2).build();
   * assert.equal(m.run("offline 1").ok, true);
   * assert.equal(m.run({ kind: "online", cpu: 1 }).message.startsWith("CPU1 online: ok"), true);
   * ```
   * @throws {SyntaxError|RangeError|TypeError} for a line or operation this machine cannot take;
   * {@linkcode HangError} / {@linkcode PoweredOffError} when the machine cannot run it now.
   */
  run<O extends Operation>(operation: O | string): OperationResults[O["kind"]] {
    if (typeof operation === "string") {
      return runOperation(this.#t, parseOperation(operation, { cpus: this.#k.s.config.cpus }) as O);
    }
    const op = checkOperation(operation, "operation") as O;
    if (op.kind === "poweron" && op.config) checkConfig(op.config, "operation.config");
    return runOperation(this.#t, op);
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
    return traceView(this.#k);
  }

  /** Whether the machine is hung. */
  get hung(): boolean {
    return this.#k.s.hang !== null;
  }

  /** "on", "hibernated" or "off". */
  get power(): "on" | "hibernated" | "off" {
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
    runOperation(this.#t, { kind: "race", side: value });
  }

  /**
   * Brings a CPU online (`echo 1 > /sys/devices/system/cpu/cpuN/online`).
   * @throws {TypeError|RangeError} for a bad CPU number; {@linkcode HangError} when hung.
   */
  online(cpu: number): HotplugResult {
    return runSpec(this.#t, OPERATIONS.online, { kind: "online", cpu });
  }

  /**
   * Takes a CPU offline (`echo 0 > /sys/devices/system/cpu/cpuN/online`). x86 CPU0 has no online
   * file unless `cpu0Hotplug()` (and never from 6.6): the result is EPERM.
   * @throws {TypeError|RangeError} for a bad CPU number; {@linkcode HangError} when hung.
   */
  offline(cpu: number): HotplugResult {
    return runSpec(this.#t, OPERATIONS.offline, { kind: "offline", cpu });
  }

  /**
   * Advances simulated time by `duration` ("10ms", "1.5us", "2s", or ns). Every interrupt due up to
   * and including the end instant runs. Works when hung (other CPUs keep ticking) and when
   * hibernated (nothing runs). Returns the number of device interrupts handled. Unless ticks are
   * traced (`traceTicks()`), runs of periodic ticks are jumped over with the same result, so an
   * hour of 2048 vCPUs takes milliseconds (docs/model.md §Fast-forward).
   * @throws {SyntaxError|RangeError|TypeError} for a bad duration.
   */
  advance(duration: string | number): number {
    return runOperation(this.#t, { kind: "advance", ns: parseDuration(duration) }).interrupts;
  }

  /**
   * Hibernates (`echo disk > /sys/power/state`): freezes and offlines the non-boot CPUs with
   * `freeze_secondary_cpus(0)`, saves the image and powers off. May hang (kernel 5.3–5.4).
   * @throws {HangError|PoweredOffError} when already hung or hibernated.
   */
  hibernate(): PowerResult {
    return runOperation(this.#t, { kind: "hibernate" });
  }

  /**
   * Resumes from the hibernation image: the CPUs that were online come back
   * (`enable_nonboot_cpus()`); CPUs offline before hibernation stay offline.
   * @throws {RangeError} when the VM is not hibernated.
   */
  resume(): PowerResult {
    return runOperation(this.#t, { kind: "resume" });
  }

  /**
   * Powers the VM on: the kernel boots afresh; a hibernated VM's disk still holds the image, which
   * writing its swap device to `/sys/power/resume` restores (`software_resume()`). `options` boot
   * another configuration of the same VM (kernel, host, CPUs and memory must be the image's).
   * @throws {RangeError} when the VM is running, or `options` describe another VM;
   * {@linkcode ConfigError} / `TypeError` for bad options.
   */
  powerOn(options?: VmOptions): this {
    runOperation(
      this.#t,
      options === undefined
        ? { kind: "poweron" }
        : { kind: "poweron", config: validate(checkOptions(options, "options")) },
    );
    return this;
  }

  /** Reboots: a fresh boot of the same configuration (time, logs and trace start over). */
  reset(): this {
    runOperation(this.#t, { kind: "reset" });
    return this;
  }

  /** The name of CPU `cpu`'s tick device, or null. */
  boundDevice(cpu: number): string | null {
    return boundDevice(this.#k, checkCpu(this.#k, cpu));
  }

  /** One CPU's state. */
  cpu(cpu: number): CpuInfo {
    return cpuInfo(this.#k, checkCpu(this.#k, cpu));
  }

  /** Every CPU's state. */
  cpus(): CpuInfo[] {
    return this.#k.s.cpus.map((c) => cpuInfo(this.#k, c.id));
  }

  /** Registered clockevent devices, in `clockevent_devices` order (head first), then released ones. */
  devices(): DeviceInfo[] {
    return deviceInfos(this.#k);
  }

  /**
   * Reads a sysfs/procfs file and returns its exact text.
   * @throws {RangeError} for a path hvtick does not model (or that does not exist on this VM) or a
   * write-only file.
   */
  read(path: string): string {
    const found = findFile(this.#k, path, "read");
    return found.file.read!(this.#k, found.cpu);
  }

  /**
   * Writes a sysfs file (`online`, `hotplug/target`, `hotplug/fail`, `unbind_device`, the tracefs
   * files), as `echo VALUE > PATH` does; `{ append: true }` as `echo VALUE >> PATH` (the open does
   * not truncate: `set_ftrace_filter` keeps its functions). A kernel refusal comes back as
   * `{ ok: false, errno }`.
   * @throws {RangeError} for an unknown or read-only path; `TypeError` for a value that is not a
   * string or a number, or options other than `append`; {@linkcode HangError} for a hotplug
   * write (`online`, `hotplug/target`) while the machine is hung; {@linkcode PoweredOffError} when
   * hibernated.
   */
  write(path: string, value: string | number, options: { append?: boolean } = {}): WriteResult {
    return runOperation(this.#t, echoOf(path, value, options));
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
    return pathKind(this.#k, path);
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
    return readDirectory(this.#k, path);
  }

  /**
   * The kernel config's timekeeping and hotplug lines, as `/boot/config-*` has them (its preset:
   * lib/kernels/configs.ts).
   *
   * @example
   * ```ts
   * import { vm } from "../../mod.ts";
   * import assert from "node:assert/strict";
   * const m = vm().kernel("6.1").build();
   * assert.ok(m.kconfig().includes("CONFIG_HYPERV=m"));
   * assert.ok(m.kconfig().includes("CONFIG_HZ=250"));
   * ```
   */
  kconfig(): string[] {
    const c = this.#k.s.config;
    return kconfigLines(configFacts(c.kconfig, c.kernel)!, c.hz, c.hotplugStateControl);
  }

  /** The kernel log as `dmesg` prints it: `[seconds.micros] text` per line. */
  dmesg(): string {
    return stamped(dmesgView(this.#k.s));
  }

  /**
   * What the serial console printed: the records below `console_loglevel` (`quiet`: errors and
   * worse), stamped like `dmesg`; it outlives a restored image, which replaces the kernel log.
   */
  console(): string {
    return stamped(consoleView(this.#k.s));
  }

  /** Hangs and other problems seen so far, oldest first. */
  problems(): Problem[] {
    return structuredClone(this.#k.s.problems);
  }

  /** The whole machine state as plain, JSON-serialisable data (a deep copy). */
  snapshot(): MachineSnapshot {
    return structuredClone(plainState(withTrace(this.#k)));
  }

  /**
   * Replaces the machine state with a snapshot (from this or another machine), checked whole
   * first: a bad one changes nothing.
   * @throws {TypeError} when `snapshot` is not a hvtick machine snapshot or a part of it is of the
   * wrong type; {@linkcode RangeError} when a value is out of range or refers to nothing (the
   * message names where: `snapshot.cpus[2].tickDev`).
   */
  restore(snapshot: MachineState): this {
    this.#t.k = createKernel(checkSnapshot(snapshot, "snapshot"));
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
