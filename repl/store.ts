/**
 * Saved sessions: versioned plain JSON holding the VM options and the command log, so loading
 * replays to the identical state (checked against the saved fingerprint). A file is checked
 * whole before anything is replayed: its fields and their types, the VM options (as `vm()`
 * validates them), each log line (an operation, never a `vm` line) and the fingerprint's form.
 *
 * @module
 */

import { ConfigError, type Machine, parseOperation, vm, type VmOptions } from "../mod.ts";
import { words } from "../lib/ops/lexer.ts";
import { excerpt } from "../lib/util/excerpt.ts";
import { didYouMean } from "../lib/util/hint.ts";
import { type Context, ReplError, type Shell } from "./command.ts";

/** The format tag this version writes and reads. */
// 2: the model gained the fixed-number hotplug states of other subsystems, so a session written
// as 1 would replay to another state (its fingerprint check would fail); it is refused by version.
// 3: the kernel releases became exact (5.10.262, 6.1.192, 6.12.117), the config gained the kernel
// config preset, the host platform and timing, and the registrants their :online halves.
// 4: tracing (the config's shell, the tracefs files, the boot options ftrace=…).
// 5: VMbus's per-CPU init work and the registrants' order by the builds' initcall tables (the
// config's synicFirst).
// 6: the config gained the memory, a virtio disk and swap at boot, and hibernation follows
// kernel/power/ step by step (the ACPI S4 steps, the image made before "Image created", syscore
// suspended at power-off): sessions of format 5 would replay to other states.
export const SESSION_FORMAT = "hvtick-session/6";

interface SessionFile {
  format: string;
  vm: VmOptions;
  log: string[];
  fingerprint: string;
}

const FIELDS: readonly (keyof SessionFile)[] = ["format", "vm", "log", "fingerprint"];

// Every option vm() takes (the compiler insists the list is complete), and the object-valued ones.
const VM_KEYS = Object.keys(
  {
    hyperv: 0,
    arch: 0,
    kernel: 0,
    generation: 0,
    cpus: 0,
    hz: 0,
    features: 0,
    vmbusChannels: 0,
    cpu0Hotplug: 0,
    hotplugStateControl: 0,
    traceTicks: 0,
    traceBuffer: 0,
    kconfig: 0,
    modules: 0,
    vmbus: 0,
    vmbusMmio: 0,
    cmdline: 0,
    memory: 0,
    totalram: 0,
    virtioDisk: 0,
    swap: 0,
    shell: 0,
    synicFirst: 0,
    isolation: 0,
    timing: 0,
    preset: 0,
  } satisfies Record<keyof VmOptions, 0>,
);
const OBJECT_KEYS = ["features", "timing"];

/** The JSON text of a session. */
export function writeSession(session: Shell): string {
  const file: SessionFile = {
    format: SESSION_FORMAT,
    vm: session.options ?? {},
    log: [...session.log],
    fingerprint: session.machine!.fingerprint(),
  };
  return JSON.stringify(file, null, 2) + "\n";
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const shown = (v: unknown) => excerpt(JSON.stringify(v) ?? String(v));

/** The VM options of `file.vm`, checked as `vm()` checks them; returns the CPU count. */
function checkVm(options: unknown, name: string): number {
  if (!isObject(options)) {
    throw new SyntaxError(`${name}: "vm" must be an object of VM options, not ${shown(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (!VM_KEYS.includes(key)) {
      throw new SyntaxError(
        `${name}: "vm": unknown option ${shown(key)}${didYouMean(key, VM_KEYS)}; valid: ${
          VM_KEYS.join(", ")
        }`,
      );
    }
    if (OBJECT_KEYS.includes(key) && !isObject(value)) {
      throw new SyntaxError(`${name}: "vm": ${key} must be an object, not ${shown(value)}`);
    }
  }
  try {
    return vm(options as VmOptions).config().cpus;
  } catch (e) {
    // A value of the wrong kind is refused by the builder (a TypeError), a bad one by build().
    if (e instanceof TypeError) {
      throw new RangeError(
        `${name}: "vm" is not a valid VM: ${e.message.replace(/^options\./, "")}`,
      );
    }
    if (!(e instanceof ConfigError)) throw e;
    throw new RangeError(`${name}: "vm" is not a valid VM: ${e.problems.join("; ")}`);
  }
}

/** Each log line: a string that parses as an operation for `cpus` CPUs, never a `vm` line. */
function checkLog(log: unknown, name: string, cpus: number): string[] {
  if (!Array.isArray(log)) {
    throw new SyntaxError(`${name}: "log" must be an array of command lines, not ${shown(log)}`);
  }
  log.forEach((line, i) => {
    const at = `${name}: "log" line ${i + 1}`;
    if (typeof line !== "string") {
      throw new SyntaxError(`${at} must be a string (a command line), not ${shown(line)}`);
    }
    let first: string | undefined;
    try {
      first = words(line)[0];
    } catch (e) {
      throw new SyntaxError(`${at} (${shown(line)}): ${(e as Error).message}`);
    }
    if (first === "vm") {
      throw new RangeError(
        `${at} (${shown(line)}): a session's log holds no vm command; its VM is the "vm" field ` +
          "(a vm command starts a new session and its log)",
      );
    }
    try {
      parseOperation(line, { cpus });
    } catch (e) {
      const E = e instanceof SyntaxError ? SyntaxError : RangeError;
      throw new E(`${at} (${shown(line)}): ${(e as Error).message}`);
    }
  });
  return log;
}

