/**
 * Every kernel line boots on x86_64 and arm64, takes a CPU offline and back, and lists its hotplug
 * states at the numbers of its own extracted `enum cpuhp_state` (docs/research/kernels/ID.json);
 * the release-specific switches of issue 13's lines (5.15.215, 6.6.150, 6.8.1, 6.18.9, and 5.4
 * re-pointed to 5.4.301), each as its source says.
 */
import assert from "node:assert/strict";
import { KERNEL_IDS, vm } from "../mod.ts";
import { KERNEL_LINES, RELEASE_VERSIONS } from "../lib/kernels/lines.ts";
import { expand } from "../lib/kernels/release.ts";

const ROOT = new URL("../", import.meta.url);
const enumOf = (id: string): string[] =>
  expand(
    JSON.parse(Deno.readTextFileSync(new URL(`docs/research/kernels/${id}.json`, ROOT))).enum.map(
      (e: { name: string }) => e.name,
    ),
  );

Deno.test("every line boots on x86_64 and arm64, offlines and onlines a CPU, and lists its own state numbers", async (t) => {
  for (const id of KERNEL_IDS) {
    for (const arch of ["x86_64", "arm64"] as const) {
      const line = KERNEL_LINES[id];
      if (arch === "arm64" && line.registrantOrder.every((k) => !k.startsWith("arm64/"))) continue;
      await t.step(`${id} ${arch}`, () => {
        const m = vm().hyperv("2019").arch(arch).kernel(id).cpus(4).build();
        // 5.2 and 5.4 hang on an offline unless the kthread_park() race passes (docs/model.md §Hangs).
        m.parkRace = "passes";
        const off = m.offline(2);
        assert.equal(off.ok, true, `${id} ${arch} offline: ${off.message}`);
        const on = m.online(2);
        assert.equal(on.ok, true, `${id} ${arch} online: ${on.message}`);
        const names = enumOf(id);
        const text = m.read("/sys/devices/system/cpu/hotplug/states");
        for (const row of text.trimEnd().split("\n")) {
          const [, num, name] = /^\s*(\d+): (.*)$/.exec(row)!;
          const n = Number(num);
          assert.ok(n < names.length, `${id}: ${row}`);
          if (name === "online") assert.equal(names[n], "CPUHP_ONLINE");
        }
        assert.equal(
          m.read("/sys/devices/system/cpu/cpu2/hotplug/state").trim(),
          String(names.indexOf("CPUHP_ONLINE")),
        );
        const hv = arch === "x86_64" ? "x86/hyperv_init:online" : "arm64/hyperv_init:online";
        // 5.2–5.5 arm64 guests ran out-of-tree Hyper-V code without this state.
        if (![...line.registrants].some((k) => k.startsWith(`${hv}@`))) return;
        const at = text.split("\n").find((l) => l.endsWith(` ${hv}`));
        assert.ok(at, `${id} ${arch} lists ${hv}`);
        const fixed = names.indexOf("CPUHP_AP_HYPERV_ONLINE");
        if (fixed >= 0) {
          assert.equal(Number(at!.trim().split(":")[0]), fixed, `${id}: ${hv} in the fixed state`);
        } else {
          const n = Number(at!.trim().split(":")[0]);
          assert.ok(
            n >= line.cpuhp.AP_ONLINE_DYN && n < line.cpuhp.AP_ONLINE_DYN_END,
            `${id}: ${hv} dynamic`,
          );
        }
      });
    }
  }
});

Deno.test("the new lines are the releases they name, with their sources' numbers", () => {
  assert.deepEqual(
    Object.fromEntries(
      (["5.4", "5.15", "6.6", "6.8", "6.18"] as const).map((id) => [id, RELEASE_VERSIONS[id]]),
    ),
    { "5.4": "5.4.301", "5.15": "5.15.215", "6.6": "6.6.150", "6.8": "6.8.1", "6.18": "6.18.9" },
  );
  // 6.6.150, 6.8.1, 6.18.9 include/linux/cpuhotplug.h: CPUHP_BP_KICK_AP and CPUHP_AP_HYPERV_ONLINE.
  const n = (id: string, name: string) => KERNEL_LINES[id].enumNames.indexOf(name);
  assert.deepEqual(
    ["6.6", "6.8", "6.18"].map((
      id,
    ) => [n(id, "CPUHP_BP_KICK_AP"), n(id, "CPUHP_AP_HYPERV_ONLINE")]),
    [[91, 153], [86, 144], [83, 147]],
  );
  assert.equal(n("5.15", "CPUHP_AP_HYPERV_ONLINE"), -1);
});

