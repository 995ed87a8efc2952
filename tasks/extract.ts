/**
 * `deno task extract`: what lib/kernels/ holds, made from kernel sources, and checked.
 *
 *   deno task extract source ID --tree DIR --tag TAG --repo OWNER/NAME --commit SHA [--parent ID]
 *     reads DIR/include/linux/cpuhotplug.h (`enum cpuhp_state`), DIR/kernel/cpu.c
 *     (`cpuhp_hp_states[]`) and DIR/include/linux/slab.h (the callbacks a SLUB kernel defines as
 *     NULL), and writes docs/research/kernels/ID.json: every entry with its file and line.
 *   deno task extract tables [--check]
 *     writes lib/kernels/tables/: per release its parent plus a delta (from the ID.json files) and
 *     the fixed-number registrants (from docs/research/fixed-states.json); with --check, changes
 *     nothing and fails when a committed file differs from what it would write.
 *
 * The kernel trees are not part of hvtick: fetch one (e.g. a stable mirror) and point --tree at it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseEnum, parseSteps } from "./extract/parse.ts";
import {
  builtinRegistrants,
  coreStep,
  type Extracted,
  type FixedStates,
  listEdits,
  type RegistrantFact,
} from "./extract/tables.ts";

const ROOT = new URL("../", import.meta.url);
const KERNELS = new URL("docs/research/kernels/", ROOT);
const TABLES = new URL("lib/kernels/tables/", ROOT);

// The kernel config the tables are for (a distribution's x86_64/arm64 kernel): SMP, and SLUB
// rather than SLAB, so slab.h's `#else` defines slab_prepare_cpu and slab_dead_cpu as NULL.
// CONFIG_HOTPLUG_SPLIT_STARTUP (6.5 on; 6.12's cpuhp_hp_states[] has `cpu:kick_ap` and a
// `cpu:bringup` of cpuhp_bringup_ap under it, else one `cpu:bringup` of bringup_cpu): x86_64 sets
// it (arch/x86/Kconfig selects HOTPLUG_PARALLEL if SMP && X86_64, which selects it), arm64 does
// not; `--config CONFIG_HOTPLUG_SPLIT_STARTUP=n` gives arm64's table.
const CONFIG: Readonly<Record<string, boolean>> = {
  CONFIG_SMP: true,
  CONFIG_SLAB: false,
  CONFIG_HOTPLUG_SPLIT_STARTUP: true,
};

/**
 * The symbols `header` defines as NULL under `config` (from {@linkcode CONFIG}), each with its
 * line: a tiny preprocessor for `#ifdef`, `#ifndef`, `#if defined(A) && defined(B)`, `#else`,
 * `#endif`.
 */
function nulledSymbols(
  header: string,
  file: string,
  config: Readonly<Record<string, boolean>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  // Per open conditional: whether its current branch is taken (null: not a CONFIG we know).
  const stack: (boolean | null)[] = [];
  const value = (cond: string): boolean | null => {
    const parts = cond.split("&&").map((p) => p.trim());
    let all: boolean | null = true;
    for (const p of parts) {
      const m = /^(!)?\s*defined\s*\(?\s*(\w+)\s*\)?$/.exec(p);
      if (!m) return null;
      const known = config[m[2]];
      if (known === undefined) return null;
      const v = m[1] ? !known : known;
      if (!v) all = false;
    }
    return all;
  };
  header.split("\n").forEach((text, i) => {
    const line = i + 1;
    const d = /^\s*#\s*(\w+)\s*(.*)$/.exec(text);
    if (!d) return;
    const [, directive, rest] = d;
    if (directive === "ifdef") stack.push(config[rest.trim()] ?? null);
    else if (directive === "ifndef") {
      const v = config[rest.trim()];
      // An include guard (`#ifndef _LINUX_SLAB_H`) is taken.
      stack.push(v === undefined ? (/^_\w+_H$/.test(rest.trim()) ? true : null) : !v);
    } else if (directive === "if") stack.push(value(rest));
    else if (directive === "else") {
      const top = stack.pop();
      stack.push(top === null || top === undefined ? null : !top);
    } else if (directive === "endif") stack.pop();
    else if (directive === "define") {
      const m = /^(\w+)\s+NULL\s*$/.exec(rest);
      if (!m) return;
      if (stack.some((v) => v === null)) {
        throw new Error(`${file}:${line}: ${m[1]} is NULL under a condition hvtick does not know`);
      }
      if (stack.every((v) => v)) {
        out[m[1]] = `${file}:${line} (CONFIG_SLAB unset: distribution kernels use SLUB)`;
      }
    }
  });
  return out;
}

