/**
 * Kernels for exploring: one boot per configuration, then a kernel per state that shares the
 * boot's tables (kernel line, step table) and has its own timer index, with history off.
 *
 * @module
 */

import { vm, VmBuilder, type VmOptions } from "../api/builder.ts";
import type { MachineConfig } from "../engine/config.ts";
import { keptKernel } from "../machine/booted.ts";
import { kernelOn } from "../machine/kernel.ts";
import { cloneState } from "./clone.ts";
import type { Kernel } from "../engine/kernel.ts";
import { checkOptions } from "../api/config_check.ts";
import { show } from "../util/check.ts";

/** A configuration as exploration takes it: a builder, or the builder's options. */
export type ConfigInput = VmBuilder | VmOptions;

/** A booted configuration: its validated config, the options as given, and the boot kernel. */
export interface Workspace {
  /** The validated configuration. */
  readonly config: MachineConfig;
  /** The options as given (for `vm` lines). */
  readonly options: VmOptions;
  /** A kernel on a copy of the booted state, history off. */
  readonly root: Kernel;
}

/**
 * The builder for a configuration input.
 * @throws {TypeError} for what is neither a builder nor an object of options of their kinds.
 */
export function builderOf(input: ConfigInput): VmBuilder {
  let builder: boolean;
  try {
    builder = input instanceof VmBuilder;
  } catch (e) {
    throw new TypeError(`config: it cannot be read (${(e as Error)?.message ?? show(e)})`);
  }
  return builder ? input as VmBuilder : vm(checkOptions(input, "config"));
}

/**
 * Validates and boots `input` (a configuration booted lately is not booted again: its root is a
 * copy of the same boot, lib/machine/booted.ts).
 *
 * @example
 * ```ts
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const a = workspace({ cpus: 2 }).root;
 * a.s.cpus[1].online = false;
 * const b = workspace({ cpus: 2 }).root;
 * assert.equal(b.s.cpus[1].online, true);
 * assert.equal(b.steps, a.steps);
 * ```
 * @throws {ConfigError} for a bad configuration.
 */
export function workspace(input: ConfigInput): Workspace {
  const builder = builderOf(input);
  const config = builder.config();
  const booted = keptKernel(config);
  return { config, options: builder.options(), root: kernelOn(booted, cloneState(booted.s)) };
}