Deno.test("x86 CPU0 is hotpluggable with cpu0_hotplug up to 6.1, never from 6.6 (e59e74dc48a3)", () => {
  for (const id of KERNEL_IDS) {
    const m = vm().kernel(id).cpus(2).cpu0Hotplug().build();
    const exists = m.files().includes("/sys/devices/system/cpu/cpu0/online");
    assert.equal(exists, KERNEL_LINES[id].x86Cpu0Hotplug === "cpu0_hotplug", id);
  }
  assert.deepEqual(
    KERNEL_IDS.filter((id) => KERNEL_LINES[id].x86Cpu0Hotplug === "never"),
    ["6.6", "6.8", "6.12", "6.18"],
  );
});

Deno.test("the story switches per release, as each tree says", () => {
  const row = (
    key:
      | "kexecHvCpuDie"
      | "stimerTdxLowRating"
      | "vmbusOfflineMovesChannels"
      | "hresResetOnStarting",
  ) => Object.fromEntries(KERNEL_IDS.map((id) => [id, KERNEL_LINES[id][key]]));
  assert.deepEqual(row("kexecHvCpuDie"), {
    "5.2": "none",
    "5.4": "none",
    "5.5": "none",
    // dfe94d4086e4 is in stable 5.10 (5.10.265 mshyperv.c:142-143, standing in for 5.10.262).
    "5.10": "dynamic-state",
    "5.15": "dynamic-state",
    "6.1": "dynamic-state",
    "6.6": "fixed-state",
    "6.8": "skipped",
    "6.12": "fixed-state",
    "6.18": "fixed-state",
  });
  assert.deepEqual(
    KERNEL_IDS.filter((id) => KERNEL_LINES[id].kexecStartingLevel === "emerg"),
    ["5.2", "5.4", "5.5"],
  );
  assert.deepEqual(
    KERNEL_IDS.filter((id) => KERNEL_LINES[id].stimerTdxLowRating),
    ["6.12", "6.18"],
  );
  assert.deepEqual(KERNEL_IDS.filter((id) => KERNEL_LINES[id].vmbusOfflineMovesChannels), ["6.18"]);
  // 9636be85cc5b (6.4) stopped freeing the hypercall input page on offline.
  assert.deepEqual(
    KERNEL_IDS.filter((id) => KERNEL_LINES[id].hvInputPageFreedOnDie),
    ["5.2", "5.4", "5.5", "5.10", "5.15", "6.1"],
  );
  // HV_ISOLATION_TYPE_TDX without a paravisor: 6.6.150 mshyperv.c:501-518, none in 6.1.166.
  assert.deepEqual(
    KERNEL_IDS.filter((id) => KERNEL_LINES[id].hypervTdxGuest),
    ["6.6", "6.8", "6.12", "6.18"],
  );
  // 2f8dea1692ee: a startup for hrtimers:dying where the switch is on (the tables agree).
  for (const id of KERNEL_IDS) {
    const step = KERNEL_LINES[id].core.find((s) => s.id === "CPUHP_AP_HRTIMERS_DYING");
    assert.equal(
      row("hresResetOnStarting")[id],
      step?.startup === "hrtimers_cpu_starting",
      id,
    );
  }
  assert.equal(
    KERNEL_LINES["6.8"].core.find((s) => s.id === "CPUHP_AP_HRTIMERS_DYING")?.startup,
    null,
  );
});

Deno.test("5.4 models 5.4.301: CPU0 refuses while VMbus is connected, 7-digit pids, the hrtimers:dying step", () => {
  const l = KERNEL_LINES["5.4"];
  assert.equal(l.vmbusConnectCpuBusy, true);
  assert.equal(l.ftrace.pidWidth, 7);
  assert.deepEqual(
    ["random:prepare", "hrtimers:dying", "random:online"].map((n) =>
      l.core.some((s) => s.name === n)
    ),
    [true, true, true],
  );
  // 5.5 (mainline v5.5) has none of what 5.4.301 took from stable.
  const m55 = KERNEL_LINES["5.5"];
  assert.equal(m55.vmbusConnectCpuBusy, false);
  assert.equal(m55.ftrace.pidWidth, 5);
  const h = vm().kernel("5.4").cpus(2).cpu0Hotplug().build();
  const r = h.offline(0);
  assert.equal(r.errno, "EBUSY");
});
