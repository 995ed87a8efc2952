/**
 * hvtick: a faithful, deterministic simulator of Linux CPU hotplug and clockevent devices on
 * Hyper-V guests, before and after kernel commit 4df4cb9e99 ("x86/hyperv: Initialize clockevents
 * earlier in CPU onlining", Linux 5.5).
 *
 * Start with {@linkcode vm}: its {@linkcode VmBuilder} records options and `build()` checks them
 * all at once ({@linkcode ConfigError} lists every problem, with did-you-mean hints) and boots a
 * {@linkcode Machine}, every CPU online.
 *
 * - **Build**: `vm()` (or `vm(options)`, {@linkcode VmOptions}), then `.preset()`, `.hyperv()`,
 *   `.kernel()`, `.arch()`, `.kconfig()`, `.cpus()`, `.hz()`… and `.build()`. The names are
 *   literal unions of the tables, so editors complete them: {@linkcode KernelId}
 *   (`KERNEL_IDS`), {@linkcode HypervId}, {@linkcode ConfigId}, {@linkcode PresetId},
 *   {@linkcode Arch}. Each setter's parameter says its default.
 * - **Drive**: `offline(cpu)` / `online(cpu)` (results with the errno, the kernel's message and
 *   the tick device's changes step by step), `advance("10ms")`, `hibernate()` / `resume()`,
 *   `reset()`, `write(path, value)`, or any operation as a script writes it: `run(line)`.
 * - **Look**: `boundDevice(cpu)`, `cpus()`, `devices()`, `read(path)` (sysfs, procfs, tracefs),
 *   `dmesg()`, `trace`, `problems()`, `snapshot()` / `restore()`.
 * - **Search and compare**: {@linkcode explore} checks invariants over every operation sequence
 *   up to a depth; {@linkcode compare} runs one scenario on two configurations.
 * - **Pictures**: {@linkcode record} a scenario, then {@linkcode timelineSvg},
 *   {@linkcode reportHtml}, {@linkcode chromeTrace}, {@linkcode ftraceText}.
 *
 * What hangs in the modelled kernel is a result that says so and why; a hung guest then throws
 * {@linkcode HangError} for what it cannot do.
 *
 * @example A legacy host: the stimer is unbound at offline, the LAPIC takes over
 * ```ts
 * import { vm } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().hyperv("2012R2").arch("x86_64").kernel("5.2").cpus(4).hz(250).build();
 * assert.equal(m.boundDevice(2), "Hyper-V clockevent");
 * const r = m.offline(2);
 * assert.deepEqual(r.changes.map((c) => [c.stepName, c.device]), [
 *   ["hyperv/vmbus:online", "lapic"],
 *   ["cpu:teardown", null],
 * ]);
 * assert.ok(m.trace.some((e) => e.cpu === 2 && e.type === "tick_setup_device" && e.device === "lapic"));
 * m.advance("10ms");
 * assert.equal(m.write("/sys/devices/system/cpu/cpu2/online", "1").ok, true);
 * assert.equal(m.boundDevice(2), "Hyper-V clockevent");
 * ```
 *
 * @example Defaults, presets, and a hang with its reason
 * ```ts
 * import { vm } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const c = vm().config();
 * assert.deepEqual([c.hyperv, c.kernel, c.arch, c.cpus, c.hz], ["2019", "5.5", "x86_64", 4, 250]);
 * assert.equal(vm().preset("ubuntu-24.04-azure").config().kernel, "6.8");
 * const h = vm().hyperv("2019").kernel("5.4").cpus(4).build().hibernate();
 * assert.match(h.message, /^hibernate: HANG while taking CPU1 down/);
 * ```
 *
 * @module
 */

