/**
 * The REPL's files: every path it reads or writes (`source`, `load`, `save`, `timeline`,
 * `report`, `trace export`, `compare`, `--script`, the history file, completion) goes through
 * here. A path is resolved as the kernel would (symbolic links followed: the file's real path, or
 * its parent directory's for a new file) and refused if it leaves the current directory. Saves
 * are atomic: a uniquely named temporary file (pid and random), locked while it is written,
 * synced, given the target's mode, then renamed over the target; a killed save's temporary file
 * is never read or listed, and the next save of that file removes it.
 *
 * @module
 */

import { basename, dirname, join, resolve, sep } from "node:path";

/** Where paths are confined: the current directory unless a test says otherwise. */
export interface FileOptions {
  /** The directory every path must stay in (default `.`, the current directory). */
  readonly root?: string;
}

// `NAME.tmp-<ms>` (older hvticks) and `NAME.tmp-<pid>-<random hex>`.
const TEMP = /\.tmp-\d+(?:-[0-9a-f]+)?$/;

/**
 * Whether `name` is a temporary file of a save (`NAME.tmp-PID-RANDOM`), which the REPL never
 * reads as a session or script and completion never lists.
 *
 * @example
 * ```ts
 * import { isTempName } from "./files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isTempName("s.json.tmp-4242-9f3a1c07"), true);
 * assert.equal(isTempName("s.json.tmp-1796622698575"), true);
 * assert.equal(isTempName("s.json"), false);
 * ```
 */
export function isTempName(name: string): boolean {
  return TEMP.test(name);
}

/** The one line every refusal of a path outside the current directory ends with. */
export const CONFINED = "hvtick may read and write only under the current directory";

const NAMES: Record<string, string> = {
  NotFound: "no such file or directory",
  PermissionDenied: "permission denied",
  NotADirectory: "a part of the path is not a directory",
  FilesystemLoop: "too many levels of symbolic links",
};

/** A file-system error as a short reason (Deno's own message names the syscall and real path). */
function reason(e: unknown): Error {
  if (!(e instanceof Error) || !NAMES[e.name]) return e as Error;
  return new (e.constructor as ErrorConstructor)(NAMES[e.name]);
}

function refuse(kind: keyof typeof Deno.errors, message: string): never {
  throw new Deno.errors[kind](message);
}

function realRoot(o: FileOptions): string {
  return Deno.realPathSync(o.root ?? ".");
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Why `path` leaves `root`: the first symbolic link on the way out, else the path itself. */
function whyOutside(path: string, real: string, root: string): string {
  const parts = path.split(sep);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join(sep);
    // Only what is inside is looked at (an ancestor of the current directory is skipped).
    if (!prefix || !inside(resolve(prefix), root)) continue;
    try {
      if (Deno.lstatSync(prefix).isSymlink) {
        return `${prefix} is a symbolic link to ${
          Deno.readLinkSync(prefix)
        }, so it resolves to ${real}, outside the current directory ${root}`;
      }
    } catch {
      break;
    }
  }
  return `it resolves to ${real}, outside the current directory ${root}`;
}

function confine(path: string, real: string, root: string): string {
  if (!inside(real, root)) {
    refuse("NotCapable", `${whyOutside(path, real, root)}; ${CONFINED}`);
  }
  return real;
}

function lexically(path: string, root: string): void {
  if (typeof path !== "string" || path === "") throw new TypeError("no file name given");
  // Checked before the file system is asked, so that Deno never prompts for a permission.
  const absolute = resolve(path);
  if (!inside(absolute, root)) {
    refuse(
      "NotCapable",
      `it is ${absolute}, outside the current directory ${root}; ${CONFINED}`,
    );
  }
}

/**
 * The real path of an existing file `path` may be read at, symbolic links followed.
 * @throws {Deno.errors.NotCapable} when it leaves the current directory (naming the link);
 * `Deno.errors.NotFound` and other file-system errors with a short reason.
 */
function readablePath(path: string, o: FileOptions): string {
  const root = realRoot(o);
  lexically(path, root);
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch (e) {
    throw reason(e);
  }
  return confine(path, real, root);
}

