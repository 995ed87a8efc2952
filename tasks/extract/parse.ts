/**
 * Reading a kernel's hotplug tables out of its source: `enum cpuhp_state` from
 * include/linux/cpuhotplug.h and the static `cpuhp_hp_states[]` from kernel/cpu.c, each entry with
 * the line it is on. Plain text parsing of two regular C constructs; anything it does not expect is
 * an error naming the file and line, never a guess.
 *
 * @module
 */

/** One enum entry: its name (`NAME=+n` for `NAME = PREVIOUS + n`) and the line it is on. */
export interface EnumEntry {
  /** The name, or `NAME=+n`. */
  readonly name: string;
  /** Its line in the header, 1-based. */
  readonly line: number;
}

/** One entry of `cpuhp_hp_states[]`. */
export interface StepEntry {
  /** The enum name it is indexed by. */
  readonly id: string;
  /** `.name`. */
  readonly name: string;
  /** `.startup.single`, or null (NULL or absent). */
  readonly startup: string | null;
  /** `.teardown.single`, or null. */
  readonly teardown: string | null;
  /** `.cant_stop = true`. */
  readonly cantStop?: true;
  /** Its line in kernel/cpu.c, 1-based. */
  readonly line: number;
}

/** The text with comments blanked (newlines kept, so line numbers stay right). */
function uncomment(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/\/\/[^\n]*/g, (c) => " ".repeat(c.length));
}

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * The entries of `enum cpuhp_state` in `header` (the text of include/linux/cpuhotplug.h).
 *
 * @example
 * ```ts
 * import { parseEnum } from "./parse.ts";
 * import assert from "node:assert/strict";
 * const h = "enum cpuhp_state {\n\tCPUHP_INVALID = -1,\n\tCPUHP_OFFLINE = 0,\n\tCPUHP_A, /* x *" +
 *   "/\n\tCPUHP_A_END = CPUHP_A + 3,\n\tCPUHP_ONLINE,\n};\n";
 * assert.deepEqual(parseEnum(h, "h").map((e) => e.name), ["CPUHP_OFFLINE", "CPUHP_A", "CPUHP_A_END=+3", "CPUHP_ONLINE"]);
 * ```
 * @throws {SyntaxError} naming the file and line of anything unexpected.
 */
export function parseEnum(header: string, file: string): EnumEntry[] {
  const text = uncomment(header);
  const start = text.indexOf("enum cpuhp_state {");
  if (start < 0) throw new SyntaxError(`${file}: no "enum cpuhp_state {"`);
  const body = start + "enum cpuhp_state {".length;
  const end = text.indexOf("};", body);
  const out: EnumEntry[] = [];
  let at = body;
  for (const item of text.slice(body, end).split(",")) {
    const trimmed = item.trim();
    const index = at + item.indexOf(trimmed);
    at += item.length + 1;
    if (trimmed === "") continue;
    const line = lineAt(header, index);
    if (trimmed.startsWith("#")) throw new SyntaxError(`${file}:${line}: a preprocessor line`);
    const plain = /^(CPUHP_\w+)$/.exec(trimmed);
    const literal = /^(CPUHP_\w+)\s*=\s*(-?\d+)$/.exec(trimmed);
    const relative = /^(CPUHP_\w+)\s*=\s*(CPUHP_\w+)\s*\+\s*(\d+)$/.exec(trimmed);
    if (plain) out.push({ name: plain[1], line });
    else if (literal) {
      const value = Number(literal[2]);
      if (value < 0) continue; // CPUHP_INVALID = -1: not a state.
      if (value !== out.length) {
        throw new SyntaxError(`${file}:${line}: ${literal[1]} = ${value}, expected ${out.length}`);
      }
      out.push({ name: literal[1], line });
    } else if (relative) {
      const previous = out.at(-1)?.name;
      if (relative[2] !== previous) {
        throw new SyntaxError(`${file}:${line}: ${trimmed} is not relative to ${previous}`);
      }
      out.push({ name: `${relative[1]}=+${relative[3]}`, line });
    } else {throw new SyntaxError(
        `${file}:${line}: unexpected enum entry ${JSON.stringify(trimmed)}`,
      );}
  }
  return out;
}

