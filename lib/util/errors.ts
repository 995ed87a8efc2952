/**
 * Error types. Misuse of the API throws the built-in `TypeError`, `RangeError` or `SyntaxError`
 * (and {@linkcode ConfigError}, a `RangeError`, from `build()`); modelled kernel outcomes that
 * cannot be returned as an errno throw a {@linkcode KernelError}.
 *
 * @module
 */

import type { ErrnoName } from "./errno.ts";

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

  /** Creates the error; `details` says which CPU, state and errno it concerns. */
  constructor(
    message: string,
    details: { cpu: number | null; state: number | null; errno: ErrnoName | null },
  ) {
    super(message);
    this.name = "KernelError";
    this.cpu = details.cpu;
    this.state = details.state;
    this.errno = details.errno;
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
  /** Creates the error. */
  constructor(
    message: string,
    details: { cpu: number | null; state: number | null; errno: ErrnoName | null },
  ) {
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
  /** Creates the error. */
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

  /** Creates the error from the list of problems. */
  constructor(problems: readonly string[]) {
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
