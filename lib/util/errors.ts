/**
 * Error types. Misuse of the API throws the built-in `TypeError`, `RangeError` or `SyntaxError`
 * (and {@linkcode ConfigError}, a `RangeError`, from `build()`); modelled kernel outcomes that
 * cannot be returned as an errno throw a {@linkcode KernelError}.
 *
 * @module
 */

import { ERRNO, type ErrnoName } from "./errno.ts";
import { arrayOf, integer, nullable, object, oneOf, readInput, string } from "./check.ts";

type Details = { cpu: number | null; state: number | null; errno: ErrnoName | null };

const MESSAGE = string();
const DETAILS = object<Details>({
  cpu: nullable(integer(0)),
  state: nullable(integer(0)),
  errno: nullable(oneOf(Object.keys(ERRNO) as ErrnoName[], "an errno name")),
}, "the details (cpu, state, errno)");
const PROBLEMS = arrayOf(string());

/**
 * A modelled kernel outcome: carries the CPU, the hotplug state and the errno name involved
 * (each `null` when it does not apply).
 *
 * @example
 * ```ts
 * import { KernelError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const error = new KernelError("CPU1 is stuck", { cpu: 1, state: 140, errno: null });
 * assert.equal(error.cpu, 1);
 * assert.ok(error instanceof Error);
 * ```
 */
export class KernelError extends Error {
  /** The CPU the outcome concerns, or null. */
  readonly cpu: number | null;
  /** The hotplug state number involved, or null. */
  readonly state: number | null;
  /** The errno name, or null when the kernel returns none (a hang never returns). */
  readonly errno: ErrnoName | null;

  /**
   * Creates the error; `details` says which CPU, state and errno it concerns.
   * @throws {TypeError|RangeError} for a message that is not a string or bad details.
   */
  constructor(message: string, details: Details) {
    const d = DETAILS(readInput(details, "details"), "details");
    super(MESSAGE(message, "message"));
    this.name = "KernelError";
    this.cpu = d.cpu;
    this.state = d.state;
    this.errno = d.errno;
  }
}

/**
 * The machine is hung (a modelled hang): it refuses further hotplug and power operations until
 * `reset()`; time can still be advanced and the machine inspected.
 *
 * @example
 * ```ts
 * import { HangError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const error = new HangError("hung", { cpu: 1, state: 140, errno: null });
 * assert.equal(error.name, "HangError");
 * ```
 */
export class HangError extends KernelError {
  /** Creates the error. @throws {TypeError|RangeError} as {@linkcode KernelError} does. */
  constructor(message: string, details: Details) {
    super(message, details);
    this.name = "HangError";
  }
}

/**
 * The guest is powered off (hibernated): only `resume()`, `reset()`, `advance()` and inspection
 * are possible.
 *
 * @example
 * ```ts
 * import { PoweredOffError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.ok(new PoweredOffError("off") instanceof Error);
 * ```
 */
export class PoweredOffError extends KernelError {
  /** Creates the error. @throws {TypeError} for a message that is not a string. */
  constructor(message: string) {
    super(message, { cpu: null, state: null, errno: null });
    this.name = "PoweredOffError";
  }
}

/**
 * `build()` found problems in the configuration; `problems` lists every one of them.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const error = new ConfigError(["cpus: 0 is out of range"]);
 * assert.ok(error instanceof RangeError);
 * assert.deepEqual(error.problems, ["cpus: 0 is out of range"]);
 * ```
 */
export class ConfigError extends RangeError {
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[];

  /**
   * Creates the error from the list of problems.
   * @throws {TypeError} for problems that are not an array of strings.
   */
  constructor(problems: readonly string[]) {
    problems = PROBLEMS(readInput(problems, "problems"), "problems");
    super(
      `Invalid VM configuration (${problems.length} problem${
        problems.length === 1 ? "" : "s"
      }):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = [...problems];
  }
}
