/**
 * Fast-forward is exact (lib/time/fast_forward.ts): over thousands of random histories (random
 * VMs over kernel lines, hosts, arches and HZ; online/offline, advances of random lengths,
 * hibernate/resume, poweroff/poweron, reset, echo into the hotplug and clockevents files), a
 * machine that fast-forwards and one forced to step every tick give the same results, the same
 * whole state (snapshot: log, trace, interrupt counts included) after every operation, and the
 * same fingerprint and views (cpus, bound devices, every readable file: sysfs, /proc/timer_list,
 * /proc/interrupts, tracefs) at the end.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { HYPERV_IDS, KERNEL_IDS, type Machine, record, vm, type VmOptions } from "../mod.ts";
import { forceTickStepping } from "../lib/time/fast_forward.ts";

const CPU = "/sys/devices/system/cpu";

const config: fc.Arbitrary<VmOptions> = fc.record({
  hyperv: fc.constantFrom(...HYPERV_IDS),
  arch: fc.constantFrom("x86_64" as const, "x86_64" as const, "arm64" as const),
  kernel: fc.constantFrom(...KERNEL_IDS),
  cpus: fc.integer({ min: 1, max: 6 }),
  hz: fc.constantFrom(100, 250, 300, 1000),
  generation: fc.constantFrom(1 as const, 2 as const),
  cpu0Hotplug: fc.boolean(),
  hotplugStateControl: fc.boolean(),
  // Tick tracing on: batched stepping (lib/time/tick_rounds.ts) against plain stepping.
  traceTicks: fc.integer({ min: 0, max: 9 }).map((x) => x < 3),
  // Small trace rings: the batched run's events wrap them many times.
  traceBuffer: fc.constantFrom(16, 100, 1000, 32768),
});

// Lines as a script writes them; the CPU number is taken modulo the machine's.
const line: fc.Arbitrary<(cpus: number) => string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.integer({ min: 0, max: 1_500_000_000 }).map((ns) => () => `advance ${ns}ns`),
  },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }).map((ms) => () => `advance ${ms}ms`) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom("online", "offline"), fc.nat()).map(
      ([w, c]) => (n: number) => `${w} ${c % n}`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("hibernate", "resume", "poweroff", "poweron", "reset").map(
      (w) => () => w,
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom("fail", "target"),
      fc.nat(),
      fc.integer({ min: -1, max: 240 }),
    )
      .map(([f, c, v]) => (n: number) => `echo ${v} > ${CPU}/cpu${c % n}/hotplug/${f}`),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(0, 1)).map(([c, v]) => (n: number) =>
      `echo ${v} > ${CPU}/cpu${c % n}/online`
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom("lapic", "Hyper-V clockevent", "hpet", "pit"))
      .map(([c, name]) => (n: number) =>
        `echo ${name} > /sys/devices/system/clockevents/clockevent${c % n}/unbind_device`
      ),
  },
);

function run(m: Machine, text: string, step: boolean): string {
  const was = forceTickStepping(step);
  try {
    return JSON.stringify(m.run(text));
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    forceTickStepping(was);
  }
}

function views(m: Machine): string {
  const parts = [
    `now=${m.now} jiffies=${m.jiffies} power=${m.power} hung=${m.hung} fp=${m.fingerprint()}`,
    JSON.stringify(m.cpus()),
    JSON.stringify(m.devices()),
    JSON.stringify(m.problems()),
    m.dmesg(),
    m.console(),
    JSON.stringify(m.trace),
  ];
  for (let cpu = 0; cpu < m.config.cpus; cpu++) parts.push(`${cpu}:${m.boundDevice(cpu)}`);
  for (const path of m.files()) {
    try {
      parts.push(`${path}=${m.read(path)}`);
    } catch (e) {
      parts.push(`${path}!${(e as Error).name}`);
    }
  }
  return parts.join("\n");
}

function build(options: VmOptions): Machine | null {
  try {
    return vm(options).build();
  } catch {
    return null; // a configuration vm() refuses: nothing to compare
  }
}

Deno.test("fast-forward ends exactly where stepping does, over random histories", () => {
  let jumped = 0;
  fc.assert(
    fc.property(config, fc.array(line, { minLength: 1, maxLength: 12 }), (options, lines) => {
      const fast = build(options);
      const slow = build(options);
      if (!fast || !slow) return;
      for (const make of lines) {
        const text = make(options.cpus!);
        assert.equal(run(fast, text, false), run(slow, text, true), text);
        assert.deepEqual(fast.snapshot(), slow.snapshot(), text);
        if (text.startsWith("advance") && fast.power === "on") jumped++;
      }
      assert.equal(views(fast), views(slow));
    }),
    { numRuns: 2000 },
  );
  assert.ok(jumped > 1000, `only ${jumped} advances of a running machine`);
});

Deno.test("fast-forward: advance 1h on 8 vCPUs at HZ=1000 counts every tick", () => {
  const m = vm().hyperv("2019").kernel("5.5").cpus(8).hz(1000).build();
  m.advance("10ms");
  const before = m.cpus().map((c) => c.ticks);
  const jiffies = m.jiffies;
  const interrupts = m.advance("1h");
  assert.equal(m.jiffies - jiffies, 3_600_000);
  assert.deepEqual(m.cpus().map((c, i) => c.ticks - before[i]), before.map(() => 3_600_000));
  assert.equal(interrupts, 8 * 3_600_000);
});

Deno.test("batched stepping: a recording (a tick observer) sees every tick as plain stepping does", () => {
  const script = ["advance 30ms", "offline 2", "advance 7ms", "online 2", "advance 25ms"];
  for (const kernel of ["5.4", "6.1"]) {
    const config = { hyperv: "2019", kernel, cpus: 4, hz: 1000 } as const;
    const batched = JSON.stringify(record(config, script));
    const was = forceTickStepping(true);
    try {
      assert.equal(batched, JSON.stringify(record(config, script)));
    } finally {
      forceTickStepping(was);
    }
  }
});
