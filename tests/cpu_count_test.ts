/**
 * `Machine.cpuCount` is `config.cpus` read without a copy: it must follow the kernel the machine
 * holds now, including one restored from another machine's snapshot.
 */
import assert from "node:assert/strict";
import { vm } from "../mod.ts";

Deno.test("cpuCount follows config.cpus across restore, reset and a power cycle", () => {
  const m = vm().cpus(4).build();
  assert.equal(m.cpuCount, 4);
  m.restore(vm().cpus(2).build().snapshot());
  assert.equal(m.cpuCount, 2);
  assert.equal(m.cpuCount, m.config.cpus);
  m.reset();
  assert.equal(m.cpuCount, 2);
  m.run("poweroff");
  m.powerOn();
  assert.equal(m.cpuCount, m.config.cpus);
});

Deno.test("config stays a copy: changing it changes neither config nor cpuCount", () => {
  const m = vm().cpus(4).build();
  const c = m.config as { cpus: number };
  c.cpus = 9;
  assert.equal(m.config.cpus, 4);
  assert.equal(m.cpuCount, 4);
});
