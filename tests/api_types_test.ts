/**
 * The API as `deno doc mod.ts` and an editor show it (issue 14, point 11): the module doc leads
 * with `vm()` and the builder, the string options are literal unions that hold exactly their
 * tables' ids, and every builder option says its default, which is what `vm()` builds.
 */
import assert from "node:assert/strict";
import {
  type Arch,
  ARCHES,
  CONFIG_IDS,
  CONFIG_PRESETS,
  type ConfigId,
  HOSTS,
  HYPERV_IDS,
  type HypervId,
  KERNEL_IDS,
  type KernelId,
  PRESET_IDS,
  type PresetId,
  RELEASE_VERSIONS,
  type Suggested,
  vm,
  VM_PRESETS,
  type VmBuilder,
  type VmOptions,
} from "../mod.ts";
import { KERNEL_LINES, RELEASE_CHAIN } from "../lib/kernels/lines.ts";

/** `true` exactly when A and B are the same type (not merely assignable one way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
/** Compiles only with `true`: a type-level assertion that `deno check` makes. */
const holds = <T extends true>(): T | undefined => undefined;

// Each union is a literal union (an editor completes it), not `string`...
holds<string extends KernelId ? false : true>();
holds<string extends HypervId ? false : true>();
holds<string extends ConfigId ? false : true>();
holds<string extends PresetId ? false : true>();
holds<string extends Arch ? false : true>();
// ...and what the builder and VmOptions take: the union, or any other string for build() to refuse.
holds<Equal<Parameters<VmBuilder["kernel"]>[0], Suggested<KernelId>>>();
holds<Equal<Parameters<VmBuilder["hyperv"]>[0], Suggested<HypervId>>>();
holds<Equal<Parameters<VmBuilder["kconfig"]>[0], Suggested<ConfigId>>>();
holds<Equal<Parameters<VmBuilder["preset"]>[0], Suggested<PresetId>>>();
holds<Equal<Parameters<VmBuilder["arch"]>[0], Suggested<Arch>>>();
holds<Equal<NonNullable<VmOptions["kernel"]>, Suggested<KernelId>>>();
holds<Equal<NonNullable<VmOptions["hyperv"]>, Suggested<HypervId>>>();
holds<Equal<ReturnType<VmBuilder["config"]>["kernel"], KernelId>>();
holds<Equal<ReturnType<VmBuilder["config"]>["hyperv"], HypervId>>();
holds<Equal<ReturnType<VmBuilder["config"]>["kconfig"], ConfigId>>();

Deno.test("each union holds exactly its table's ids, in the table's order", () => {
  // The release chain (lib/kernels/releases_*.ts) and the lines it resolves to.
  assert.deepEqual(RELEASE_CHAIN.map((r) => r.tables.id), [...KERNEL_IDS]);
  assert.deepEqual(Object.keys(KERNEL_LINES), [...KERNEL_IDS]);
  assert.deepEqual(Object.keys(RELEASE_VERSIONS), [...KERNEL_IDS]);
  assert.deepEqual([...HOSTS.map((h) => h.id), "none"], [...HYPERV_IDS]);
  assert.deepEqual(CONFIG_PRESETS.map((c) => c.id), [...CONFIG_IDS]);
  assert.deepEqual(VM_PRESETS.map((p) => p.id), [...PRESET_IDS]);
  assert.deepEqual([...ARCHES], ["x86_64", "arm64"]);
  // Every id builds (in a configuration that takes it), so none is a name the model lacks.
  for (const kernel of KERNEL_IDS) assert.equal(vm().kernel(kernel).config().kernel, kernel);
  for (const hyperv of HYPERV_IDS) {
    assert.equal(vm().hyperv(hyperv).generation(1).cpus(1).config().hyperv, hyperv);
  }
  for (const preset of PRESET_IDS) assert.ok(vm().preset(preset).config());
  for (const c of CONFIG_PRESETS) {
    const kernel = c.lines[0].id;
    assert.equal(vm().kernel(kernel).kconfig(c.id).arch(c.arches[0]).config().kconfig, c.id);
  }
});

