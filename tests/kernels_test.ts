/**
 * Kernel releases are data with a parent: the committed tables are what `deno task extract` makes
 * of the extracted sources, each release's delta chain gives back exactly the tables read from its
 * source, and behaviour differences are switches (no release id compared to a literal outside
 * lib/kernels/).
 */
import assert from "node:assert/strict";
import { KERNEL_LINES, RELEASE_CHAIN } from "../lib/kernels/lines.ts";
import { expand } from "../lib/kernels/release.ts";
import { MODELLED_KEYS, REGISTRANTS } from "../lib/kernels/registrants.ts";
import { generated } from "../tasks/extract.ts";
import type { Extracted } from "../tasks/extract/tables.ts";

const ROOT = new URL("../", import.meta.url);
const extracted = (id: string): Extracted =>
  JSON.parse(Deno.readTextFileSync(new URL(`docs/research/kernels/${id}.json`, ROOT)));

Deno.test("the committed tables are what `deno task extract tables` makes of the extracted sources", async () => {
  for (const [name, text] of await generated()) {
    const committed = Deno.readTextFileSync(new URL(`lib/kernels/tables/${name}`, ROOT));
    assert.equal(committed, text, `lib/kernels/tables/${name}: run deno task extract tables`);
  }
});

Deno.test("each release's delta chain gives back the enum and steps read from its source", () => {
  for (const r of RELEASE_CHAIN) {
    const id = r.tables.id;
    const source = extracted(id);
    const line = KERNEL_LINES[id];
    assert.equal(r.tables.parent, source.parent, `${id}'s parent`);
    assert.equal(r.tables.tag, source.tag);
    assert.deepEqual(line.enumNames, expand(source.enum.map((e) => e.name)), `${id}'s enum`);
    const key = (
      s: {
        id: string;
        name: string;
        startup: string | null;
        teardown: string | null;
        cantStop?: boolean;
      },
    ) => JSON.stringify([s.id, s.name, s.startup, s.teardown, s.cantStop ?? false]);
    assert.deepEqual(
      line.core.map(key).sort(),
      source.steps.map(key).sort(),
      `${id}'s cpuhp_hp_states[]`,
    );
  }
});

Deno.test("the well-known state numbers of each line (docs/model.md §Sources; the Debian releases' as their real kernels printed them, ../shared/real-kernel README §10)", () => {
  const numbers = Object.fromEntries(
    Object.values(KERNEL_LINES).map((l) => [l.id, [l.cpuhp.ONLINE, l.cpuhp.HYPERV_TIMER_STARTING]]),
  );
  assert.deepEqual(numbers, {
    "5.2": [204, null],
    // 5.4.301: four more entries below CPUHP_ONLINE than 5.4.6's 205 (PADATA_DEAD, RANDOM_PREPARE,
    // AP_HRTIMERS_DYING, AP_RANDOM_ONLINE; SDEI_STARTING gone, OMAP_DM_TIMER_STARTING added).
    "5.4": [209, null],
    "5.5": [207, 124],
    "5.10": [220, 131],
    "5.15": [231, 135],
    "6.1": [236, 137],
    "6.6": [236, 139],
    "6.8": [233, 130],
    "6.12": [236, 132],
    "6.18": [237, 132],
  });
});

Deno.test("every registrant a release names exists, and every modelled one is in some release", () => {
  const keys = new Set(REGISTRANTS.map((r) => r.key));
  assert.equal(keys.size, REGISTRANTS.length, "registrant keys are unique");
  for (const line of Object.values(KERNEL_LINES)) {
    for (const k of line.registrants) assert.ok(keys.has(k), `${line.id} names ${k}`);
  }
  for (const k of MODELLED_KEYS) {
    assert.ok(Object.values(KERNEL_LINES).some((l) => l.registrants.has(k)), k);
  }
});

Deno.test("no release id is compared to a literal outside lib/kernels/ (behaviour follows switches)", () => {
  const offending: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) {
        if (path !== "lib/kernels") walk(path);
      } else if (e.name.endsWith(".ts")) {
        // Code only: JSDoc examples build machines of a line, which is not a comparison.
        const code = Deno.readTextFileSync(new URL(path, ROOT)).replace(/\/\*\*[\s\S]*?\*\//g, "");
        code.split("\n").forEach((text, i) => {
          if (
            /(\.id|kernel|line)\s*[!=]==?\s*["'`]\d+\.\d+/.test(text) ||
            /["'`]\d+\.\d+["'`]\s*[!=]==?/.test(text) ||
            /case\s+["'`]\d+\.\d+["'`]/.test(text)
          ) {
            offending.push(`${path}:${i + 1}: ${text.trim()}`);
          }
        });
      }
    }
  };
  for (const dir of ["lib", "repl", "tasks"]) walk(dir);
  assert.deepEqual(offending, []);
});
