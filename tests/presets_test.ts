// Presets (issue 13): every preset boots what it says, flags beside it win, a wrong name is refused
// with a hint and changes nothing, and `help vm` and the README list every one.
import assert from "node:assert/strict";
import { vm } from "../mod.ts";
import { VM_PRESETS } from "../lib/kernels/presets.ts";
import { configFacts } from "../lib/kernels/configs.ts";
import { vmLine, vmOptions } from "../lib/ops/vm_line.ts";
import { transcript } from "./transcript.ts";

Deno.test("presets: each boots its kernel, config, host, HZ and arch", async (t) => {
  for (const p of VM_PRESETS) {
    await t.step(p.id, () => {
      const m = vm().preset(p.id).cpus(2).build();
      const c = m.config;
      assert.deepEqual(
        [c.kernel, c.kconfig, c.hyperv, c.hz, c.arch],
        [p.options.kernel, p.options.kconfig, p.options.hyperv, p.options.hz, p.options.arch],
      );
      const facts = configFacts(p.options.kconfig, p.options.kernel);
      assert.ok(facts, "the config exists for the line");
      // The config file a user greps shows the preset's HZ, tick mode and Hyper-V build.
      const kconfig = m.kconfig();
      assert.ok(kconfig.includes(`CONFIG_HZ=${p.options.hz}`));
      assert.ok(kconfig.includes(`CONFIG_HYPERV=${facts.hyperv}`));
      assert.ok(kconfig.includes(`CONFIG_NO_HZ_${facts.nohz === "full" ? "FULL" : "IDLE"}=y`));
      // The label names the kernel release the line models.
      assert.equal(m.offline(1).ok, true);
      assert.equal(m.online(1).ok, true);
      // The written-back vm line boots the same machine without the preset.
      const again = vm(vmOptions(parseLine(vmLine(c, {})))).build();
      assert.equal(again.fingerprint(), vm().preset(p.id).cpus(2).build().fingerprint());
    });
  }
});

/** The flag values of a `vm --a x --b y …` line written by vmLine (no quoted values there). */
function parseLine(line: string): Record<string, unknown> {
  const words = line.split(" ").slice(1);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const flag = words[i].slice(2);
    if (i + 1 < words.length && !words[i + 1].startsWith("--")) out[flag] = words[++i];
    else out[flag] = true;
  }
  return out;
}

Deno.test("presets: options given beside a preset win", () => {
  const p = VM_PRESETS[0];
  const c = vm({ preset: p.id, hz: 1000, hyperv: "2016" }).config();
  assert.deepEqual([c.kernel, c.hz, c.hyperv], [p.options.kernel, 1000, "2016"]);
});

Deno.test("presets: an unknown one is refused with a hint, naming the valid ones", () => {
  const b = vm().cpus(2);
  assert.throws(
    () => b.preset("debain-12").build(),
    (e: Error) =>
      /preset: "debain-12" is not valid \(did you mean "debian-12"\?\); valid: debian-11, /
        .test(e.message),
  );
  assert.throws(() => vm().preset(12 as never), TypeError);
});

Deno.test("presets: `help vm` and the README list every preset", async () => {
  const out = await transcript("help vm");
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  for (const p of VM_PRESETS) {
    assert.match(out, new RegExp(`^  ${p.id} +${escape(p.label)}$`, "m"));
    assert.ok(readme.includes(`\`${p.id}\``), `README lists ${p.id}`);
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
