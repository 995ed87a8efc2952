/**
 * A rig run's `NAME.host.txt` (rig/run-scenario.sh): `key: value` lines, among them the exact
 * QEMU command line, printed with bash's `printf %q` escapes. The harness reads the machine from
 * it: the kernel package, `-smp`, the `-cpu` model and flags, `-device`s, `-acpitable`s and the
 * kernel command line (`-append`).
 *
 * @module
 */

import { LogFormatError } from "./blocks.ts";

/** What a host file says about one boot. */
export interface RigHost {
  /** Every `key: value` line, by key (the last one wins). */
  readonly fields: ReadonlyMap<string, string>;
  /**
   * The kernel's upstream version, e.g. `6.1.192`: from `kernel_package`'s Debian version, or for a
   * kernel built from source (`kernel_package: local:DIR built from source`, rig/run-scenario.sh
   * with `KERNEL_TREE`) from `kernel_release` (`make kernelrelease`, e.g. `5.4.301`).
   */
  readonly kernelVersion: string;
  /** The kernel was built from source (`KERNEL_TREE`), not a distribution's package. */
  readonly builtFromSource: boolean;
  /** `-smp`'s CPU count. */
  readonly smp: number;
  /** `-cpu`'s model, e.g. `max`. */
  readonly cpuModel: string;
  /** `-cpu`'s flags after the model, e.g. `+hypervisor`, `hv-stimer`, `hv-vendor-id=Microsoft Hv`. */
  readonly cpuFlags: readonly string[];
  /** Every `-device` driver, e.g. `vmbus-bridge`. */
  readonly devices: readonly string[];
  /** Every `-acpitable` value. */
  readonly acpiTables: readonly string[];
  /** The kernel command line (`-append`). */
  readonly append: string;
  /** Every `-drive`, as its `key=value` options (`file`, `format`, `if`…). */
  readonly drives: readonly Readonly<Record<string, string>>[];
  /** The VM's memory in MiB (`-m`; QEMU's default, 128, without one). */
  readonly memoryMiB: number;
}

