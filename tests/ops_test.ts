/**
 * The operation table is the one home of every operation: a line parses into it and is written
 * back the same, the REPL's commands, the script reader and exploration all take their
 * operations from it, and the Machine, a scenario and exploration run the same code.
 */
import assert from "node:assert/strict";
import { UNTIL_OPTION } from "../repl/until.ts";
import {
  explore,
  formatOperation,
  type Operation,
  OPERATION_NAMES,
  parseOperation,
  runScenario,
  vm,
} from "../mod.ts";
import { OPERATIONS } from "../lib/ops/operations.ts";
import { usage } from "../lib/ops/grammar.ts";
import { OTHER_WORDS, readScript } from "../lib/ops/script.ts";
import { VM_GRAMMAR, vmLine, vmOptions, withFields } from "../lib/ops/vm_line.ts";
import { COMMANDS } from "../repl/commands/index.ts";

const SAMPLES: readonly Operation[] = [
  { kind: "online", cpu: 3 },
  { kind: "offline", cpu: 0 },
  { kind: "advance", ns: 1_500 },
  { kind: "hibernate" },
  { kind: "resume" },
  { kind: "reset" },
  { kind: "kexec" },
  { kind: "kdump" },
  { kind: "race", side: "passes" },
  { kind: "modprobe", module: "hv_vmbus" },
  { kind: "swapon", device: "/dev/vda" },
  { kind: "poweroff" },
  { kind: "poweron" },
  { kind: "echo", value: "171\n", path: "/sys/devices/system/cpu/cpu1/hotplug/fail" },
  {
    kind: "echo",
    value: "Hyper-V clockevent\n",
    path: "/sys/devices/system/clockevents/clockevent1/unbind_device",
  },
];

Deno.test("every operation kind has a sample, and its line reads back as itself", () => {
  assert.deepEqual([...new Set(SAMPLES.map((s) => s.kind))].sort(), [...OPERATION_NAMES].sort());
  for (const op of SAMPLES) {
    const line = formatOperation(op);
    assert.equal(line.split(" ")[0], op.kind);
    assert.deepEqual(parseOperation(line), op, line);
  }
});

Deno.test("a bad line names what is wrong and what is valid", () => {
  assert.throws(() => parseOperation("frob 1"), /"frob" is not an operation; valid: online, /);
  assert.throws(() => parseOperation("offline two"), /invalid CPU "two": expected a CPU number/);
  assert.throws(
    () => parseOperation("offline 4", { cpus: 4 }),
    /invalid CPU "4": this VM has CPUs 0 to 3/,
  );
  assert.throws(() => parseOperation("race maybe"), /expected sleeps or passes/);
  assert.throws(() => parseOperation("echo 1 /x"), /expected echo VALUE > PATH/);
  assert.throws(() => parseOperation("advance"), /expected advance DURATION/);
});

Deno.test("the REPL's operation commands are the table's: name, summary, grammar", () => {
  for (const kind of OPERATION_NAMES) {
    const spec = OPERATIONS[kind];
    const command = COMMANDS.find((c) => c.name === kind);
    assert.ok(command, `no REPL command for ${kind}`);
    assert.equal(command.summary, spec.summary);
    assert.equal(command.logs, true, `${kind} changes the machine: the session logs it`);
    // `race` alone shows the race's side: the REPL makes its one word optional; `advance` also
    // takes the REPL's `--until` (repl/until.ts).
    const grammar = kind === "race"
      ? { positionals: spec.grammar.positionals!.map((p) => ({ ...p, optional: true })) }
      : kind === "advance"
      ? { ...spec.grammar, options: UNTIL_OPTION }
      : spec.grammar;
    // advance --exact is the REPL's display option (not logged, not an operation's word).
    const shown = kind === "advance"
      ? {
        ...command,
        options: Object.fromEntries(
          Object.entries(command.options ?? {}).filter(([name]) => name !== "exact"),
        ),
      }
      : command;
    assert.equal(usage(command.name, shown), usage(kind, grammar));
  }
  const vmCommand = COMMANDS.find((c) => c.name === "vm")!;
  assert.deepEqual(vmCommand.options, VM_GRAMMAR.options);
});

Deno.test("every REPL word is known to the script format, and only operations are logged", () => {
  const words = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  const known = ["vm", ...OPERATION_NAMES, ...Object.keys(OTHER_WORDS)];
  assert.deepEqual([...words].sort(), [...known].sort());
  for (const c of COMMANDS) {
    assert.equal(
      c.logs === true,
      (OPERATION_NAMES as readonly string[]).includes(c.name),
      `${c.name}: logged exactly when it is an operation`,
    );
  }
});

