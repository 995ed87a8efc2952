/**
 * hvtick: a faithful, deterministic simulator of Linux CPU hotplug and clockevent devices on
 * Hyper-V guests, before and after kernel commit 4df4cb9e99 ("x86/hyperv: Initialize clockevents
 * earlier in CPU onlining", Linux 5.5).
 *
 * @example
 * ```ts
 * import { vm } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().hyperv("2012R2").arch("x86_64").kernel("5.2").cpus(4).hz(250).build();
 * assert.equal(m.boundDevice(2), "Hyper-V clockevent");
 * m.offline(2);
 * assert.ok(m.trace.some((e) => e.cpu === 2 && e.type === "tick_setup_device" && e.device === "lapic"));
 * ```
 *
 * @module
 */

export { vm, VmBuilder, type VmOptions } from "./lib/api/builder.ts";
export {
  type CpuInfo,
  type DeviceInfo,
  type DirEntry,
  type HotplugResult,
  Machine,
  type PowerResult,
  type WriteResult,
} from "./lib/api/machine.ts";
export { paths } from "./lib/files/table.ts";
export { ConfigError, HangError, KernelError, PoweredOffError } from "./lib/util/errors.ts";
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
  KexecResult,
  ModprobeResult,
  RaceResult,
  ResetResult,
  SwaponResult,
} from "./lib/ops/results.ts";
export type { StepPoint } from "./lib/engine/observe.ts";
export { formatDuration, formatSeconds } from "./lib/util/duration.ts";
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