/** Splits a `printf %q`-quoted command line into words (`\x` is x; `'…'` and `$'…'` quote). */
export function shellWords(text: string): string[] {
  const out: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      word += text.slice(i + 1, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}

/**
 * Parses a host file. `file` names it in errors.
 *
 * @example
 * ```ts
 * import { parseHostFile } from "./host.ts";
 * import assert from "node:assert/strict";
 * const host = parseHostFile(
 *   "kernel_package: linux-image-6.1.0-56-amd64 6.1.192-2\n" +
 *     "command: qemu -machine pc -cpu max\\,+hypervisor\\,hv-stimer -smp 4 " +
 *     "-append console=ttyS0\\ quiet\n",
 *   "x.host.txt",
 * );
 * assert.equal(host.kernelVersion, "6.1.192");
 * assert.deepEqual([host.smp, host.cpuModel, host.cpuFlags], [4, "max", ["+hypervisor", "hv-stimer"]]);
 * assert.equal(host.append, "console=ttyS0 quiet");
 * const built = parseHostFile(
 *   "kernel_package: local:5.4.301 built from source\nkernel_release: 5.4.301\n" +
 *     "command: qemu -cpu max -smp 2\n",
 *   "y.host.txt",
 * );
 * assert.deepEqual([built.kernelVersion, built.builtFromSource], ["5.4.301", true]);
 * ```
 */
export function parseHostFile(text: string, file: string): RigHost {
  const fields = new Map<string, string>();
  const lineOf = new Map<string, number>();
  text.replace(/\r/g, "").split("\n").forEach((l, i) => {
    const cut = l.indexOf(": ");
    if (cut > 0) {
      fields.set(l.slice(0, cut), l.slice(cut + 2));
      lineOf.set(l.slice(0, cut), i + 1);
    }
  });
  const need = (key: string, what: string) => {
    const v = fields.get(key);
    if (v === undefined) throw new LogFormatError(file, 0, `expected a '${key}: ' line (${what})`);
    return v;
  };
  const pkg = need("kernel_package", "the kernel package and its Debian version");
  // rig/run-scenario.sh: KPKG="local:$(basename "$KDIR")", KDEBVER="built from source".
  const builtFromSource = /^local:\S+ built from source$/.test(pkg);
  const release = builtFromSource ? need("kernel_release", "the built kernel's release") : "";
  const version = builtFromSource
    ? /^(\d+\.\d+(?:\.\d+)?)(?:[-+~]|$)/.exec(release)
    : /^\S+ (\d+\.\d+(?:\.\d+)?)[-+~]/.exec(pkg + "-");
  if (!version) {
    throw new LogFormatError(
      file,
      lineOf.get(builtFromSource ? "kernel_release" : "kernel_package")!,
      builtFromSource
        ? `expected 'kernel_release: <version>' (e.g. 5.4.301), found '${release}'`
        : `expected 'kernel_package: <package> <version>-<debian revision>' or ` +
          `'kernel_package: local:<dir> built from source', found '${pkg}'`,
    );
  }
  const words = shellWords(need("command", "the QEMU command line"));
  const at = lineOf.get("command")!;
  const options = (name: string) =>
    words.flatMap((w, i) => (w === name && i + 1 < words.length ? [words[i + 1]] : []));
  const one = (name: string, what: string) => {
    const v = options(name);
    if (v.length !== 1) {
      throw new LogFormatError(file, at, `expected one '${name}' option (${what}) in the command`);
    }
    return v[0];
  };
  const smpText = one("-smp", "the vCPU count");
  const smp = Number(/^(?:cpus=)?(\d+)/.exec(smpText)?.[1]);
  if (!Number.isInteger(smp) || smp < 1) {
    throw new LogFormatError(file, at, `expected '-smp N' with N ≥ 1, found '-smp ${smpText}'`);
  }
  const [cpuModel, ...cpuFlags] = one("-cpu", "the CPU model and flags").split(",");
  // -m [size=]N[MGT]: MiB without a suffix (QEMU's qemu-options.hx).
  const memText = options("-m").at(-1) ?? "128";
  const mem = /^(?:size=)?(\d+)([MGT]?)B?$/i.exec(memText.split(",")[0]);
  if (!mem) throw new LogFormatError(file, at, `expected '-m N[M|G]', found '-m ${memText}'`);
  const memoryMiB = Number(mem[1]) *
    ({ "": 1, M: 1, G: 1024, T: 1024 * 1024 }[mem[2].toUpperCase()]!);
  return {
    fields,
    kernelVersion: version[1],
    builtFromSource,
    smp,
    cpuModel,
    cpuFlags,
    devices: options("-device").map((d) => d.split(",")[0]),
    acpiTables: options("-acpitable"),
    append: options("-append").join(" "),
    drives: options("-drive").map((d) =>
      Object.fromEntries(
        d.split(",").map((kv) => {
          const eq = kv.indexOf("=");
          return eq < 0 ? [kv, ""] : [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
      )
    ),
    memoryMiB,
  };
}

/**
 * The real kernels a set of host files booted: per upstream version, how many logs and whether it
 * was built from source (for the README's kernel table, lib/kernels/readme_table.ts).
 *
 * @example
 * ```ts
 * import { realKernels } from "./host.ts";
 * import assert from "node:assert/strict";
 * const host = "kernel_package: linux-image-6.1.0-56-amd64 6.1.192-2\ncommand: qemu -cpu max -smp 2\n";
 * assert.deepEqual(realKernels([{ file: "a.host.txt", text: host }, { file: "b.host.txt", text: host }]), [
 *   { version: "6.1.192", logs: 2, builtFromSource: false },
 * ]);
 * ```
 */
export function realKernels(
  files: readonly { readonly file: string; readonly text: string }[],
): { version: string; logs: number; builtFromSource: boolean }[] {
  const out = new Map<string, { version: string; logs: number; builtFromSource: boolean }>();
  for (const f of files) {
    const h = parseHostFile(f.text, f.file);
    const k = out.get(h.kernelVersion) ??
      { version: h.kernelVersion, logs: 0, builtFromSource: h.builtFromSource };
    k.logs++;
    out.set(h.kernelVersion, k);
  }
  return [...out.values()];
}
