/**
 * The shape of a kernel build's function-tracer facts (lib/kernels/ftrace_builds.ts,
 * ftrace_builds_rig.ts).
 *
 * @module
 */

/** One build's facts. */
export interface FtraceBuild {
  /** Traceable functions hvtick models, in address order. */
  readonly functions: readonly string[];
  /** Of those, `__init` code: traced during boot, gone after `free_initmem()`. */
  readonly init: readonly string[];
  /** Functions of modules (traceable while loaded; module text lies above the kernel's). */
  readonly modules: Readonly<Record<string, readonly string[]>>;
  /** Calls the compiler inlined, `callee@caller`: no entry for the callee at that call. */
  readonly inlined: readonly string[];
  /** Tail calls, `callee@caller`: the callee returns to the caller's caller. */
  readonly tail: readonly string[];
  /**
   * The PIDs boot gives the per-CPU kthreads: `cpuhp/0`, `cpuhp/1`, how many PIDs each further
   * CPU's threads take, and `migration/N`'s offset from `cpuhp/N`.
   */
  readonly kthreads: {
    readonly cpuhp0: number;
    readonly cpuhp1: number;
    readonly perCpu: number;
    readonly migration: number;
  };
  /**
   * The CPU0 worker that ran `work_on_cpu()` for an offline in the real traces (which pool worker
   * picks the item varies from run to run).
   */
  readonly kworker: { readonly comm: string; readonly pid: number };
  /**
   * `offset/size` of the functions an oops hvtick models prints (`name+offset/size`), where a
   * real oops of the build showed them.
   */
  readonly oopsSymbols: Readonly<Record<string, string>>;
}
