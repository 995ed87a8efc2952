/**
 * The errno values the modelled kernel paths return, with their Linux numbers and the
 * `strerror()` text a shell prints for them.
 *
 * @module
 */

/** One errno: Linux number (include/uapi/asm-generic/errno-base.h, errno.h) and strerror text. */
export interface ErrnoInfo {
  /** Linux errno number (positive). */
  readonly code: number;
  /** glibc `strerror()` text. */
  readonly text: string;
}

/** Errno table, keyed by name.  *
 * @example
 * ```ts
 * import { ERRNO } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(ERRNO.EBUSY.code, 16);
 * ```
 */
export const ERRNO = {
  EPERM: { code: 1, text: "Operation not permitted" },
  ENOENT: { code: 2, text: "No such file or directory" },
  EAGAIN: { code: 11, text: "Resource temporarily unavailable" },
  EBUSY: { code: 16, text: "Device or resource busy" },
  EEXIST: { code: 17, text: "File exists" },
  ENODEV: { code: 19, text: "No such device" },
  EINVAL: { code: 22, text: "Invalid argument" },
  ENOSPC: { code: 28, text: "No space left on device" },
  ERANGE: { code: 34, text: "Numerical result out of range" },
  ENOSYS: { code: 38, text: "Function not implemented" },
  ETIME: { code: 62, text: "Timer expired" },
  EOPNOTSUPP: { code: 95, text: "Operation not supported" },
  ETIMEDOUT: { code: 110, text: "Connection timed out" },
  ECANCELED: { code: 125, text: "Operation canceled" },
} as const satisfies Record<string, ErrnoInfo>;

/** An errno name known to hvtick. */
export type ErrnoName = keyof typeof ERRNO;

/**
 * The errno numbers by name, for the model's return values: a kernel function that fails with
 * `-EBUSY` returns `-E.EBUSY` (derived from {@linkcode ERRNO}).
 *
 * @example
 * ```ts
 * import { E } from "./errno.ts";
 * import assert from "node:assert/strict";
 * assert.equal(-E.EBUSY, -16);
 * ```
 */
export const E: { readonly [N in ErrnoName]: (typeof ERRNO)[N]["code"] } = Object.freeze(
  Object.fromEntries(Object.entries(ERRNO).map(([name, info]) => [name, info.code])),
) as { readonly [N in ErrnoName]: (typeof ERRNO)[N]["code"] };

/**
 * Returns the errno name for a negative kernel return value, or `null` for 0.
 *
 * @example
 * ```ts
 * import { errnoName } from "./errno.ts";
 * import assert from "node:assert/strict";
 * assert.equal(errnoName(-16), "EBUSY");
 * assert.equal(errnoName(0), null);
 * ```
 */
export function errnoName(ret: number): ErrnoName | null {
  if (ret === 0) return null;
  for (const [name, info] of Object.entries(ERRNO)) {
    if (info.code === -ret) return name as ErrnoName;
  }
  throw new RangeError(`Unknown kernel return value ${ret}: expected 0 or a negative errno`);
}

/**
 * Returns the negative kernel return value for an errno name.
 *
 * @example
 * ```ts
 * import { errnoValue } from "./errno.ts";
 * import assert from "node:assert/strict";
 * assert.equal(errnoValue("EAGAIN"), -11);
 * ```
 */
export function errnoValue(name: ErrnoName): number {
  return -ERRNO[name].code;
}
