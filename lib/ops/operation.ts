/**
 * What an operation is: the data a script line says (`Operation`), what each kind returns, and
 * the shape of a row of the operation table (lib/ops/operations.ts) — grammar, parse and format,
 * the checks and the guard, what it does and its result.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { MachineConfig } from "../engine/config.ts";
import type { Grammar, Parsed } from "./grammar.ts";
import type {
  AdvanceResult,
  HotplugResult,
  KdumpResult,
  KexecResult,
  ModprobeResult,
  PowerResult,
  RaceResult,
  ResetResult,
  SwaponResult,
  WriteResult,
} from "./results.ts";

/**
 * One operation, as data: what a script line says.
 *
 * @example
 * ```ts
 * import { formatOperation, parseOperation } from "./operations.ts";
 * import type { Operation } from "./operation.ts";
 * import assert from "node:assert/strict";
 * const op: Operation = parseOperation("advance 10ms");
 * assert.deepEqual(op, { kind: "advance", ns: 10_000_000 });
 * assert.equal(formatOperation({ kind: "offline", cpu: 2 }), "offline 2");
 * ```
 */
export type Operation =
  | { readonly kind: "online"; readonly cpu: number }
  | { readonly kind: "offline"; readonly cpu: number }
  | { readonly kind: "advance"; readonly ns: number }
  | { readonly kind: "hibernate" }
  | { readonly kind: "resume" }
  | { readonly kind: "reset" }
  | { readonly kind: "kexec" }
  | { readonly kind: "kdump" }
  | { readonly kind: "race"; readonly side: "sleeps" | "passes" }
  | {
    readonly kind: "echo";
    readonly value: string;
    readonly path: string;
    /** `>>`: open without truncating (`set_ftrace_filter` keeps what it has). */
    readonly append?: boolean;
  }
  | { readonly kind: "modprobe"; readonly module: string }
  | { readonly kind: "swapon"; readonly device: string }
  | { readonly kind: "poweroff" }
  | {
    readonly kind: "poweron";
    /** Boot another configuration of the same VM (a `poweron` line boots the same one). */
    readonly config?: MachineConfig;
  };

/** An operation's kind: the word its line starts with. */
export type OperationName = Operation["kind"];

/** The result of each kind of operation. */
export interface OperationResults {
  /** `online`. */
  readonly online: HotplugResult;
  /** `offline`. */
  readonly offline: HotplugResult;
  /** `advance`. */
  readonly advance: AdvanceResult;
  /** `hibernate`. */
  readonly hibernate: PowerResult;
  /** `resume`. */
  readonly resume: PowerResult;
  /** `reset`. */
  readonly reset: ResetResult;
  /** `kexec`. */
  readonly kexec: KexecResult;
  /** `kdump`. */
  readonly kdump: KdumpResult;
  /** `race`. */
  readonly race: RaceResult;
  /** `echo`. */
  readonly echo: WriteResult;
  /** `modprobe`. */
  readonly modprobe: ModprobeResult;
  /** `swapon`. */
  readonly swapon: SwaponResult;
  /** `poweroff`. */
  readonly poweroff: ResetResult;
  /** `poweron`. */
  readonly poweron: ResetResult;
}

/** Any operation's result: every one has `ok` and a one-line `message`. */
export type OperationResult = OperationResults[OperationName];

/** The machine an operation runs on: its kernel, which `reset` replaces with a fresh boot. */
export interface Target {
  /** The kernel. */
  k: Kernel;
}

/** What a line is parsed against: the machine's CPU count, when there is a machine. */
export interface ParseContext {
  /** CPUs of the machine the line is for, or null when it is not known yet. */
  readonly cpus: number | null;
}

/**
 * Why an operation cannot run now, as the function that makes its error: the words (and the
 * error's stack) are made only when a refusal is reported, not each time exploration asks whether
 * a state allows an operation (most states refuse `resume`, a hibernated one nearly all).
 */
export type Refusal = () => Error;

/** One row of the table. */
export interface OperationSpec<O extends Operation = Operation, Raw = unknown> {
  /** Its kind, the first word of its line. */
  readonly kind: O["kind"];
  /** What it does, one line (help). */
  readonly summary: string;
  /** What its work grows with, when that is the machine's size or its argument (help). */
  readonly cost?: string;
  /** The words after its name. */
  readonly grammar: Grammar;
  /** Part of a scenario (a run from one boot): all but `reset`, which starts one over. */
  readonly inScenario: boolean;
  /**
   * The user's shell does it (a write, `modprobe`): a trace shows its kernel work in the shell's
   * task, on an online CPU other than the one the operation concerns.
   */
  readonly byShell?: boolean;
  /** The operation a line's words give. @throws {RangeError|SyntaxError} naming what is valid. */
  parse(p: Parsed, ctx: ParseContext): O;
  /** Its line. */
  format(op: O): string;
  /** Checks it against machine `k` (nothing runs). @throws {TypeError|RangeError} */
  check(k: Kernel, op: O): void;
  /**
   * Whether machine `k` cannot run it now (hung, powered off, not hibernated): null when it can,
   * else the {@linkcode Refusal} that makes the error saying why.
   */
  blocked(k: Kernel, op: O): Refusal | null;
  /** Runs it: what the kernel did, without building a result (exploration calls this). */
  apply(t: Target, op: O): Raw;
  /** Whether the kernel refused it before changing anything. */
  refused(raw: Raw): boolean;
  /** Its result. */
  result(k: Kernel, op: O, raw: Raw): OperationResults[O["kind"]];
  /** Its outcome in one line, for a scenario's record (default: the result's message). */
  describe?(op: O, result: OperationResults[O["kind"]]): string;
}