/**
 * Reads a text file inside the current directory (a symbolic link may point only inside it).
 *
 * @example
 * ```ts
 * import { readText } from "./files.ts";
 * import assert from "node:assert/strict";
 * assert.match(await readText("deno.json"), /"tasks"/);
 * await assert.rejects(readText("/etc/passwd"), /outside the current directory/);
 * ```
 * @throws {Deno.errors.NotCapable} for a path that leaves the current directory; other file
 * errors (missing, a directory, a save's temporary file) with a short reason.
 */
export async function readText(path: string, o: FileOptions = {}): Promise<string> {
  const real = readablePath(path, o);
  if (isTempName(basename(path)) || isTempName(basename(real))) {
    refuse(
      "InvalidData",
      "it is the temporary file of a save that did not finish, not a session or script",
    );
  }
  try {
    if (!(await Deno.stat(real)).isFile) refuse("IsADirectory", "it is not a regular file");
    return await Deno.readTextFile(real);
  } catch (e) {
    throw reason(e);
  }
}

/** The real path a save of `path` writes, and the target's mode if it exists. */
async function writablePath(
  path: string,
  o: FileOptions,
): Promise<{ real: string; mode: number | null }> {
  const root = realRoot(o);
  lexically(path, root);
  if (isTempName(basename(path))) {
    refuse("InvalidData", "names ending in .tmp-N are kept for the temporary files of saves");
  }
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw reason(e);
    // A new file: its directory must exist and be inside (a dangling link is not followed).
    const link = await Deno.lstat(path).catch(() => null);
    if (link?.isSymlink) {
      refuse(
        "NotFound",
        `it is a symbolic link to ${await Deno.readLink(path)}, which does not exist`,
      );
    }
    let parent: string;
    try {
      parent = await Deno.realPath(dirname(path));
    } catch (e) {
      throw reason(e);
    }
    real = join(parent, basename(path));
  }
  confine(path, real, root);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(real);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { real, mode: null };
    throw reason(e);
  }
  if (!info.isFile) refuse("IsADirectory", "it is not a regular file; not overwritten");
  const mode = (info.mode ?? 0o644) & 0o7777;
  if ((mode & 0o200) === 0) {
    refuse(
      "PermissionDenied",
      `it is read-only (mode ${mode.toString(8).padStart(4, "0")}); not overwritten`,
    );
  }
  // Someone else's file (when not root): the kernel says whether it may be written.
  try {
    (await Deno.open(real, { write: true })).close();
  } catch (e) {
    throw reason(e);
  }
  return { real, mode };
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Creates and locks a fresh temporary file next to `real` (retried if a sweep took it). */
async function createTemp(real: string): Promise<{ tmp: string; file: Deno.FsFile }> {
  for (;;) {
    const tmp = `${real}.tmp-${Deno.pid}-${randomHex()}`;
    const file = await Deno.open(tmp, { write: true, createNew: true });
    await file.lock(true);
    // A sweep may have removed it between its creation and the lock: then take another name.
    const linked = await Deno.lstat(tmp).catch(() => null);
    if (linked && linked.ino === (await file.stat()).ino) return { tmp, file };
    file.close();
  }
}

/** Removes the temporary files of earlier saves of `real` that nobody holds (killed saves). */
async function sweep(real: string): Promise<void> {
  const dir = dirname(real);
  const prefix = `${basename(real)}.tmp-`;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.startsWith(prefix) || !isTempName(entry.name)) continue;
    const tmp = join(dir, entry.name);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(tmp, { read: true });
    } catch {
      continue;
    }
    try {
      // A save in progress holds its lock; a killed one's lock went with its process.
      if (!(await file.tryLock(true))) continue;
      const now = await Deno.lstat(tmp).catch(() => null);
      if (now && now.ino === (await file.stat()).ino) await Deno.remove(tmp).catch(() => {});
    } finally {
      file.close();
    }
  }
}