async function source(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tree: { type: "string" },
      tag: { type: "string" },
      repo: { type: "string" },
      commit: { type: "string" },
      parent: { type: "string" },
      config: { type: "string", multiple: true },
    },
  });
  const config: Record<string, boolean> = { ...CONFIG };
  for (const c of values.config ?? []) {
    const m = /^(CONFIG_\w+)=([yn])$/.exec(c);
    if (!m) throw new RangeError(`--config ${c}: expected CONFIG_NAME=y or CONFIG_NAME=n`);
    config[m[1]] = m[2] === "y";
  }
  const id = positionals[0];
  if (!id || !values.tree || !values.tag || !values.repo || !values.commit) {
    throw new RangeError(
      "usage: deno task extract source ID --tree DIR --tag TAG --repo OWNER/NAME --commit SHA [--parent ID] [--config CONFIG_X=y|n]...",
    );
  }
  const files = { enum: "include/linux/cpuhotplug.h", steps: "kernel/cpu.c" };
  const read = (f: string) => Deno.readTextFile(`${values.tree}/${f}`);
  const nulled = nulledSymbols(await read("include/linux/slab.h"), "include/linux/slab.h", config);
  const steps = parseSteps(await read(files.steps), files.steps, config).map((s) => ({
    ...s,
    startup: s.startup && s.startup in nulled ? null : s.startup,
    teardown: s.teardown && s.teardown in nulled ? null : s.teardown,
  }));
  const out: Extracted = {
    id,
    parent: values.parent ?? null,
    tag: values.tag,
    source: { repo: values.repo, commit: values.commit },
    files,
    enum: parseEnum(await read(files.enum), files.enum),
    steps,
    nulled,
  };
  const path = new URL(`${id}.json`, KERNELS);
  await Deno.mkdir(KERNELS, { recursive: true });
  await Deno.writeTextFile(path, await formatted(`${id}.json`, serialise(out), "json"));
  console.log(`wrote ${path.pathname}: ${out.enum.length} enum entries, ${steps.length} steps`);
}

/** An extraction as JSON: two-space indents, each enum entry and step on one line. */
function serialise(x: Extracted): string {
  const list = (xs: readonly unknown[]) =>
    `[\n${xs.map((e) => `    ${JSON.stringify(e)}`).join(",\n")}\n  ]`;
  const { enum: entries, steps, ...head } = x;
  const top = JSON.stringify(head, null, 2).slice(0, -2);
  return `${top},\n  "enum": ${list(entries)},\n  "steps": ${list(steps)}\n}\n`;
}

/** The extracted releases, parents before children. */
async function releases(): Promise<Extracted[]> {
  const all: Extracted[] = [];
  for await (const e of Deno.readDir(KERNELS)) {
    if (e.name.endsWith(".json")) {
      all.push(JSON.parse(await Deno.readTextFile(new URL(e.name, KERNELS))));
    }
  }
  const out: Extracted[] = [];
  const add = (r: Extracted) => {
    if (out.includes(r)) return;
    if (r.parent !== null) {
      const p = all.find((x) => x.id === r.parent);
      if (!p) throw new Error(`${r.id}: its parent ${r.parent} has not been extracted`);
      add(p);
    }
    out.push(r);
  };
  all.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true })).forEach(add);
  return out;
}

const GENERATED = "Generated by `deno task extract tables`; do not edit by hand.";
const moduleName = (id: string) => `v${id.replaceAll(".", "_")}.ts`;
const constName = (id: string) => `V${id.replaceAll(".", "_")}`;
/** A value as TypeScript source: keys that are identifiers left bare (deno fmt lays it out). */
function ts(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(ts).join(", ")}]`;
  if (x && typeof x === "object") {
    const entries = Object.entries(x).map(([k, v]) =>
      `${/^[A-Za-z_]\w*$/.test(k) ? k : JSON.stringify(k)}: ${ts(v)}`
    );
    return `{ ${entries.join(", ")} }`;
  }
  return JSON.stringify(x);
}
const json = ts;

/** A JSDoc comment of `text`, wrapped at 100 columns. */
function jsdoc(text: string): string {
  const lines: string[] = [];
  let line = " *";
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > 100) {
      lines.push(line);
      line = " *";
    }
    line += ` ${word}`;
  }
  lines.push(line, " *", " * @module");
  return ["/**", ...lines, " */"].join("\n");
}

/** Every file lib/kernels/tables/ should hold, by name. */
export async function tables(): Promise<Map<string, string>> {
  const chain = await releases();
  const fixed: FixedStates = JSON.parse(
    await Deno.readTextFile(new URL("docs/research/fixed-states.json", ROOT)),
  );
  const facts: Record<string, RegistrantFact[]> = {};
  for (const r of chain) {
    const file = new URL(`docs/research/registrants/${r.id}.json`, ROOT);
    const text = await Deno.readTextFile(file).catch(() => null);
    if (text !== null) facts[r.id] = JSON.parse(text);
  }
  const { rows, present } = builtinRegistrants(fixed, facts, chain.map((r) => r.id));
  const files = new Map<string, string>();
  files.set(
    "fixed.ts",
    `${
      jsdoc(
        "The hotplug states of other subsystems that built-in code registers at boot, in boot " +
          "order (phase, then the first release they appear in, then their order there); which " +
          "releases have which is in each release's table. From docs/research/fixed-states.json " +
          "(5.2–5.5, and arm64) and docs/research/registrants/ (the x86_64 registrations of the " +
          "Debian releases, in a real boot's order), which cite each call's file:line. " +
          GENERATED,
      )
    }