/**
 * The entries of `static struct cpuhp_step cpuhp_hp_states[]` in `source` (kernel/cpu.c) that the
 * kernel config `config` compiles: `#ifdef`, `#ifndef`, `#else` and `#endif` between entries are
 * followed (`CONFIG_SMP` is always set; 6.12 has `#ifdef CONFIG_HOTPLUG_SPLIT_STARTUP ... #else`),
 * and a conditional on a symbol `config` does not name is an error.
 *
 * @example
 * ```ts
 * import { parseSteps } from "./parse.ts";
 * import assert from "node:assert/strict";
 * const c = "static struct cpuhp_step cpuhp_hp_states[] = {\n\t[CPUHP_OFFLINE] = {\n" +
 *   "\t\t.name = \"offline\",\n\t\t.startup.single = NULL,\n\t\t.teardown.single = NULL,\n\t},\n" +
 *   "#ifdef CONFIG_SMP\n\t[CPUHP_X]= {\n\t\t.name = \"x:prepare\",\n\t\t.startup.single = x_up,\n" +
 *   "\t\t.cant_stop = true,\n\t},\n#endif\n};\n";
 * assert.deepEqual(parseSteps(c, "c").map((s) => [s.id, s.startup, s.teardown, s.cantStop]), [
 *   ["CPUHP_OFFLINE", null, null, undefined],
 *   ["CPUHP_X", "x_up", null, true],
 * ]);
 * const split = "static struct cpuhp_step cpuhp_hp_states[] = {\n#ifdef CONFIG_SPLIT\n" +
 *   "\t[CPUHP_K] = { .name = \"k\", },\n\t[CPUHP_B] = { .name = \"b\", .startup.single = two, },\n" +
 *   "#else\n\t[CPUHP_B] = { .name = \"b\", .startup.single = one, },\n#endif\n};\n";
 * const ids = (on: boolean) =>
 *   parseSteps(split, "c", { CONFIG_SPLIT: on }).map((s) => `${s.id}:${s.startup}`);
 * assert.deepEqual(ids(true), ["CPUHP_K:null", "CPUHP_B:two"]);
 * assert.deepEqual(ids(false), ["CPUHP_B:one"]);
 * assert.throws(() => parseSteps(split, "c"), /CONFIG_SPLIT: a config hvtick does not set/);
 * ```
 * @throws {SyntaxError} naming the file and line of anything unexpected.
 */
export function parseSteps(
  source: string,
  file: string,
  config: Readonly<Record<string, boolean>> = {},
): StepEntry[] {
  const configs: Readonly<Record<string, boolean>> = { ...config, CONFIG_SMP: true };
  const text = uncomment(source);
  const head = "static struct cpuhp_step cpuhp_hp_states[] = {";
  const start = text.indexOf(head);
  if (start < 0) throw new SyntaxError(`${file}: no "${head}"`);
  const end = text.indexOf("\n};", start);
  const body = text.slice(start + head.length, end);
  const out: StepEntry[] = [];
  const entry = /\[(CPUHP_\w+)\]\s*=\s*\{([^}]*)\}/g;
  let m: RegExpExecArray | null;
  let covered = 0;
  // Per open conditional: whether its current branch is compiled.
  const stack: boolean[] = [];
  while ((m = entry.exec(body)) !== null) {
    const between = body.slice(covered, m.index);
    const line = lineAt(source, start + head.length + m.index);
    const directive = /^[ \t]*#[ \t]*(\w+)[ \t]*(.*)$/gm;
    let stray = "";
    let last = 0;
    let d: RegExpExecArray | null;
    while ((d = directive.exec(between)) !== null) {
      stray += between.slice(last, d.index);
      last = d.index + d[0].length;
      const [, word, rest] = d;
      const symbol = rest.trim();
      if (word === "ifdef" || word === "ifndef") {
        if (!(symbol in configs)) {
          throw new SyntaxError(
            `${file}:${line}: #${word} ${symbol}: a config hvtick does not set`,
          );
        }
        stack.push(word === "ifdef" ? configs[symbol] : !configs[symbol]);
      } else if (word === "else" && stack.length) stack.push(!stack.pop()!);
      else if (word === "endif" && stack.length) stack.pop();
      else throw new SyntaxError(`${file}:${line}: unexpected #${word} ${symbol}`);
    }
    stray = (stray + between.slice(last)).replace(/[\s,]/g, "");
    if (stray) throw new SyntaxError(`${file}:${line}: unexpected ${JSON.stringify(stray)}`);
    covered = m.index + m[0].length;
    if (!stack.every((v) => v)) continue;
    const fields: Record<string, string> = {};
    for (const f of m[2].split(",")) {
      const kv = /^\s*\.([\w.]+)\s*=\s*(.+?)\s*$/s.exec(f);
      if (kv) fields[kv[1]] = kv[2];
      else if (f.trim()) throw new SyntaxError(`${file}:${line}: unexpected field ${f.trim()}`);
    }
    const known = ["name", "startup.single", "teardown.single", "cant_stop"];
    const other = Object.keys(fields).filter((f) => !known.includes(f));
    if (other.length) {
      throw new SyntaxError(`${file}:${line}: unexpected fields ${other.join(", ")}`);
    }
    const name = /^"(.*)"$/.exec(fields.name ?? "")?.[1];
    if (name === undefined) throw new SyntaxError(`${file}:${line}: ${m[1]} has no .name string`);
    const fn = (v: string | undefined) => (v === undefined || v === "NULL" ? null : v);
    out.push({
      id: m[1],
      name,
      startup: fn(fields["startup.single"]),
      teardown: fn(fields["teardown.single"]),
      ...(fields.cant_stop === "true" ? { cantStop: true as const } : {}),
      line,
    });
  }
  return out;
}