/** `deno doc --json mod.ts`: its module doc and symbols. */
async function docJson(): Promise<{
  module_doc: { doc: string; tags?: { kind: string; doc?: string }[] };
  symbols: { name: string; declarations: { def: Record<string, unknown> }[] }[];
}> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts"],
    cwd: new URL("../", import.meta.url),
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  return Object.values(json.nodes)[0] as Awaited<ReturnType<typeof docJson>>;
}

Deno.test("deno doc mod.ts leads with vm() and the builder", async () => {
  const doc = await docJson();
  assert.deepEqual(doc.symbols.slice(0, 3).map((s) => s.name), ["vm", "VmBuilder", "VmOptions"]);
  // The module doc's first link and its first example are vm()'s.
  assert.equal(/\{@linkcode (\w+)\}/.exec(doc.module_doc.doc)?.[1], "vm");
  const example = doc.module_doc.tags?.find((t) => t.kind === "example")?.doc ?? "";
  assert.match(example, /^[^]*?```ts\nimport \{ vm \} from "\.\/mod\.ts";/);
  // Its tour names each union it offers, each a public symbol of mod.ts.
  const names = new Set(doc.symbols.map((s) => s.name));
  for (const u of ["KernelId", "HypervId", "ConfigId", "PresetId", "Arch"]) {
    assert.ok(doc.module_doc.doc.includes(`{@linkcode ${u}}`), u);
    assert.ok(names.has(u), u);
  }
});

/** Each option's default as `vm()` builds it, where the config holds it under another shape. */
const BUILT: Readonly<Record<string, (c: ReturnType<VmBuilder["config"]>) => unknown>> = {
  memory: (c) => c.memoryMiB,
  shell: (c) => `${c.shell.comm}-${c.shell.pid}`,
  isolation: (c) => c.isolation ?? "none",
};

/** The default a doc states: its `Default: …` or `Default (not called): …` sentence. */
function stated(doc: string, where: string): string {
  const m = /Default(?: \(not called\))?: ([^]+?)\.?$/.exec(doc.replace(/\s+/g, " ").trim());
  assert.ok(m, `${where} states no default: ${JSON.stringify(doc)}`);
  return m[1];
}

Deno.test("every builder option states its default, and a literal one is what vm() builds", async () => {
  const doc = await docJson();
  const def = (name: string) => doc.symbols.find((s) => s.name === name)!.declarations[0].def;
  const props = def("VmOptions").properties as { name: string; jsDoc?: { doc: string } }[];
  const methods = def("VmBuilder").methods as {
    name: string;
    jsDoc?: { tags?: { kind: string; name?: string; doc?: string }[] };
    functionDef: { params: unknown[] };
  }[];
  const built = vm().config() as unknown as Record<string, unknown>;
  const options = new Map(
    props.map((p) => [p.name, stated(p.jsDoc?.doc ?? "", `VmOptions.${p.name}`)]),
  );
  let literal = 0;
  for (const [name, value] of options) {
    if (!/^`[^`]+`$/.test(value)) continue; // prose: depends on the host, the line…
    literal++;
    const got = BUILT[name] ? BUILT[name](vm().config()) : built[name];
    assert.deepEqual(got, JSON.parse(value.slice(1, -1)), `VmOptions.${name}: Default ${value}`);
  }
  assert.ok(literal >= 15, `${literal} literal defaults`);
  const setters = methods.filter((m) => m.functionDef.params.length === 1);
  assert.ok(setters.length >= 20, `${setters.length} setters`);
  for (const m of setters) {
    const param = m.jsDoc?.tags?.find((t) => t.kind === "param");
    assert.ok(param?.doc, `VmBuilder.${m.name} documents no parameter`);
    // The setter states the same default as the option it sets.
    assert.equal(stated(param.doc, `VmBuilder.${m.name}`), options.get(m.name), m.name);
  }
});