Deno.test("a script reads as a scenario: its vm line, operations since the last reset, views skipped", async (t) => {
  await t.step("vm, views, reset, a quoted echo", () => {
    const s = readScript(
      [
        "# a comment",
        "vm --kernel 5.4 --cpus 2 --channels 0,1",
        "offline 1",
        "reset",
        "cpus",
        "advance   4ms  # tidied",
        'echo "Hyper-V clockevent" > /sys/devices/system/clockevents/clockevent1/unbind_device',
        "timeline out.svg",
      ].join("\n"),
      "s.hvt",
    );
    assert.deepEqual(s.options, { kernel: "5.4", cpus: 2, vmbusChannels: [0, 1] });
    assert.deepEqual(s.lines, [
      "advance 4ms",
      'echo "Hyper-V clockevent" > /sys/devices/system/clockevents/clockevent1/unbind_device',
    ]);
  });
  await t.step("a later vm line starts the scenario over on its machine", () => {
    const s = readScript("vm --cpus 4\noffline 3\nvm --cpus 2\nonline 1\n", "s.hvt");
    assert.deepEqual(s, { options: { cpus: 2 }, lines: ["online 1"] });
  });
  await t.step("what cannot be in a scenario is refused with its line", () => {
    assert.throws(
      () => readScript("vm\nload x.json\n", "s.hvt"),
      /s.hvt line 2: "load" cannot be part of a scenario; use vm, online, offline, advance, hibernate, resume, kexec, kdump, race, echo/,
    );
    assert.throws(() => readScript("ofline 1\n", "s.hvt"), /s.hvt line 1: "ofline" cannot be/);
    assert.throws(() => readScript("offline two\n", "s.hvt"), /s.hvt line 1: invalid CPU "two"/);
  });
});

Deno.test("the vm line: flags to options and back, and compare's KEY=VALUE form", () => {
  const options = vmOptions({
    hyperv: "2016",
    cpus: "2",
    feature: ["arat=on"],
    "state-control": true,
  });
  assert.deepEqual(options, {
    hyperv: "2016",
    cpus: 2,
    features: { arat: true },
    hotplugStateControl: true,
  });
  const line = vmLine(vm(options).config(), options);
  assert.equal(
    line,
    "vm --hyperv 2016 --arch x86_64 --kernel 5.5 --kconfig minimal --generation 2 --cpus 2 " +
      "--hz 250 --feature arat=on --channels 0 --state-control",
  );
  assert.deepEqual(readScript(line, "l").options, {
    hyperv: "2016",
    arch: "x86_64",
    kernel: "5.5",
    kconfig: "minimal",
    generation: 2,
    cpus: 2,
    hz: 250,
    features: { arat: true },
    vmbusChannels: [0],
    hotplugStateControl: true,
  });
  assert.deepEqual(withFields(options, "kernel=6.1,channels=0:1", "b").vmbusChannels, [0, 1]);
  // The rig's VM: memory, a virtio disk and no swap at boot are written back too.
  const rig = vmOptions({ hyperv: "qemu", memory: "2048", "virtio-disk": true, "no-swap": true });
  assert.deepEqual([rig.memory, rig.virtioDisk, rig.swap], [2048, true, false]);
  assert.match(vmLine(vm(rig).config(), rig), / --memory 2048 --virtio-disk --no-swap$/);
  assert.throws(() => vmOptions({ cpus: "two" }), /--cpus "two": expected a whole number/);
  assert.throws(
    () => withFields({}, "frob=1", "a"),
    /frob is not hyperv, arch, kernel, kconfig, modules, generation, cpus, hz, channels, isolation, cmdline, shell, synicFirst, memory or a feature set to on\/off/,
  );
});

Deno.test("the Machine, a line and a scenario run the same operation code", () => {
  const lines = ["offline 2", "echo 171 > /sys/devices/system/cpu/cpu1/hotplug/fail", "offline 1"];
  const config = { hyperv: "2012R2", kernel: "5.5", cpus: 4 } as const;
  const byMethod = vm(config).build();
  const a = [
    byMethod.offline(2),
    byMethod.write(lines[1].split(" > ")[1], "171\n"),
    byMethod.offline(1),
  ];
  const byLine = vm(config).build();
  const b = lines.map((l) => byLine.run(l));
  assert.deepEqual(b, a);
  assert.equal(byLine.fingerprint(), byMethod.fingerprint());
  const run = runScenario(config, lines);
  assert.deepEqual(run.operations.map((o) => o.ok), a.map((r) => r.ok));
  assert.deepEqual(run.operations.map((o) => o.operation), lines.map((l) => parseOperation(l)));
});

Deno.test("exploration's counterexamples are operation lines that replay", () => {
  const r = explore({ hyperv: "2019", kernel: "5.4", cpus: 2 }, {
    depth: 2,
    ops: ["offline", "fail", "hibernate"],
  });
  assert.ok(r.violations.length > 0);
  for (const v of r.violations) {
    for (const line of v.operations.flatMap((o) => o.split("; "))) {
      assert.equal(formatOperation(parseOperation(line)), line);
    }
  }
});
