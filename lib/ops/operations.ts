/**
 * The operations, as one table: everything that changes a machine (online, offline, advance,
 * hibernate, resume, reset, race, echo), each defined once — its grammar (the words of its line),
 * how a line parses into it and how it is written back, what it is checked against before it
 * runs, what stops a machine from running it, what it does, and its result. The `Machine` facade,
 * the REPL, scenarios, exploration, recordings and scripts all go through this table; adding an
 * operation is adding an entry here (and its tests).
 *
 * @module
 */

import { integer, nullable, object, readInput, show } from "../util/check.ts";
import { checkOperation } from "./operation_check.ts";
import { runSpec } from "./run_row.ts";
import { formatDuration, parseDuration } from "../util/duration.ts";
import { cpuWord, parseWords } from "./grammar.ts";
import { shellWord, words } from "./lexer.ts";
import { excerpt } from "../util/excerpt.ts";
import { deviceOnline, type Outcome } from "../hotplug/device.ts";
import { HIBERNATE, POWEROFF, POWERON, RESUME, SWAPON } from "./power_operations.ts";
import { KEXEC } from "./kexec_operation.ts";
import { KDUMP } from "./kdump_operation.ts";
import { lookup } from "../files/table.ts";
import { findFile } from "../files/lookup.ts";
import type { WriteOutcome } from "../hotplug/sysfs.ts";
import { advanceTo } from "../time/advance.ts";
import { hungTaskReportsBetween } from "../hotplug/hung_task.ts";
import { printHangReport } from "../hotplug/hang_report.ts";
import { rcuStallReportsBetween } from "../hotplug/rcu_stall.ts";
import { ktime } from "../engine/kernel.ts";
import { boot } from "../machine/boot.ts";
import { checkCpu } from "../machine/info.ts";
import { loadModule, MODULE_NAMES, type ModuleLoad } from "../machine/modules.ts";
import { didYouMean } from "../util/hint.ts";
import { writeReason } from "../hotplug/reasons.ts";
import { kstrtobool, kstrtoint } from "../util/kstrtox.ts";
import {
  type AdvanceResult,
  advanceResult,
  hotplugResult,
  isRunning,
  modprobeResult,
  notRunning,
  writeResult,
} from "./results.ts";
import type {
  Operation,
  OperationName,
  OperationResults,
  OperationSpec,
  ParseContext,
  Target,
} from "./operation.ts";

export { concernedCpu } from "./run_row.ts";
export type {
  Operation,
  OperationName,
  OperationResult,
  OperationResults,
  OperationSpec,
  ParseContext,
  Target,
} from "./operation.ts";

type Of<K extends OperationName> = Extract<Operation, { kind: K }>;

const never = () => false;

type CpuOp = Of<"online"> | Of<"offline">;

/** `online N` / `offline N`: one row each, the device core's `online` file. */
function hotplug(kind: CpuOp["kind"], summary: string): OperationSpec<CpuOp, Outcome> {
  return {
    kind,
    summary,
    grammar: { positionals: [{ name: "CPU", complete: "cpu" }] },
    inScenario: true,
    byShell: true,
    parse: (p, ctx) => ({ kind, cpu: cpuWord(p.positionals[0], ctx.cpus) }),
    format: (op) => `${kind} ${op.cpu}`,
    check: (k, op) => checkCpu(k, op.cpu),
    // Its words only for a refusal: built on every operation they would cost it a string.
    blocked: (k, op) => isRunning(k) ? null : () => notRunning(k, `${kind} CPU${op.cpu}`)!,
    apply: (t, op) => deviceOnline(t.k, op.cpu, kind === "online"),
    refused: never,
    result: (k, op, out) => hotplugResult(k, kind, op.cpu, out),
  };
}

const ADVANCE: OperationSpec<Of<"advance">, AdvanceResult> = {
  kind: "advance",
  summary: "advance simulated time (e.g. 10ms, 1.5us, 2s; Ctrl-C stops a long one)",
  cost:
    "runs every tick and timer in the interval (time grows with the online CPUs; with the duration too when ticks are traced or observed)",
  grammar: { positionals: [{ name: "DURATION" }] },
  inScenario: true,
  parse: (p) => ({ kind: "advance", ns: parseDuration(p.positionals[0]) }),
  format: (op) => `advance ${formatDuration(op.ns)}`,
  check(k, op) {
    parseDuration(op.ns);
    if (!Number.isSafeInteger(k.s.now + op.ns)) {
      throw new RangeError(`Cannot advance by ${op.ns} ns: simulation time would exceed 2^53 ns`);
    }
  },
  // Time passes whatever the machine's state (a hung machine's other CPUs keep ticking).
  blocked: () => null,
  apply(t, op) {
    const from = t.k.s.now;
    let interrupts = 0;
    // After a hang the detectors' reports are printed at their instants on the way.
    const lag = from - ktime(t.k);
    const window = [ktime(t.k), ktime(t.k) + op.ns] as const;
    const reports = [
      ...hungTaskReportsBetween(t.k, ...window),
      ...rcuStallReportsBetween(t.k, ...window),
    ].sort((a, b) => a.time - b.time);
    for (const report of reports) {
      interrupts += advanceTo(t.k, report.time + lag);
      printHangReport(t.k, report);
    }
    interrupts += advanceTo(t.k, from + op.ns);
    return advanceResult(from, t.k.s.now, interrupts);
  },
  refused: never,
  result: (_k, _op, r) => r,
};

