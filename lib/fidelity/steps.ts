/**
 * What a rig log says happened, as a list of steps: the guest's actions (writes into sysfs,
 * module loads, sleeps, hotplug loops) in order, each reading it printed, and the uptime marks
 * that place them in time. The harness replays the actions on a model and compares every reading
 * (lib/fidelity/replay.ts).
 *
 * @module
 */

/** A reading the guest printed: which guest reader (lib/fidelity/guest.ts), its argument, its text. */
export interface ReadStep {
  /** Step kind. */
  readonly kind: "read";
  /** 1-based line of the reading's first line. */
  readonly line: number;
  /** The guest reader that printed it, e.g. `snap`, `states`, `tick_device`, `file`. */
  readonly reader: string;
  /** The reader's argument (a CPU, a path, a line count), or "". */
  readonly arg: string;
  /** The text printed, line by line. */
  readonly text: readonly string[];
}

/** A write into a file (`echo VALUE > PATH`) and what the shell reported. */
export interface WriteStep {
  /** Step kind. */
  readonly kind: "write";
  /** 1-based line of the command. */
  readonly line: number;
  /** The file. */
  readonly path: string;
  /** The value written (without echo's newline). */
  readonly value: string;
  /** Exit status, or null when the log does not print it (or the guest crashed first). */
  readonly rc: number | null;
  /** The shell's stderr, e.g. `sh: write error: Resource temporarily unavailable` ("" on success). */
  readonly err: string;
  /** Written with `>>` (the open does not truncate). */
  readonly append?: boolean;
}

/** A kernel module load by `insmod` and its exit status. */
export interface InsmodStep {
  /** Step kind. */
  readonly kind: "insmod";
  /** 1-based line. */
  readonly line: number;
  /** The module name, e.g. `hv_vmbus`. */
  readonly module: string;
  /** Exit status (137: the task was killed by an oops), or null when not printed. */
  readonly rc: number | null;
  /** How long it took, centiseconds, when printed. */
  readonly elapsedCs?: number;
}

/** Offline+online cycles of one CPU (lib.sh `cycle_cpu`), with the number of failed writes. */
export interface CyclesStep {
  /** Step kind. */
  readonly kind: "cycles";
  /** 1-based line. */
  readonly line: number;
  /** The CPU. */
  readonly cpu: number;
  /** Cycles run. */
  readonly count: number;
  /** Writes that failed. */
  readonly failures: number;
}

/** Guest uptime at this point, in centiseconds (`/proc/uptime`). */
export interface TimeStep {
  /** Step kind. */
  readonly kind: "time";
  /** 1-based line. */
  readonly line: number;
  /** Uptime, centiseconds. */
  readonly cs: number;
}

/** Raw kernel console lines: an oops or panic printed while an action ran. */
export interface ConsoleStep {
  /** Step kind. */
  readonly kind: "console";
  /** 1-based line of the first console line. */
  readonly line: number;
  /** The lines, verbatim. */
  readonly text: readonly string[];
}

/** Anything else the guest did that changes the machine: `swapon`, the ftrace setup. */
export interface ActionStep {
  /** Step kind. */
  readonly kind: "action";
  /** 1-based line. */
  readonly line: number;
  /** What, e.g. `swapon`, `trace_filter`, `trace_on`, `trace_off`, `trace_clear`. */
  readonly action: string;
  /** Its argument. */
  readonly arg: string;
  /** Its exit status, when the log prints one. */
  readonly rc?: number;
}

/** One step of a log. */
export type Step =
  | ReadStep
  | WriteStep
  | InsmodStep
  | CyclesStep
  | TimeStep
  | ConsoleStep
  | ActionStep;