/**
 * Writes a text file (whole, or in pieces as they are made) atomically inside the current directory: a temporary file of its own
 * (`PATH.tmp-PID-RANDOM`, locked, synced, with the target's mode), then a rename, so a reader
 * sees the old file or the new one, whole, and concurrent savers each leave a complete file. A
 * failed save removes its temporary file; a save removes those killed saves left.
 *
 * @example
 * ```ts
 * import { writeAtomic } from "./files.ts";
 * import assert from "node:assert/strict";
 * await Deno.mkdir(".files-doc", { recursive: true });
 * await writeAtomic(".files-doc/a.txt", "one\n");
 * await writeAtomic(".files-doc/a.txt", "two\n");
 * assert.equal(await Deno.readTextFile(".files-doc/a.txt"), "two\n");
 * await Deno.chmod(".files-doc/a.txt", 0o444);
 * await assert.rejects(writeAtomic(".files-doc/a.txt", "three\n"), /read-only \(mode 0444\)/);
 * await Deno.remove(".files-doc", { recursive: true });
 * ```
 * @throws {Deno.errors.NotCapable} for a path that leaves the current directory;
 * `Deno.errors.PermissionDenied` for a read-only target (nothing is written); other file errors
 * with a short reason.
 */
export async function writeAtomic(
  path: string,
  text: string | Iterable<string>,
  o: FileOptions = {},
): Promise<void> {
  const { real, mode } = await writablePath(path, o);
  const { tmp, file } = await createTemp(real);
  try {
    // A long text comes in pieces (a streamed export): each is written as it is made.
    const encoder = new TextEncoder();
    for (const piece of typeof text === "string" ? [text] : text) {
      const data = encoder.encode(piece);
      for (let done = 0; done < data.length;) done += await file.write(data.subarray(done));
    }
    await file.syncData();
    if (mode !== null) await Deno.chmod(tmp, mode);
    await Deno.rename(tmp, real);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw reason(e);
  } finally {
    file.close();
  }
  await sweep(real).catch(() => {});
}

/**
 * Completion of a local file name: the entries of the directory typed so far (directories with
 * a trailing `/`), none outside the current directory and no save's temporary file.
 *
 * @example
 * ```ts
 * import { fileCandidates } from "./files.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(fileCandidates("deno.js"), ["deno.json"]);
 * assert.deepEqual(fileCandidates("/etc/pass"), []);
 * ```
 */
export function fileCandidates(word: string, o: FileOptions = {}): string[] {
  const dir = word.includes("/") ? word.slice(0, word.lastIndexOf("/") + 1) : "";
  try {
    const real = readablePath(dir || ".", o);
    return [...Deno.readDirSync(real)]
      .filter((e) => !isTempName(e.name))
      .map((e) => dir + e.name + (e.isDirectory ? "/" : ""))
      .filter((n) => n.startsWith(word)).sort();
  } catch {
    return [];
  }
}

/** The interactive history: its lines, and how a new one is kept. */
export interface History {
  /** The last lines, oldest first. */
  readonly lines: readonly string[];
  /** Why history is not kept (its file leaves the current directory…), or null. */
  readonly problem: string | null;
  /** Appends a line (nothing when history is not kept). */
  append(line: string): Promise<void>;
}

/**
 * Opens the history file `path` (inside the current directory; a missing file is an empty
 * history): its last `max` lines, and `append` for new ones.
 *
 * @example
 * ```ts
 * import { openHistory } from "./files.ts";
 * import assert from "node:assert/strict";
 * await Deno.mkdir(".files-doc-h", { recursive: true });
 * const h = await openHistory(".files-doc-h/history", 100);
 * await h.append("cpus");
 * assert.deepEqual((await openHistory(".files-doc-h/history", 100)).lines, ["cpus"]);
 * assert.match((await openHistory("/etc/passwd", 100)).problem!, /outside the current directory/);
 * await Deno.remove(".files-doc-h", { recursive: true });
 * ```
 */
export async function openHistory(
  path: string,
  max: number,
  o: FileOptions = {},
): Promise<History> {
  const notKept = (e: unknown): History => ({
    lines: [],
    problem: `history not kept: ${JSON.stringify(path)}: ${(e as Error).message}`,
    append: () => Promise.resolve(),
  });
  let lines: string[] = [];
  try {
    await writablePath(path, o);
  } catch (e) {
    return notKept(e);
  }
  try {
    lines = (await readText(path, o)).split("\n").filter(Boolean).slice(-max);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return notKept(e);
  }
  return {
    lines,
    problem: null,
    async append(line) {
      // Resolved again each time: the file may have been replaced by a link since.
      const real = await writablePath(path, o).then((t) => t.real, () => null);
      if (real) await Deno.writeTextFile(real, `${line}\n`, { append: true }).catch(() => {});
    },
  };
}