export { vm, VmBuilder, type VmOptions } from "./lib/api/builder.ts";
export type {
  ConfigId,
  HostId,
  HypervId,
  KernelId,
  PresetId,
  Suggested,
} from "./lib/engine/ids.ts";
export {
  type CpuInfo,
  type DeviceInfo,
  type DirEntry,
  type HotplugResult,
  Machine,
  type PowerResult,
  type WriteResult,
} from "./lib/api/machine.ts";
export { MachineControl } from "./lib/api/machine_control.ts";
export { paths } from "./lib/files/table.ts";
export { ConfigError, HangError, KernelError, PoweredOffError } from "./lib/util/errors.ts";
export { StoppedError, type StoppedWalk, type StopPoint } from "./lib/engine/stops.ts";
export type { RunUntilResult, Until } from "./lib/api/run_until.ts";
export {
  type Condition,
  CONDITION_KINDS,
  type ConditionKind,
  conditionText,
  parseCondition,
} from "./lib/api/conditions.ts";
export { parseDuration } from "./lib/util/duration.ts";
export type { BindingChange } from "./lib/hotplug/device.ts";
export type { HotplugReason, HotplugReasonCode } from "./lib/hotplug/reasons.ts";
export { CE_STATE, type CeState, FEAT } from "./lib/engine/state.ts";
export type {
  CpuState,
  DeviceState,
  FtraceEntry,
  FtraceState,
  Hang,
  LogRecord,
  MachineState,
  PmState,
  Problem,
  RegisteredStep,
} from "./lib/engine/state.ts";
export type { MachineSnapshot } from "./lib/time/device_form.ts";
export type {
  ClockeventEvent,
  CpuhpEnterEvent,
  CpuhpExitEvent,
  DoTimerEvent,
  HangEvent,
  TickEvent,
  TraceEvent,
  TraceEventBase,
} from "./lib/engine/trace.ts";
export { tracepointText } from "./lib/engine/trace.ts";
export {
  type Arch,
  ARCHES,
  type Features,
  type GuestFeatures,
  type Hz,
  HZ_VALUES,
  type MachineConfig,
  type Platform,
} from "./lib/engine/config.ts";
export { ERRNO, type ErrnoInfo, type ErrnoName } from "./lib/util/errno.ts";
export { type Refusal, type RefusalId, REFUSALS } from "./lib/util/refusals.ts";
export {
  type HostFeatures,
  HOSTS,
  type HostVersion,
  HYPERV_IDS,
} from "./lib/platform/hyperv/hosts.ts";
export { KERNEL_IDS, RELEASE_VERSIONS } from "./lib/kernels/lines.ts";
export {
  CONFIG_IDS,
  CONFIG_PRESETS,
  type ConfigFacts,
  type ConfigPreset,
} from "./lib/kernels/configs.ts";
export {
  PRESET_IDS,
  type PresetOptions,
  VM_PRESETS,
  type VmPreset,
} from "./lib/kernels/presets.ts";
export {
  exploration,
  explore,
  type ExploreOptions,
  type ExploreProgress,
  type ExploreResult,
  type InvariantVerdict,
  type Violation,
  type ViolationStep,
} from "./lib/explore/search.ts";
export {
  type CustomInvariant,
  INVARIANT_INFO,
  INVARIANT_NAMES,
  type InvariantInfo,
} from "./lib/explore/invariants.ts";
export { OPERATION_KINDS, type OperationKind } from "./lib/ops/moves.ts";
// Installs the invariant check of `violation` stop conditions (lib/api/conditions.ts).
import "./lib/explore/violations.ts";
export {
  formatOperation,
  type Operation,
  OPERATION_NAMES,
  type OperationName,
  type OperationResult,
  type OperationResults,
  type ParseContext,
  parseOperation,
} from "./lib/ops/operations.ts";
export type {
  AdvanceResult,
  KdumpResult,
  KexecResult,
  ModprobeResult,
  RaceResult,
  ResetResult,
  SwaponResult,
} from "./lib/ops/results.ts";
export type { Observer, StepPoint } from "./lib/engine/observe.ts";
export { formatDuration, formatSeconds, formatTime } from "./lib/util/duration.ts";
export {
  type CpuStateName,
  deviceChange,
  type OperationRecord,
  parseScenario,
  runScenario,
  type ScenarioOptions,
  type ScenarioProgress,
  type ScenarioRun,
  scenarioRun,
  type StepRecord,
} from "./lib/explore/scenario.ts";
export {
  type DeviceSpan,
  type Lane,
  type Mark,
  record,
  type Recording,
  recording,
  type Transition,
  type Walk,
  type WalkChange,
} from "./lib/timeline/record.ts";
export { type TimelineOptions, timelineSvg } from "./lib/timeline/svg.ts";
export { compareSvg } from "./lib/timeline/compare_svg.ts";
export {
  type ChromeEvent,
  type ChromeTrace,
  chromeTrace,
  chromeTraceJson,
} from "./lib/timeline/chrome.ts";
export { ftraceText } from "./lib/timeline/ftrace.ts";
export { reportHtml } from "./lib/timeline/report.ts";
export { compare, compareRuns, type Comparison, type Divergence } from "./lib/explore/compare.ts";
export { type SymmetryCheck, verifySymmetry } from "./lib/explore/symmetry_check.ts";
export {
  sweep,
  type SweepAxes,
  type SweepRow,
  type SweepSearch,
  type SweepTable,
} from "./lib/explore/sweep.ts";
export { sweepMerge } from "./lib/explore/sweep_merge.ts";
export type { ConfigInput } from "./lib/explore/workspace.ts";
