/**
 * What exploration can do to a machine, as one table: per kind, the concrete operations a state
 * allows, how each runs (through the same kernel functions as `Machine`), its label, and the REPL
 * lines that replay it.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { deviceOnline, hotpluggable } from "../hotplug/device.ts";
import { advanceTo } from "../time/advance.ts";
import { hibernate, resume } from "../hotplug/power.ts";
import type { Step } from "../engine/kernel.ts";
import { isAtomic } from "../engine/line.ts";
import { writeCpuhpFail } from "../hotplug/sysfs.ts";
import { formatDuration } from "../util/duration.ts";

/** The operation kinds, as `--ops` names them. */
export const OPERATION_KINDS = ["online", "offline", "advance", "hibernate", "fail"] as const;

/** One operation kind. */
export type OperationKind = typeof OPERATION_KINDS[number];

/**
 * One concrete operation. `fail` arms a failure at `state` (`hotplug/fail`) and runs the CPU's
 * next hotplug operation (`offline` when online, else `online`); `hibernate` resumes instead when
 * the machine is hibernated.
 */
export interface Operation {
  /** Its kind. */
  readonly kind: OperationKind;
  /** The CPU, for online, offline and fail. */
  readonly cpu?: number;
  /** The state a failure is injected at, for fail. */
  readonly state?: number;
  /** For fail and hibernate: which direction ran ("online"/"offline", "hibernate"/"resume"). */
  readonly action?: "online" | "offline" | "hibernate" | "resume";
  /**
   * Set before running it: how the `kthread_park()` race resolves (`Machine.parkRace`). The
   * search tries the other side whenever an operation reaches the race.
   */
  readonly race?: "sleeps" | "passes";
}

interface OperationSpec {
  readonly kind: OperationKind;
  /** The operations this state allows (a hung machine allows none). */
  enabled(k: Kernel): Operation[];
  /** Runs it; false when the kernel refused before changing anything. */
  apply(k: Kernel, op: Operation): boolean;
  /** REPL lines that replay it. */
  script(k: Kernel, op: Operation): string[];
}

const CPU_DIR = "/sys/devices/system/cpu";

function cpusWhere(k: Kernel, pick: (cpu: number) => boolean): number[] {
  const out: number[] = [];
  for (const c of k.s.cpus) if (pick(c.id)) out.push(c.id);
  return out;
}

// States a failure can be injected at for a walk in one direction (cpu.c write_cpuhp_fail), per
// step table: it is the same for every state a search expands.
const FAILABLE = new WeakMap<readonly Step[], { up: number[]; down: number[] }>();
function failable(k: Kernel, down: boolean): number[] {
  let found = FAILABLE.get(k.steps);
  if (!found) {
    found = { up: [], down: [] };
    for (let state = 1; state < k.steps.length; state++) {
      const step = k.steps[state];
      if (isAtomic(k.line, state) || step.name === null) continue;
      if (step.startup) found.up.push(state);
      if (step.teardown) found.down.push(state);
    }
    FAILABLE.set(k.steps, found);
  }
  return down ? found.down : found.up;
}

const on = (k: Kernel) => k.s.power === "on" && k.s.hang === null;

/** The operation table. */
export const OPERATIONS: readonly OperationSpec[] = [
  {
    kind: "online",
    enabled: (k) =>
      on(k)
        ? cpusWhere(k, (c) => k.s.cpus[c].devOffline).map((cpu) => ({ kind: "online", cpu }))
        : [],
    apply: (k, op) => (deviceOnline(k, op.cpu!, true), true),
    script: (_k, op) => [`online ${op.cpu}`],
  },
  {
    kind: "offline",
    enabled: (k) =>
      on(k)
        ? cpusWhere(k, (c) => !k.s.cpus[c].devOffline && hotpluggable(k, c)).map((cpu) => ({
          kind: "offline",
          cpu,
        }))
        : [],
    apply: (k, op) => (deviceOnline(k, op.cpu!, false), true),
    script: (_k, op) => [`offline ${op.cpu}`],
  },
  {
    kind: "advance",
    // One tick: the smallest step after which something can differ.
    enabled: (k) => (k.s.hang === null ? [{ kind: "advance" }] : []),
    apply: (k) => (advanceTo(k, k.s.now + k.period), true),
    script: (k) => [`advance ${formatDuration(k.period)}`],
  },
  {
    kind: "hibernate",
    enabled: (k) =>
      k.s.hang !== null
        ? []
        : k.s.power === "hibernated"
        ? [{ kind: "hibernate", action: "resume" }]
        : [{ kind: "hibernate", action: "hibernate" }],
    apply: (k, op) => {
      if (op.action === "resume") resume(k, k.s.now);
      else hibernate(k);
      return true;
    },
    script: (_k, op) => [op.action!],
  },
  {
    kind: "fail",
    enabled: (k) => {
      if (!on(k)) return [];
      const ops: Operation[] = [];
      for (const c of k.s.cpus) {
        const down = !c.devOffline;
        if (down && !hotpluggable(k, c.id)) continue;
        for (const state of failable(k, down)) {
          ops.push({ kind: "fail", cpu: c.id, state, action: down ? "offline" : "online" });
        }
      }
      return ops;
    },
    apply: (k, op) => {
      const armed = writeCpuhpFail(k, op.cpu!, String(op.state));
      if (armed.ret !== 0) return false;
      deviceOnline(k, op.cpu!, op.action === "online");
      return true;
    },
    script: (_k, op) => [
      `echo ${op.state} > ${CPU_DIR}/cpu${op.cpu}/hotplug/fail`,
      `${op.action} ${op.cpu}`,
    ],
  },
];

/** The REPL lines that replay an operation. */
export function operationScript(k: Kernel, op: Operation): string[] {
  const lines = spec(op.kind).script(k, op);
  return op.race ? [`race ${op.race}`, ...lines] : lines;
}

/** Runs an operation (setting the race first when it says); false when refused. */
export function applyOperation(k: Kernel, op: Operation): boolean {
  if (op.race === "passes") k.s.parkRace = "passes";
  else if (op.race === "sleeps") delete k.s.parkRace;
  return spec(op.kind).apply(k, op);
}

/** The table row of a kind. */
export function spec(kind: OperationKind): OperationSpec {
  return OPERATIONS.find((o) => o.kind === kind)!;
}
