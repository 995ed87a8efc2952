/**
 * The shape of the code, held: layers import downwards only, no import cycles but the kernel's
 * own (clockevents ⇄ tick), nothing in lib/ or tasks/ reaches into the REPL, files stay short,
 * and behaviour differences between kernel releases are switches of the kernel line (no release
 * id compared to a literal outside lib/kernels/); and every deno a task starts skips Deno's update
 * check.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** Every .ts file under `dir` (relative to the repository root). */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(new URL(d, ROOT))) {
      const path = `${d}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.name.endsWith(".ts")) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

const SOURCES = [...files("lib"), ...files("repl"), ...files("tasks"), "mod.ts"];
const text = new Map(SOURCES.map((f) => [f, Deno.readTextFileSync(new URL(f, ROOT))]));

/** A file's imports (value and type), resolved to repository paths; JSDoc examples excluded. */
function imports(file: string): string[] {
  const code = text.get(file)!.replace(/\/\*\*[\s\S]*?\*\//g, "");
  const out: string[] = [];
  for (const m of code.matchAll(/(?:import|export)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)) {
    out.push(new URL(m[1], new URL(file, ROOT)).pathname.slice(ROOT.pathname.length));
  }
  return out;
}

const GRAPH = new Map(SOURCES.map((f) => [f, imports(f)]));

/** The layer of a lib file: its directory under lib/. */
const layer = (f: string) => f.startsWith("lib/") ? f.split("/")[1] : f.split("/")[0];

// lib's layers, lowest first: a file may import its own layer and the ones below it.
const LAYERS = [
  "util",
  "engine",
  "kernels",
  "tracing",
  "time",
  "platform",
  "hotplug",
  "files",
  "machine",
  "ops",
  "api",
  "explore",
  "timeline",
  "fidelity",
];

Deno.test("lib's layers import only their own layer and the layers below", () => {
  const bad: string[] = [];
  for (const [file, deps] of GRAPH) {
    if (!file.startsWith("lib/")) continue;
    const mine = LAYERS.indexOf(layer(file));
    assert.ok(mine >= 0, `${file}: lib/${layer(file)} is not in the layer list`);
    for (const dep of deps) {
      const theirs = LAYERS.indexOf(layer(dep));
      if (theirs > mine) bad.push(`${file} -> ${dep}`);
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("the lowest layer (util, engine) imports nothing above it", () => {
  for (const [file, deps] of GRAPH) {
    if (!["util", "engine"].includes(layer(file)) || !file.startsWith("lib/")) continue;
    for (const dep of deps) {
      assert.ok(
        dep.startsWith("lib/util/") || dep.startsWith("lib/engine/"),
        `${file} imports ${dep}`,
      );
    }
  }
});

Deno.test("no import cycles but the kernel's own: clockevents ⇄ tick (lib/time/)", () => {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const dep of GRAPH.get(f) ?? []) {
      if (!GRAPH.has(dep)) continue;
      if (state.get(dep) === "open") {
        const cycle = stack.slice(stack.indexOf(dep));
        if (!cycle.every((x) => x.startsWith("lib/time/"))) {
          cycles.push([...cycle, dep].join(" -> "));
        }
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of GRAPH.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

Deno.test("nothing under lib/ or tasks/ imports from repl/, even through another file", () => {
  const reaches = (f: string, seen = new Set<string>()): string | null => {
    for (const dep of GRAPH.get(f) ?? []) {
      if (dep.startsWith("repl/")) return dep;
      if (seen.has(dep)) continue;
      seen.add(dep);
      const via = reaches(dep, seen);
      if (via) return via;
    }
    return null;
  };
  for (const f of GRAPH.keys()) {
    if (f.startsWith("lib/") || f.startsWith("tasks/")) assert.equal(reaches(f), null, f);
  }
});

// Pure data tables may be long; code may not. The generated kernel tables are data.
const DATA_TABLES = new Set<string>(
  [...text.keys()].filter((f) => f.startsWith("lib/kernels/tables/")),
);

Deno.test("no file in lib/ or repl/ is over 400 lines, pure data tables aside", () => {
  const long = [...text].filter(([f, t]) =>
    (f.startsWith("lib/") || f.startsWith("repl/")) && !DATA_TABLES.has(f) &&
    t.split("\n").length > 400
  ).map(([f, t]) => `${f}: ${t.split("\n").length} lines`);
  assert.deepEqual(long, []);
});

// Deno's update check (a DNS query for dl.deno.land from `deno run`, once a day) is off for
// every deno a task starts (issue 12: `deno task repl` made that query), and in .ci/run.
Deno.test("every deno a task starts runs with DENO_NO_UPDATE_CHECK=1", () => {
  const tasks: Record<string, string> = JSON.parse(
    Deno.readTextFileSync(new URL("deno.json", ROOT)),
  ).tasks;
  for (const [name, line] of Object.entries(tasks)) {
    const commands = line.split(/&&|\|\||;|\|/).map((c) => c.trim());
    for (const c of commands.filter((c) => /(^|\s)deno\s/.test(c))) {
      assert.match(c, /^DENO_NO_UPDATE_CHECK=1 deno /, `task ${name}: ${c}`);
    }
  }
  assert.match(
    Deno.readTextFileSync(new URL(".ci/run", ROOT)),
    /^export DENO_NO_UPDATE_CHECK=1$/m,
  );
});

// mod.ts is imported by URL with no import map (README §API tour, tests/url_import_test.ts), so
// every module it reaches may name only relative paths and `node:` built-ins, and only literally
// (a computed `import()` could not be checked).

/** The modules `code` imports (value, type, side-effect, re-export, literal `import()`). */
function specifiersOf(code: string): { specifiers: string[]; computed: string[] } {
  const bare = code.replace(/\/\*\*[\s\S]*?\*\//g, ""); // JSDoc examples import "../../mod.ts"
  return {
    specifiers: [
      ...bare.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]*)"/gm),
      ...bare.matchAll(/^\s*import\s*"([^"]*)"/gm),
      ...bare.matchAll(/\bimport\s*\(\s*"([^"]*)"\s*\)/g),
    ].map((m) => m[1]),
    computed: [...bare.matchAll(/\bimport\s*\(\s*([^"\s)][^)]*)\)/g)].map((m) => m[1]),
  };
}

Deno.test("the import walk sees every form of import", () => {
  const { specifiers, computed } = specifiersOf([
    'import { a } from "./a.ts";',
    'import type {\n  B,\n} from "../b.ts";',
    'export * from "jsr:@std/assert";',
    'import "npm:fast-check";',
    'const c = await import("https://example.com/c.ts");',
    "const d = await import(name);",
    '/** ```ts\n * import { vm } from "../../mod.ts";\n * ``` */',
  ].join("\n"));
  assert.deepEqual(specifiers, [
    "./a.ts",
    "../b.ts",
    "jsr:@std/assert",
    "npm:fast-check",
    "https://example.com/c.ts",
  ]);
  assert.deepEqual(computed, ["name"]);
});

Deno.test("mod.ts and everything it imports use only relative paths and node: built-ins", () => {
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const { specifiers, computed } = specifiersOf(Deno.readTextFileSync(new URL(file, ROOT)));
    for (const c of computed) bad.push(`${file}: import(${c})`);
    for (const s of specifiers) {
      if (s.startsWith("./") || s.startsWith("../")) {
        visit(new URL(s, new URL(file, ROOT)).pathname.slice(ROOT.pathname.length));
      } else if (!s.startsWith("node:")) bad.push(`${file}: "${s}"`);
    }
  };
  visit("mod.ts");
  assert.deepEqual(bad, []);
  assert.ok(seen.has("lib/api/builder.ts") && seen.has("lib/timeline/report.ts"), [...seen].join());
});
