/**
 * Checking an {@linkcode Operation} that comes from outside (`Machine.run(op)`,
 * `formatOperation(op)`): a plain object of a kind, with exactly that kind's keys. What each key
 * may hold is the kind's row's `check` (lib/ops/operations.ts), against the machine.
 *
 * @module
 */

import type { Operation, OperationName } from "./operation.ts";
import type { MachineConfig } from "../engine/config.ts";
import {
  boolean,
  type Check,
  check,
  type Fields,
  integer,
  invalid,
  isPlainObject,
  listed,
  object,
  oneOf,
  optional,
  readInput,
  show,
  string,
} from "../util/check.ts";
import { didYouMean } from "../util/hint.ts";

type Of<K extends OperationName> = Extract<Operation, { kind: K }>;

const kind = <K extends OperationName>(k: K): Check<K> => oneOf([k] as const, "its kind");
const cpu = integer(0, Number.MAX_SAFE_INTEGER, "a CPU number (an integer from 0)");
const ns = integer(0, Number.MAX_SAFE_INTEGER, "a duration in ns (a non-negative integer)");
// A configuration is checked where configurations are (lib/api/config_check.ts).
const config = check<MachineConfig>("a machine configuration", (v, at) => {
  if (!isPlainObject(v)) invalid(at, v, "a machine configuration (an object)", "type");
  return v as unknown as MachineConfig;
});

/** Each kind's fields (the compiler holds each to its variant of `Operation`). */
const FIELDS: { readonly [K in OperationName]: Fields<Of<K>> } = {
  online: { kind: kind("online"), cpu },
  offline: { kind: kind("offline"), cpu },
  advance: { kind: kind("advance"), ns },
  hibernate: { kind: kind("hibernate") },
  resume: { kind: kind("resume") },
  reset: { kind: kind("reset") },
  kexec: { kind: kind("kexec") },
  kdump: { kind: kind("kdump") },
  race: { kind: kind("race"), side: oneOf(["sleeps", "passes"] as const, "a side") },
  echo: {
    kind: kind("echo"),
    value: string(),
    path: string(),
    append: optional(boolean),
  },
  modprobe: { kind: kind("modprobe"), module: string() },
  swapon: { kind: kind("swapon"), device: string() },
  poweroff: { kind: kind("poweroff") },
  poweron: { kind: kind("poweron"), config: optional(config) },
};

const CHECKS = Object.fromEntries(
  Object.entries(FIELDS).map(([k, f]) => [k, object(f as Fields<Operation>, `a ${k} operation`)]),
) as Readonly<Record<OperationName, Check<Operation>>>;

const KINDS = Object.keys(FIELDS) as OperationName[];

/**
 * An operation from outside, checked at `at` (its kind and its keys): a copy.
 *
 * @example
 * ```ts
 * import { checkOperation } from "./operation_check.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkOperation({ kind: "offline", cpu: 1 }, "operation"), { kind: "offline", cpu: 1 });
 * assert.throws(() => checkOperation({ kind: "ofline", cpu: 1 }, "operation"), /"ofline" is not an operation kind/);
 * assert.throws(() => checkOperation({ kind: "offline", cpus: 1 }, "operation"), /unknown key "cpus" \(did you mean "cpu"\?\)/);
 * assert.throws(() => checkOperation({ kind: "offline" }, "operation"), /operation.cpu is missing/);
 * ```
 * @throws {TypeError} for what is not an operation object or a key of the wrong kind;
 * {@linkcode RangeError} for an unknown kind or a value out of range.
 */
export function checkOperation(value: unknown, at: string): Operation {
  const op = readInput(value, at);
  if (!isPlainObject(op)) {
    throw new TypeError(
      `${at}: ${show(op)} is not an operation; valid: an object with a kind (${
        KINDS.join(", ")
      }) or a line such as "offline 1"`,
    );
  }
  const k = op.kind;
  if (typeof k !== "string" || !Object.hasOwn(FIELDS, k)) {
    const E = typeof k === "string" ? RangeError : TypeError;
    const hint = typeof k === "string" ? didYouMean(k, KINDS) : "";
    throw new E(`${at}.kind: ${show(k)} is not an operation kind${hint}; valid: ${listed(KINDS)}`);
  }
  return CHECKS[k as OperationName](op, at);
}

const WRITE_OPTIONS = object<{ append?: boolean }>({ append: optional(boolean) }, "write options");

/**
 * The `echo` operation of `Machine.write(path, value, options)`: the value a string, or a finite
 * number written as its digits; the path is the row's to check against the machine.
 *
 * @example
 * ```ts
 * import { echoOf } from "./operation_check.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(echoOf("/x", 1, { append: true }), { kind: "echo", path: "/x", value: "1", append: true });
 * assert.throws(() => echoOf("/x", NaN, {}), /value: NaN is not a string or a finite number/);
 * assert.throws(() => echoOf("/x", "1", { apend: true }), /did you mean "append"/);
 * ```
 * @throws {TypeError} for a value that is not a string or a finite number, or options other
 * than `append`.
 */
export function echoOf(path: string, value: unknown, options: unknown): Of<"echo"> {
  const { append } = WRITE_OPTIONS(readInput(options, "options"), "options");
  if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) {
    invalid("value", value, "a string or a finite number", "type");
  }
  const op = { kind: "echo" as const, path, value: String(value) };
  return append ? { ...op, append: true } : op;
}