/**
 * The session file `text` (named `name` in errors), checked whole: JSON with exactly the fields
 * format, vm, log and fingerprint; this version's format; VM options `vm()` accepts; a log of
 * operations (no `vm` line); a fingerprint of 16 hexadecimal digits.
 *
 * @example
 * ```ts
 * import { checkSession, SESSION_FORMAT } from "./store.ts";
 * import assert from "node:assert/strict";
 * const file = { format: SESSION_FORMAT, vm: { cpus: 2 }, log: ["offline 1"] };
 * assert.throws(() => checkSession(JSON.stringify(file), "s.json"), /s.json: no "fingerprint"/);
 * const vmLine = { ...file, log: ["vm --cpus 4"], fingerprint: "0123456789abcdef" };
 * assert.throws(() => checkSession(JSON.stringify(vmLine), "s.json"), /"log" line 1/);
 * ```
 * @throws {SyntaxError} for text that is not a session file or a field of the wrong type;
 * {@linkcode RangeError} for another version, invalid VM options or log lines.
 */
export function checkSession(text: string, name: string): SessionFile {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${name} is not a hvtick session file (${(e as Error).message})`);
  }
  if (!isObject(file) || typeof file.format !== "string") {
    throw new SyntaxError(`${name} is not a hvtick session file (no "format" field)`);
  }
  if (file.format !== SESSION_FORMAT) {
    throw new RangeError(
      `${name} was written as ${shown(file.format)}; this hvtick reads ${SESSION_FORMAT}`,
    );
  }
  for (const key of Object.keys(file)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new SyntaxError(
        `${name}: unknown field ${shown(key)}; a session file has ${FIELDS.join(", ")}`,
      );
    }
  }
  const cpus = checkVm(file.vm, name);
  checkLog(file.log, name, cpus);
  if (!("fingerprint" in file)) {
    throw new SyntaxError(
      `${name}: no "fingerprint" field; it is required (16 hexadecimal digits: the saved ` +
        "machine's, which the replay must reach)",
    );
  }
  if (typeof file.fingerprint !== "string" || !/^[0-9a-f]{16}$/.test(file.fingerprint)) {
    throw new SyntaxError(
      `${name}: "fingerprint" must be 16 hexadecimal digits, not ${shown(file.fingerprint)}`,
    );
  }
  return file as unknown as SessionFile;
}

/**
 * Rebuilds a session from saved JSON by replaying it into `replay`, a fresh session (the
 * caller's stays untouched on any error). The file is checked whole first
 * ({@linkcode checkSession}); the replay stops between commands, and inside a long `advance`,
 * when `ctx.signal` is aborted (Ctrl-C).
 *
 * @example
 * ```ts
 * import { readSession, writeSession } from "./store.ts";
 * import { Session } from "./session.ts";
 * import assert from "node:assert/strict";
 * const s = new Session();
 * await s.execute("vm --cpus 2");
 * await s.execute("offline 1");
 * const loaded = await readSession(writeSession(s), "s.json", new Session());
 * assert.equal(loaded.machine.fingerprint(), s.machine!.fingerprint());
 * assert.deepEqual(loaded.log, ["offline 1"]);
 * ```
 * @throws {SyntaxError} for text that is not a session file; {@linkcode RangeError} for another
 * version, invalid options or log lines, a failing replay or a fingerprint mismatch;
 * {@linkcode ReplError} when interrupted.
 */
export async function readSession(
  text: string,
  name: string,
  replay: Shell,
  ctx: Pick<Context, "signal" | "progress"> = {},
): Promise<{ machine: Machine; options: VmOptions; log: string[] }> {
  const file = checkSession(text, name);
  const { signal, progress } = ctx;
  const interrupted = (i: number) =>
    new ReplError(
      `${name}: interrupted at "log" line ${i + 1} of ${file.log.length} (${
        shown(file.log[i])
      }); the session is as it was`,
    );
  replay.boot(file.vm);
  let yielded = performance.now();
  for (const [i, line] of file.log.entries()) {
    if (signal) {
      // Lets Ctrl-C (and the progress line) through between commands.
      if (performance.now() - yielded > 20) {
        progress?.(i / file.log.length, `load ${name}: line ${i + 1} of ${file.log.length}`);
        await new Promise((r) => setTimeout(r, 0));
        yielded = performance.now();
      }
      if (signal.aborted) throw interrupted(i);
    }
    const out = await replay.execute(line, { signal, progress });
    if (signal?.aborted) throw interrupted(i);
    if (out.error && !out.result) {
      throw new RangeError(
        `${name}: "log" line ${i + 1}: replaying ${shown(line)} failed: ${out.text}`,
      );
    }
  }
  if (replay.machine!.fingerprint() !== file.fingerprint) {
    throw new RangeError(
      `${name}: the replayed state does not match the saved fingerprint (written by another hvtick version?)`,
    );
  }
  return { machine: replay.machine!, options: replay.options!, log: replay.log };
}
