/**
 * Finding what a path given by a caller is: the file `read()` / `write()` take, what `stat()`
 * says it is, what `readDir()` lists (over the path table, lib/files/table.ts).
 *
 * @module
 */

import { show } from "../util/check.ts";
import type { Kernel } from "../engine/kernel.ts";
import type { SysfsFile } from "./file.ts";
import { directoryEntries, type DirEntry, lookup } from "./table.ts";

/**
 * The file `path` names on this machine, for reading (`for: "read"`) or writing.
 *
 * @example
 * ```ts
 * import { findFile } from "./lookup.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * assert.equal(findFile(k, "/proc/timer_list", "read").file.mode, "0400");
 * assert.throws(() => findFile(k, "/proc/timer_list", "write"), /it is read-only \(mode 0400\)/);
 * assert.throws(() => findFile(k, "/proc/nope", "read"), /No such file: \/proc\/nope/);
 * ```
 * @throws {TypeError} for a path that is not a string; {@linkcode RangeError} for a path hvtick
 * does not model (or that this VM lacks) and for the wrong direction (a write-only file read, a
 * read-only one written).
 */
export function findFile(
  k: Kernel,
  path: unknown,
  access: "read" | "write",
): { file: SysfsFile; cpu: number } {
  const text = pathOf(path);
  const found = lookup(k, text);
  if (!found) {
    throw new RangeError(
      `No such file: ${
        named(text)
      } (not modelled by hvtick, or not present on this VM; files() lists them)`,
    );
  }
  if (!found.file[access]) {
    const what = access === "read" ? "write-only" : "read-only";
    throw new RangeError(
      `Cannot ${access} ${named(text)}: it is ${what} (mode ${found.file.mode})`,
    );
  }
  return found;
}

/** A path given by a caller, as a string. @throws {TypeError} for anything else. */
function pathOf(path: unknown): string {
  if (typeof path !== "string") {
    throw new TypeError(`Invalid path ${show(path)}: expected a string`);
  }
  return path;
}

/** A path as a message names it: as given, quoted when empty or cut short when long. */
const named = (path: string) => path === "" || path.length > 200 ? show(path) : path;

/**
 * What a path is on this VM: "file", "directory" (one holding modelled files) or null.
 *
 * @example
 * ```ts
 * import { pathKind } from "./lookup.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * assert.equal(pathKind(k, "/proc/timer_list"), "file");
 * assert.equal(pathKind(k, "/sys/devices/system/cpu"), "directory");
 * assert.equal(pathKind(k, "/nope"), null);
 * ```
 * @throws {TypeError} for a path that is not a string.
 */
export function pathKind(k: Kernel, path: unknown): "file" | "directory" | null {
  if (lookup(k, pathOf(path)) !== null) return "file";
  return directoryEntries(k, path as string, true).size > 0 ? "directory" : null;
}

/**
 * The entries of a modelled directory, sorted by name like `ls`.
 *
 * @example
 * ```ts
 * import { readDirectory } from "./lookup.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * assert.ok(readDirectory(k, "/sys/devices/system/cpu").some((e) => e.name === "cpu1"));
 * assert.throws(() => readDirectory(k, "/proc/timer_list"), /it is a file/);
 * ```
 * @throws {TypeError} for a path that is not a string; {@linkcode RangeError} when the path is a
 * file or not a modelled directory.
 */
export function readDirectory(k: Kernel, path: unknown): DirEntry[] {
  const isFile = lookup(k, pathOf(path)) !== null;
  const entries = isFile ? new Map<string, boolean>() : directoryEntries(k, path as string);
  if (entries.size === 0) {
    throw new RangeError(
      `Not a directory: ${named(path as string)} (${
        isFile ? "it is a file" : "not modelled by hvtick"
      }; the modelled directories are those holding the paths files() lists)`,
    );
  }
  return [...entries.keys()].sort().map((name) => ({ name, isDirectory: entries.get(name)! }));
}