const RESET: OperationSpec<Of<"reset">> = {
  kind: "reset",
  summary: "reboot the VM (same configuration)",
  cost: "boots every vCPU again",
  grammar: {},
  inScenario: false,
  parse: () => ({ kind: "reset" }),
  format: () => "reset",
  check: () => {},
  blocked: () => null,
  apply(t) {
    t.k = boot(t.k.s.config);
  },
  refused: never,
  result: () => ({ ok: true, message: "rebooted" }),
};

const SIDES = ["sleeps", "passes"] as const;

const RACE: OperationSpec<Of<"race">> = {
  kind: "race",
  summary: "how the kthread_park() race resolves on a CPU without a tick: sleeps (hang) or passes",
  grammar: { positionals: [{ name: "OUTCOME", complete: SIDES }] },
  inScenario: true,
  parse(p) {
    const side = p.positionals[0];
    if (side !== "sleeps" && side !== "passes") {
      throw new RangeError(`invalid outcome ${JSON.stringify(side)}: expected sleeps or passes`);
    }
    return { kind: "race", side };
  },
  format: (op) => `race ${op.side}`,
  check(_k, op) {
    if (!(SIDES as readonly unknown[]).includes(op.side)) {
      throw new TypeError(
        `Invalid parkRace ${show(op.side)}: expected "sleeps" or "passes"`,
      );
    }
  },
  blocked: () => null,
  apply(t, op) {
    // Absent means "sleeps", the default: fingerprints of machines that never raced stay as they were.
    if (op.side === "passes") t.k.s.parkRace = "passes";
    else delete t.k.s.parkRace;
  },
  refused: never,
  result: (_k, op) => ({ ok: true, side: op.side, message: `race ${op.side}` }),
};

/** Whether a write to `path` takes its CPU down (`online` 0, or a `hotplug/target` below it). */
function writesOffline(path: string, value: string, out: WriteOutcome): boolean {
  if (path.endsWith("/online")) return kstrtobool(value) === false;
  const target = kstrtoint(value);
  return path.endsWith("/hotplug/target") && typeof target === "number" &&
    out.outcome !== undefined && target < out.outcome.from;
}

const ECHO: OperationSpec<Of<"echo">, WriteOutcome> = {
  kind: "echo",
  summary: "write a sysfs file: echo VALUE > PATH (or >> PATH to append)",
  grammar: {
    positionals: [{ name: "VALUE" }, { name: ">" }, { name: "PATH", complete: "path" }],
  },
  inScenario: true,
  byShell: true,
  parse(p) {
    const to = p.positionals[1];
    if (to !== ">" && to !== ">>") {
      throw new RangeError(
        `expected echo VALUE > PATH or echo VALUE >> PATH, got ${
          JSON.stringify(excerpt(p.positionals.join(" ")))
        }`,
      );
    }
    // echo writes its argument and a newline.
    const op = { kind: "echo" as const, value: `${p.positionals[0]}\n`, path: p.positionals[2] };
    return to === ">>" ? { ...op, append: true } : op;
  },
  format: (op) =>
    `echo ${shellWord(op.value.replace(/\n$/, ""))} ${op.append ? ">>" : ">"} ${op.path}`,
  check(k, op) {
    findFile(k, op.path, "write");
    if (typeof op.value !== "string") {
      throw new TypeError(`Invalid value ${show(op.value)}: expected a string`);
    }
  },
  // A stuck hotplug operation holds cpu_add_remove_lock: only hotplug writes block behind it.
  blocked: (k, op) =>
    !isRunning(k) && (k.s.power !== "on" || lookup(k, op.path)!.file.hotplug)
      ? () => notRunning(k, `write ${op.path}`)!
      : null,
  apply(t, op) {
    const found = lookup(t.k, op.path)!;
    return found.file.write!(t.k, found.cpu, op.value, op.append ?? false);
  },
  refused: (out) => out.ret !== 0 && !out.outcome && !out.ran,
  result: (k, op, out) => {
    const cpu = lookup(k, op.path)?.cpu ?? -1;
    return writeResult(out, writeReason(k, cpu, writesOffline(op.path, op.value, out), out));
  },
  describe: (op, r) => r.ok ? `wrote ${op.value.replace(/\n$/, "")} to ${op.path}` : r.message,
};

