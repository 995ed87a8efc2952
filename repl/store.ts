/**
 * Saved sessions: versioned plain JSON holding the VM options and the command log, so loading
 * replays to the identical state (checked against the saved fingerprint).
 *
 * @module
 */

import type { Machine, VmOptions } from "../mod.ts";
import type { Shell } from "./command.ts";

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

/**
 * Rebuilds a session from saved JSON by replaying it into `replay`, a fresh session (the
 * caller's stays untouched on any error).
 * @throws {SyntaxError} for text that is not a session file; {@linkcode RangeError} for another
 * version, a failing replay or a fingerprint mismatch.
 */
export async function readSession(
  text: string,
  name: string,
  replay: Shell,
): Promise<{ machine: Machine; options: VmOptions; log: string[] }> {
  let file: SessionFile;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${name} is not a hvtick session file (${(e as Error).message})`);
  }
  if (!file || typeof file !== "object" || typeof file.format !== "string") {
    throw new SyntaxError(`${name} is not a hvtick session file (no "format" field)`);
  }
  if (file.format !== SESSION_FORMAT) {
    throw new RangeError(
      `${name} was written as ${JSON.stringify(file.format)}; this hvtick reads ${SESSION_FORMAT}`,
    );
  }
  if (
    !Array.isArray(file.log) || file.log.some((l) => typeof l !== "string") ||
    typeof file.vm !== "object"
  ) {
    throw new SyntaxError(`${name} is not a hvtick session file (bad "vm" or "log")`);
  }
  replay.boot(file.vm);
  for (const line of file.log) {
    const out = await replay.execute(line);
    if (out.error && !out.result) {
      throw new RangeError(`${name}: replaying ${JSON.stringify(line)} failed: ${out.text}`);
    }
  }
  if (typeof file.fingerprint === "string" && replay.machine!.fingerprint() !== file.fingerprint) {
    throw new RangeError(
      `${name}: the replayed state does not match the saved fingerprint (written by another hvtick version?)`,
    );
  }
  return { machine: replay.machine!, options: file.vm, log: replay.log };
}
