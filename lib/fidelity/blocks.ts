/**
 * The rig's console logs as blocks: every `===== HEADER =====` line opens one, and the empty
 * line before a header is a separator that belongs to no block (rig/README.md, "ops.sh log
 * format"; lib.sh `hdr` prints it). Line numbers are 1-based, as an editor shows them.
 *
 * @module
 */

/** One block of a log: its header (null for the lines before the first header) and body. */
export interface Block {
  /** The text between `===== ` and ` =====`, or null for the preamble. */
  readonly header: string | null;
  /** Line number of the header (0 for the preamble). */
  readonly line: number;
  /** The body lines, without the separator. */
  readonly body: readonly string[];
}

/** A log line the harness could not read: which file and line, and what it expected there. */
export class LogFormatError extends SyntaxError {
  /** The file, as given. */
  readonly file: string;
  /** 1-based line number (0: the file as a whole). */
  readonly lineNo: number;

  /** Creates the error: `file:line: message`. */
  constructor(file: string, lineNo: number, message: string) {
    super(`${file}:${lineNo}: ${message}`);
    this.name = "LogFormatError";
    this.file = file;
    this.lineNo = lineNo;
  }
}

const HEADER = /^===== (.*) =====$/;

/**
 * Splits a console log into blocks. `\r` is dropped (the rig strips it; a log copied through
 * another tool may not have).
 *
 * @example
 * ```ts
 * import { blocks } from "./blocks.ts";
 * import assert from "node:assert/strict";
 * const b = blocks("RIG-BEGIN\n\n===== uname =====\nLinux\n\n===== poweroff =====\n");
 * assert.deepEqual(b.map((x) => [x.header, x.line, x.body]), [
 *   [null, 0, ["RIG-BEGIN"]],
 *   ["uname", 3, ["Linux"]],
 *   ["poweroff", 6, []],
 * ]);
 * ```
 */
export function blocks(text: string): Block[] {
  const lines = text.replace(/\r/g, "").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const out: Block[] = [];
  let header: string | null = null;
  let at = 0;
  let body: string[] = [];
  const close = () => {
    if (body.at(-1) === "") body.pop();
    out.push({ header, line: at, body });
  };
  lines.forEach((l, i) => {
    const m = HEADER.exec(l);
    if (!m) return void body.push(l);
    close();
    header = m[1];
    at = i + 1;
    body = [];
  });
  close();
  return out;
}