const MODPROBE: OperationSpec<Of<"modprobe">, ModuleLoad> = {
  kind: "modprobe",
  summary: "load a kernel module: modprobe hv_vmbus (VMbus, when the config builds it as a module)",
  cost: "registers the module's hotplug states and runs their startups on every online CPU",
  grammar: { positionals: [{ name: "MODULE", complete: MODULE_NAMES }] },
  inScenario: true,
  byShell: true,
  parse: (p) => ({ kind: "modprobe", module: p.positionals[0] }),
  format: (op) => `modprobe ${op.module}`,
  check(_k, op) {
    if (typeof op.module !== "string" || !MODULE_NAMES.includes(op.module)) {
      const hint = typeof op.module === "string" ? didYouMean(op.module, MODULE_NAMES) : "";
      throw new RangeError(
        `Unknown module ${show(op.module)}${hint}; valid: ${MODULE_NAMES.join(", ")}`,
      );
    }
  },
  // cpuhp_setup_state() takes cpus_read_lock(), which a stuck hotplug operation holds.
  blocked: (k) => isRunning(k) ? null : () => notRunning(k, "modprobe")!,
  apply: (t, op) => loadModule(t.k, op.module),
  refused: (out) => out.ret !== 0,
  result: (k, op, out) => modprobeResult(k, op.module, out),
};

/** Every operation, by kind (the order is the order help and error messages list them in). */
export const OPERATIONS: { readonly [K in OperationName]: OperationSpec<Of<K>> } = {
  online: hotplug("online", "bring a CPU online (echo 1 > cpuN/online)") as OperationSpec<
    Of<"online">
  >,
  offline: hotplug("offline", "take a CPU offline (echo 0 > cpuN/online)") as OperationSpec<
    Of<"offline">
  >,
  advance: ADVANCE,
  hibernate: HIBERNATE,
  resume: RESUME,
  reset: RESET,
  kexec: KEXEC,
  kdump: KDUMP,
  race: RACE,
  echo: ECHO,
  modprobe: MODPROBE,
  swapon: SWAPON,
  poweroff: POWEROFF,
  poweron: POWERON,
};

const CONTEXT = object<ParseContext>({
  cpus: nullable(integer(1, Number.MAX_SAFE_INTEGER, "a CPU count (an integer ≥ 1)")),
}, "a parse context { cpus }");

/** The operation kinds, in table order. */
export const OPERATION_NAMES: readonly OperationName[] = Object.keys(OPERATIONS) as OperationName[];

/** The table row of a kind. @throws {TypeError} for something that is not an operation kind. */
export function specOf<K extends OperationName>(kind: K): OperationSpec<Of<K>> {
  const spec = (OPERATIONS as Record<string, OperationSpec>)[kind as string];
  if (!spec || !Object.hasOwn(OPERATIONS, kind)) {
    throw new TypeError(
      `Invalid operation kind ${show(kind)}: expected one of ${OPERATION_NAMES.join(", ")}`,
    );
  }
  return spec as unknown as OperationSpec<Of<K>>;
}

/**
 * Runs an operation on a machine: checked against it, refused with a thrown error when the
 * machine cannot run it now, then applied; the result says what the kernel did.
 * @throws {TypeError|RangeError} for an operation the machine cannot take (a CPU it lacks, a file
 * it does not have); {@linkcode HangError} / {@linkcode PoweredOffError} when hung or hibernated.
 */
export function runOperation<O extends Operation>(
  t: Target,
  op: O,
): OperationResults[O["kind"]] {
  if (!op || typeof op !== "object") {
    throw new TypeError(`Invalid operation ${show(op)}: expected an object with a kind`);
  }
  return runSpec(t, specOf(op.kind) as unknown as OperationSpec<O>, op);
}

/**
 * Its line, as a script or the REPL writes it.
 * @throws {TypeError|RangeError} for what is not an operation.
 */
export function formatOperation(op: Operation): string {
  const checked = checkOperation(op, "operation");
  return (specOf(checked.kind) as unknown as OperationSpec).format(checked);
}

/**
 * The operation a line says (`offline 2`, `advance 10ms`, `echo 170 > …/hotplug/fail`), parsed
 * with the REPL's words and grammar; `ctx.cpus` checks CPU numbers against a machine.
 *
 * @example
 * ```ts
 * import { parseOperation } from "./operations.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseOperation('echo "Hyper-V clockevent" > /x'), {
 *   kind: "echo",
 *   value: "Hyper-V clockevent\n",
 *   path: "/x",
 * });
 * assert.throws(() => parseOperation("frob 1"), /"frob" is not an operation; valid: online/);
 * ```
 * @throws {SyntaxError} for a line that is not an operation; {@linkcode RangeError} for bad
 * arguments, naming what is valid.
 */
export function parseOperation(line: string, ctx: ParseContext = { cpus: null }): Operation {
  ctx = CONTEXT(readInput(ctx, "ctx"), "ctx");
  if (typeof line !== "string") {
    throw new TypeError(`Invalid line ${show(line)}: expected a string`);
  }
  const argv = words(line);
  const spec = argv.length > 0 && Object.hasOwn(OPERATIONS, argv[0])
    ? OPERATIONS[argv[0] as OperationName] as unknown as OperationSpec
    : null;
  if (!spec) {
    throw new SyntaxError(
      `${JSON.stringify(excerpt(argv[0] ?? ""))} is not an operation; valid: ${
        OPERATION_NAMES.join(", ")
      }`,
    );
  }
  return spec.parse(parseWords(spec.kind, spec.grammar, argv.slice(1)), ctx);
}