import type { BuiltinRegistrant } from "../release.ts";

/** Every generated registrant. */
export const FIXED: readonly BuiltinRegistrant[] = ${json(rows)};
`,
  );
  for (const r of chain) {
    const parent = chain.find((p) => p.id === r.parent);
    const names = r.enum.map((e) => e.name);
    const steps = r.steps.map(coreStep);
    const keys = present.get(r.id) ?? [];
    const where = `${r.tag} (${r.source.repo} @ ${r.source.commit.slice(0, 12)})`;
    let body: string;
    if (!parent) {
      body = `{
  id: ${JSON.stringify(r.id)},
  parent: null,
  tag: ${JSON.stringify(r.tag)},
  enum: ${json(names)},
  steps: ${json(steps)},
  registrants: ${json(keys)},
}`;
    } else {
      const before = parent.steps.map(coreStep);
      const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);
      body = `{
  id: ${JSON.stringify(r.id)},
  parent: ${JSON.stringify(parent.id)},
  tag: ${JSON.stringify(r.tag)},
  enum: ${json(listEdits(parent.enum.map((e) => e.name), names))},
  steps: ${
        json({
          remove: before.filter((s) => !steps.some((t) => t.id === s.id)).map((s) => s.id),
          set: steps.filter((s) => !before.some((t) => same(t, s))),
        })
      },
  registrants: ${
        json({
          remove: (present.get(parent.id) ?? []).filter((k) => !keys.includes(k)),
          add: keys.filter((k) => !(present.get(parent.id) ?? []).includes(k)),
        })
      },
}`;
    }
    files.set(
      moduleName(r.id),
      `${
        jsdoc(
          `The hotplug tables of Linux ${r.id}, read from ${where}: ${
            parent ? `${parent.id}'s, changed as follows` : "the whole tables"
          }. From docs/research/kernels/${r.id}.json (each entry's file:line). ${GENERATED}`,
        )
      }

import type { ${parent ? "TablesDelta" : "Tables"} } from "../release.ts";

/** Linux ${r.id}'s tables. */
export const ${constName(r.id)}: ${parent ? "TablesDelta" : "Tables"} = ${body};
`,
    );
  }
  return files;
}

/** Formats generated text as `deno fmt` would (so the gate's format check holds). */
async function formatted(name: string, text: string, ext = "ts"): Promise<string> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", ext, "-"],
    stdin: "piped",
    stdout: "piped",
    cwd: ROOT.pathname,
  }).spawn();
  const w = cmd.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await cmd.output();
  if (!out.success) throw new Error(`deno fmt failed on ${name}`);
  return new TextDecoder().decode(out.stdout);
}

/** Every generated file, formatted. */
export async function generated(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, text] of await tables()) out.set(name, await formatted(name, text));
  return out;
}

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  try {
    if (command === "source") await source(rest);
    else if (command === "tables") {
      const check = rest.includes("--check");
      let stale = 0;
      for (const [name, text] of await generated()) {
        const url = new URL(name, TABLES);
        const now = await Deno.readTextFile(url).catch(() => "");
        if (now === text) continue;
        stale++;
        if (check) console.log(`differs: lib/kernels/tables/${name}`);
        else {
          await Deno.mkdir(TABLES, { recursive: true });
          await Deno.writeTextFile(url, text);
          console.log(`wrote lib/kernels/tables/${name}`);
        }
      }
      if (check && stale) Deno.exit(1);
    } else {
      throw new RangeError(
        `unknown command ${JSON.stringify(command ?? "")}: expected source or tables`,
      );
    }
  } catch (e) {
    console.error(`extract: ${(e as Error).message}`);
    Deno.exit(2);
  }
}
