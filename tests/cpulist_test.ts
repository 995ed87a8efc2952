/**
 * The cpulist files (`/sys/devices/system/cpu/{online,offline,possible,present}`) print in one pass
 * over the CPUs (lib/hotplug/sysfs.ts cpumaskList): the text must be what listing the CPUs first
 * and formatting the list (cpulistFormat) prints, byte for byte.
 */
import assert from "node:assert/strict";
import { cpulistFormat, cpumaskList } from "../lib/hotplug/sysfs.ts";
import { vm } from "../mod.ts";

Deno.test("cpumaskList: every mask of up to 12 CPUs prints as its list does", () => {
  for (let n = 0; n <= 12; n++) {
    for (let mask = 0; mask < 1 << n; mask++) {
      const cpus = [...Array(n).keys()].map((cpu) => ({ online: (mask >> cpu & 1) === 1 }));
      const ids = (keep: (on: boolean) => boolean) =>
        cpulistFormat([...cpus.keys()].filter((cpu) => keep(cpus[cpu].online)));
      const at = `mask ${mask.toString(2)} of ${n}`;
      assert.equal(cpumaskList(cpus, true), ids((on) => on), at);
      assert.equal(cpumaskList(cpus, false), ids((on) => !on), at);
      assert.equal(cpumaskList(cpus, null), ids(() => true), at);
    }
  }
});

Deno.test("cpulist files: each prints the CPUs its mask holds, as the list format does", () => {
  const m = vm().cpus(12).build();
  const expect = () => {
    const cpus = m.cpus();
    const files: Record<string, number[]> = {
      online: cpus.filter((c) => c.online).map((c) => c.cpu),
      offline: cpus.filter((c) => !c.online).map((c) => c.cpu),
      possible: cpus.map((c) => c.cpu),
      present: cpus.map((c) => c.cpu),
    };
    for (const [name, list] of Object.entries(files)) {
      assert.equal(m.read(`/sys/devices/system/cpu/${name}`), `${cpulistFormat(list)}\n`, name);
    }
  };
  expect();
  assert.equal(m.read("/sys/devices/system/cpu/offline"), "\n");
  // A lone CPU, a run, a run at the top end: every shape of range.
  for (const cpu of [3, 5, 6, 7, 11, 10]) {
    assert.equal(m.offline(cpu).ok, true);
    expect();
  }
  assert.equal(m.read("/sys/devices/system/cpu/online"), "0-2,4,8-9\n");
  assert.equal(m.read("/sys/devices/system/cpu/offline"), "3,5-7,10-11\n");
  assert.equal(m.read("/sys/devices/system/cpu/possible"), "0-11\n");
});
