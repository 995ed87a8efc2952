/**
 * The API boundary, walked: every runtime export of mod.ts (functions, classes and each of their
 * methods, getters and setters) is called with a corpus of bad values in each parameter and in
 * each key of each options object, the other arguments valid. Every error must be one of
 * hvtick's: a TypeError, RangeError or SyntaxError whose message names the parameter (never an
 * engine message such as "Cannot read properties of undefined"), a ConfigError, or a KernelError.
 * A call that throws must leave its machine's fingerprint (or its builder's options) as they
 * were. The exports are enumerated from the module, so a new one fails here until it is walked.
 */
import assert from "node:assert/strict";
import * as mod from "../mod.ts";

// ---------------------------------------------------------------------------------------------
// The corpus.

const trap = () => {
  throw new Error("the proxy's trap threw");
};
const THROWING_PROXY = new Proxy({}, {
  get: trap,
  has: trap,
  ownKeys: trap,
  getOwnPropertyDescriptor: trap,
  getPrototypeOf: trap,
  apply: trap,
});
const revocable = Proxy.revocable({}, {});
revocable.revoke();

/** Bad values: each with a label for failure reports. */
const BAD: readonly (readonly [string, unknown])[] = [
  ["undefined", undefined],
  ["null", null],
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["-1", -1],
  ["1.5", 1.5],
  ["2**53", 2 ** 53],
  ["-0", -0],
  ['""', ""],
  ['"nonsense"', "nonsense"],
  ['"__proto__"', "__proto__"],
  ['"constructor"', "constructor"],
  ["huge string", "x".repeat(1_000_000)],
  ["{ bogus: 1 }", { bogus: 1 }],
  ["[]", []],
  ['[1, "a"]', [1, "a"]],
  ["a function", () => 1],
  ["Symbol", Symbol("bad")],
  ["BigInt", 10n],
  ["a proxy that throws", THROWING_PROXY],
  ["an array holding a proxy that throws", [THROWING_PROXY]],
  ["an array holding a Symbol and an object without a prototype", [
    Symbol("x"),
    Object.create(null),
  ]],
  ["a revoked proxy", revocable.proxy],
  ["a frozen object", Object.freeze({ frozen: true })],
  ["Object.create(null)", Object.create(null)],
  ["a Date", new Date(0)],
  ["true", true],
];

// Engine messages: an internal failure that reached the user.
const ENGINE =
  /Cannot read properties|Cannot set properties|is not iterable|is not a function|Maximum call stack|Do not know how to serialize|Cannot convert|is not a constructor|Invalid array length|Invalid string length|Cannot destructure|Cannot create property|read[- ]only|not extensible|Cannot mix BigInt|could not be cloned|Reduce of empty|toISOString|Invalid time value|^internal/;

/** Whether `message` names `value` (as given, or its start when it is long). */
function namesValue(message: string, value: unknown): boolean {
  if (typeof value === "string") {
    return message.includes(value === "" ? '""' : value.slice(0, 40));
  }
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return message.includes(String(value));
  }
  return false;
}

/** Why an error is not an acceptable outcome of a bad call, or null when it is. */
function badError(e: unknown, words: readonly string[], value: unknown): string | null {
  if (e instanceof mod.KernelError || e instanceof mod.ConfigError) return null;
  if (!(e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError)) {
    return `threw ${(e as Error)?.constructor?.name ?? typeof e}: ${String((e as Error)?.message)}`;
  }
  const message = e.message;
  if (ENGINE.test(message)) return `engine message (${e.name}): ${message.slice(0, 160)}`;
  const lower = message.toLowerCase();
  if (!words.some((w) => lower.includes(w.toLowerCase())) && !namesValue(message, value)) {
    return `${e.name} names none of ${words.join(", ")}: ${message.slice(0, 160)}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// What each export is called with: valid arguments, the words an error about each may use, the
// keys of the options objects, and what to do with a result (a generator is driven, a builder
// built).

interface Param {
  /** A valid value. */
  readonly valid: unknown;
  /** Words one of which an error about this parameter must contain. */
  readonly words: readonly string[];
  /** Its keys, when it is an object whose keys are each walked. */
  readonly keys?: readonly string[];
}

interface Call {
  readonly params: readonly Param[];
  /** What to do with the result (drive a generator, build a builder). */
  readonly then?: (result: unknown) => void;
}

const config2 = mod.vm({ cpus: 2 }).config();
const recording = mod.record({ cpus: 2 }, ["advance 4ms", "offline 1", "advance 4ms"]);
const run = recording.run;
const step = run.operations[1].steps[0];

const VM_KEYS = [
  "hyperv",
  "arch",
  "kernel",
  "generation",
  "cpus",
  "hz",
  "features",
  "vmbusChannels",
  "cpu0Hotplug",
  "hotplugStateControl",
  "traceTicks",
  "traceBuffer",
  "kconfig",
  "modules",
  "vmbus",
  "vmbusMmio",
  "cmdline",
  "memory",
  "totalram",
  "virtioDisk",
  "swap",
  "preset",
  "shell",
  "synicFirst",
  "isolation",
  "timing",
];
const EXPLORE_KEYS = [
  "depth",
  "ops",
  "invariants",
  "maxStates",
  "maxBytes",
  "shouldStop",
  "progressEvery",
  "verify",
  "symmetry",
];
const TIMELINE_KEYS = ["since", "until", "cpus", "width", "title"];
const RECORDING_KEYS = ["config", "design", "end", "lanes", "hibernated", "marks", "events", "run"];
const RUN_KEYS = [
  "config",
  "design",
  "start",
  "operations",
  "end",
  "problems",
  "invariants",
];

const build = (b: unknown) => void (b as mod.VmBuilder).build();
const drive = (g: unknown) => {
  const it = g as Generator<unknown, unknown>;
  while (!it.next().done);
};
const vmParam = (valid: unknown): Param => ({
  valid,
  words: ["config", "options", "builder", "vm"],
  keys: VM_KEYS,
});
const recParam: Param = { valid: recording, words: ["recording"], keys: RECORDING_KEYS };
const timelineParam: Param = { valid: {}, words: ["options"], keys: TIMELINE_KEYS };
const scenarioParam: Param = { valid: ["offline 1"], words: ["scenario"] };
const detailsParam: Param = {
  valid: { cpu: null, state: null, errno: null },
  words: ["details"],
  keys: ["cpu", "state", "errno"],
};

// A sweep of one configuration, and the table of its only shard.
const SWEEP_AXES = { hosts: ["2019"], kernels: ["5.4"], arches: ["x86_64"], cpus: [2], hz: [250] };
const SWEEP_SHARD = mod.sweep(SWEEP_AXES, { depth: 1 }, { index: 1, count: 1 });

/** The functions of mod.ts, by export name. */
const FUNCTIONS: Readonly<Record<string, Call>> = {
  vm: { params: [vmParam({})], then: build },
  paths: { params: [] },
  parseDuration: { params: [{ valid: "1ms", words: ["duration"] }] },
  formatDuration: { params: [{ valid: 1000, words: ["duration", "ns"] }] },
  formatSeconds: { params: [{ valid: 1000, words: ["ns", "time"] }] },
  formatTime: { params: [{ valid: 1000, words: ["ns", "time"] }] },
  tracepointText: {
    params: [{
      valid: { type: "cpuhp_exit", time: 0, cpu: 1, state: 205, idx: 206, ret: 0, on: 1 },
      words: ["event"],
      keys: ["type", "time", "cpu", "state", "idx", "ret", "on"],
    }],
  },
  parseOperation: {
    params: [
      { valid: "offline 1", words: ["line"] },
      { valid: { cpus: 2 }, words: ["ctx", "cpus"], keys: ["cpus"] },
    ],
  },
  formatOperation: {
    params: [{ valid: { kind: "offline", cpu: 1 }, words: ["operation"], keys: ["kind", "cpu"] }],
  },
  deviceChange: {
    params: [{
      valid: step,
      words: ["step"],
      keys: [
        "cpu",
        "state",
        "stateName",
        "callback",
        "teardown",
        "depth",
        "before",
        "after",
        "hung",
      ],
    }],
  },
  parseCondition: {
    params: [{ valid: "state 95 --cpu 1", words: ["condition", "text"] }, {
      valid: 2,
      words: ["cpus"],
    }],
  },
  conditionText: {
    params: [{
      valid: { kind: "state", state: 95, cpu: 1 },
      words: ["condition"],
      keys: ["kind", "state", "cpu"],
    }],
  },
  parseScenario: { params: [{ valid: "offline 1\nadvance 1ms", words: ["scenario", "text"] }] },
  runScenario: {
    params: [
      vmParam({ cpus: 2 }),
      scenarioParam,
      { valid: {}, words: ["options"], keys: ["invariants", "observe"] },
    ],
  },
  record: {
    params: [
      vmParam({ cpus: 2 }),
      scenarioParam,
      { valid: {}, words: ["options"], keys: ["invariants"] },
    ],
  },
  recording: {
    params: [
      vmParam({ cpus: 2 }),
      scenarioParam,
      { valid: {}, words: ["options"], keys: ["invariants"] },
    ],
    then: drive,
  },
  scenarioRun: {
    params: [
      vmParam({ cpus: 2 }),
      scenarioParam,
      { valid: {}, words: ["options"], keys: ["invariants", "observe"] },
    ],
    then: drive,
  },
  compare: {
    params: [
      scenarioParam,
      vmParam({ cpus: 2 }),
      vmParam({ cpus: 2, kernel: "5.4" }),
      { valid: {}, words: ["options"], keys: ["invariants"] },
    ],
  },
  compareRuns: {
    params: [
      { valid: run, words: ["run a"], keys: RUN_KEYS },
      { valid: run, words: ["run b"], keys: RUN_KEYS },
    ],
  },
  timelineSvg: { params: [recParam, timelineParam] },
  compareSvg: {
    params: [
      { ...recParam, words: ["recording a"] },
      { ...recParam, words: ["recording b"] },
      { valid: {}, words: ["options"], keys: TIMELINE_KEYS },
    ],
  },
  chromeTrace: { params: [recParam] },
  chromeTraceJson: {
    params: [recParam, { valid: 100, words: ["chunk"] }],
    then: (g) => void [...(g as Iterable<string>)],
  },
  ftraceText: { params: [recParam] },
  reportHtml: { params: [recParam, timelineParam] },
  explore: {
    params: [vmParam({ cpus: 2 }), { valid: { depth: 1 }, words: ["options"], keys: EXPLORE_KEYS }],
  },
  exploration: {
    params: [vmParam({ cpus: 2 }), { valid: { depth: 1 }, words: ["options"], keys: EXPLORE_KEYS }],
    then: drive,
  },
  verifySymmetry: {
    params: [
      vmParam({ cpus: 3 }),
      {
        valid: { depth: 1 },
        words: ["options"],
        keys: EXPLORE_KEYS.filter((k) => k !== "symmetry"),
      },
    ],
  },
  sweep: {
    params: [
      {
        valid: SWEEP_AXES,
        words: ["axes", ...Object.keys(SWEEP_AXES), "operation"],
        keys: Object.keys(SWEEP_AXES),
      },
      {
        valid: { depth: 1 },
        words: ["search", "depth", "ops", "maxStates", "operation"],
        keys: ["depth", "ops", "maxStates"],
      },
      { valid: null, words: ["shard"] },
    ],
  },
  sweepMerge: {
    params: [{ valid: [SWEEP_SHARD], words: ["tables", "table", "shard"] }],
  },
};

/** A class: its constructor's parameters, and each member of its prototype. */
interface ClassWalk {
  readonly ctor: Call;
  /** An instance to call members on (fresh for each member). */
  readonly instance?: () => object;
  /** Each own member of the prototype: a method's parameters, or a setter's value. */
  readonly members: Readonly<Record<string, Call & { readonly setup?: (o: object) => void }>>;
  /** What a throwing call must leave unchanged. */
  readonly state?: (o: object) => string;
}

const machine = () => mod.vm({ cpus: 2 }).build();
const noArgs: Call = { params: [] };
const cpuParam: Param = { valid: 1, words: ["cpu"] };
const pathParam = (valid: string): Param => ({ valid, words: ["path"] });
const CPU1_ONLINE = "/sys/devices/system/cpu/cpu1/online";

const details = { valid: "a message", words: ["message"] };
const errorClass = (params: readonly Param[]): ClassWalk => ({ ctor: { params }, members: {} });

const CLASSES: Readonly<Record<string, ClassWalk>> = {
  KernelError: errorClass([details, detailsParam]),
  HangError: errorClass([details, detailsParam]),
  PoweredOffError: errorClass([details]),
  StoppedError: errorClass([details, detailsParam]),
  MachineControl: {
    ctor: { params: [{ valid: config2, words: ["config"], keys: Object.keys(config2) }] },
    instance: machine,
    state: (m) => (m as mod.Machine).fingerprint(),
    members: {
      observe: {
        params: [{
          valid: { step: () => {} },
          words: ["observer"],
          keys: ["step", "event", "tick", "device"],
        }],
      },
      runUntil: {
        params: [
          {
            valid: { kind: "state", state: "sched:active", cpu: 1 },
            words: ["condition", "until"],
            keys: ["kind", "state", "cpu"],
          },
          {
            valid: { operation: "offline 1", limit: "1ms" },
            words: ["options"],
            keys: ["operation", "limit"],
          },
        ],
      },
      step: { params: [{ valid: "offline 1", words: ["operation"] }] },
      boundDevices: noArgs,
      condition: {
        params: [{
          valid: { kind: "callback", callback: "hv_synic_cleanup" },
          words: ["condition"],
          keys: ["kind", "callback", "cpu"],
        }],
      },
      stopped: noArgs,
      cpuCount: noArgs,
    },
  },
  ConfigError: errorClass([{ valid: ["cpus: 0 is not valid"], words: ["problems"] }]),
  VmBuilder: {
    ctor: { params: [vmParam({})], then: build },
    instance: () => mod.vm(),
    state: (b) => JSON.stringify((b as mod.VmBuilder).options()),
    members: {
      hyperv: { params: [{ valid: "2019", words: ["hyperv", "version"] }], then: build },
      arch: { params: [{ valid: "x86_64", words: ["arch"] }], then: build },
      kernel: { params: [{ valid: "5.5", words: ["kernel", "line"] }], then: build },
      generation: { params: [{ valid: 2, words: ["generation"] }], then: build },
      cpus: { params: [{ valid: 2, words: ["cpus", "count"] }], then: build },
      hz: { params: [{ valid: 250, words: ["hz"] }], then: build },
      features: {
        params: [{
          valid: { arat: true },
          words: ["features"],
          keys: ["arat", "tscDeadline", "synic", "stimerDirectMode"],
        }],
        then: build,
      },
      vmbusChannels: { params: [{ valid: [0], words: ["vmbusChannels", "cpus"] }], then: build },
      cpu0Hotplug: { params: [{ valid: true, words: ["cpu0Hotplug", "on"] }], then: build },
      hotplugStateControl: {
        params: [{ valid: true, words: ["hotplugStateControl", "on"] }],
        then: build,
      },
      kconfig: { params: [{ valid: "minimal", words: ["kconfig", "preset"] }], then: build },
      preset: { params: [{ valid: "debian-12", words: ["preset", "id"] }], then: build },
      modules: { params: [{ valid: "udev", words: ["modules", "how"] }], then: build },
      vmbus: { params: [{ valid: true, words: ["vmbus", "on"] }], then: build },
      cmdline: { params: [{ valid: "quiet", words: ["cmdline", "text"] }], then: build },
      shell: { params: [{ valid: "bash-1000", words: ["shell", "task"] }], then: build },
      synicFirst: { params: [{ valid: 0, words: ["synicFirst", "cpu"] }], then: build },
      isolation: { params: [{ valid: "none", words: ["isolation", "type"] }], then: build },
      memory: { params: [{ valid: 1024, words: ["memory", "mib"] }], then: build },
      virtioDisk: { params: [{ valid: false, words: ["virtioDisk", "on"] }], then: build },
      swap: { params: [{ valid: true, words: ["swap", "on"] }], then: build },
      traceTicks: { params: [{ valid: false, words: ["traceTicks", "on"] }], then: build },
      traceBuffer: { params: [{ valid: 1024, words: ["traceBuffer", "events"] }], then: build },
      options: noArgs,
      config: noArgs,
      build: noArgs,
    },
  },
  Machine: {
    ctor: { params: [{ valid: config2, words: ["config"], keys: Object.keys(config2) }] },
    instance: machine,
    state: (m) => (m as mod.Machine).fingerprint(),
    members: {
      run: { params: [{ valid: "offline 1", words: ["operation", "line"] }] },
      config: noArgs,
      now: noArgs,
      jiffies: noArgs,
      trace: noArgs,
      hung: noArgs,
      power: noArgs,
      parkRace: { params: [{ valid: "passes", words: ["parkRace", "value"] }] },
      online: { params: [cpuParam], setup: (m) => (m as mod.Machine).offline(1) },
      offline: { params: [cpuParam] },
      advance: { params: [{ valid: "1ms", words: ["duration"] }] },
      hibernate: noArgs,
      resume: { params: [], setup: (m) => (m as mod.Machine).hibernate() },
      powerOn: {
        params: [{ valid: { cpus: 2 }, words: ["options", "config"], keys: VM_KEYS }],
        setup: (m) => (m as mod.Machine).run("poweroff"),
      },
      reset: noArgs,
      boundDevice: { params: [cpuParam] },
      cpu: { params: [cpuParam] },
      cpus: noArgs,
      devices: noArgs,
      read: { params: [pathParam("/proc/timer_list")] },
      write: {
        params: [
          pathParam(CPU1_ONLINE),
          { valid: "1", words: ["value"] },
          { valid: {}, words: ["options"], keys: ["append"] },
        ],
      },
      files: noArgs,
      stat: { params: [pathParam("/sys/devices/system/cpu/cpu1")] },
      readDir: { params: [pathParam("/sys/devices/system/cpu/cpu1")] },
      kconfig: noArgs,
      dmesg: noArgs,
      console: noArgs,
      problems: noArgs,
      snapshot: noArgs,
      restore: {
        params: [{
          valid: machine().snapshot(),
          words: ["snapshot"],
          keys: Object.keys(machine().snapshot()),
        }],
      },
      fingerprint: noArgs,
      monotonic: noArgs,
      referenceCounter: noArgs,
    },
  },
};

// ---------------------------------------------------------------------------------------------
// The walk.

/** Every argument list for a call: one parameter (or one key of it) bad at a time. */
function* argumentLists(
  call: Call,
): Generator<{ args: unknown[]; words: string[]; what: string; value?: unknown }> {
  const valid = call.params.map((p) => p.valid);
  yield { args: valid, words: [], what: "valid arguments" };
  for (const [i, p] of call.params.entries()) {
    for (const [label, value] of BAD) {
      const args = [...valid];
      args[i] = value;
      yield { args, words: [...p.words], what: `argument ${i + 1} = ${label}`, value };
    }
    if (p.keys) {
      const base = p.valid as Record<string, unknown>;
      for (const key of p.keys) {
        for (const [label, value] of BAD) {
          yield {
            args: valid.map((v, j) => j === i ? { ...base, [key]: value } : v),
            words: [...p.words, key],
            what: `argument ${i + 1}.${key} = ${label}`,
            value,
          };
        }
      }
      yield {
        args: valid.map((v, j) => j === i ? { ...base, bogusKey: 1 } : v),
        words: [...p.words, "bogusKey"],
        what: `argument ${i + 1} with an unknown key`,
      };
    }
  }
}

type Fn = (...a: unknown[]) => unknown;

type Member = "method" | "getter" | "setter" | "accessor";

function memberKind(proto: object, name: string): Member {
  const d = Object.getOwnPropertyDescriptor(proto, name)!;
  if (typeof d.value === "function") return "method";
  return d.get && d.set ? "accessor" : d.get ? "getter" : "setter";
}

const isClass = (f: unknown) =>
  typeof f === "function" && /^class\b/.test(Function.prototype.toString.call(f));

const slow: string[] = [];

interface Outcome {
  calls: number;
  failures: string[];
}

/** What one call runs on: the call itself, and the state a throwing call must leave as it was. */
interface Subject {
  readonly invoke: (args: unknown[]) => unknown;
  readonly state?: () => string;
}

/** Calls a fresh subject with each argument list; records failures. */
function walk(name: string, call: Call, subject: () => Subject, out: Outcome): void {
  for (const { args, words, what, value } of argumentLists(call)) {
    out.calls++;
    const t0 = performance.now();
    const { invoke, state } = subject();
    const before = state?.();
    // Whether the call itself threw (not what was done with its result): then nothing changed.
    let threw = true;
    try {
      const result = invoke(args);
      threw = false;
      call.then?.(result);
    } catch (e) {
      const why = what === "valid arguments" && !(e instanceof mod.KernelError)
        ? `threw on valid arguments: ${(e as Error).message}`
        : badError(e, [...words, name], value);
      if (why) out.failures.push(`${name}(${what}): ${why}`);
      else if (threw) {
        let after: string | undefined;
        try {
          after = state?.();
        } catch (e) {
          after = `unreadable: ${(e as Error).message}`;
        }
        if (after !== before) {
          out.failures.push(`${name}(${what}): threw ${(e as Error).name} but changed the state`);
        }
      }
    }
    const ms = performance.now() - t0;
    if (ms > 200) slow.push(`${name}(${what}): ${ms.toFixed(0)} ms`);
  }
}

Deno.test("API misuse: every export of mod.ts, walked with bad values, fails only in hvtick's own errors", () => {
  const out: Outcome = { calls: 0, failures: [] };
  const uncovered: string[] = [];
  let exports = 0;
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value !== "function") continue;
    exports++;
    if (!isClass(value)) {
      const call = FUNCTIONS[name];
      if (!call) uncovered.push(name);
      else {
        const fn = value as (...a: unknown[]) => unknown;
        walk(name, call, () => ({ invoke: (args) => fn(...args) }), out);
      }
      continue;
    }
    const c = CLASSES[name];
    if (!c) {
      uncovered.push(name);
      continue;
    }
    const Ctor = value as new (...a: unknown[]) => object;
    walk(`new ${name}`, c.ctor, () => ({ invoke: (args) => new Ctor(...args) }), out);
    const proto = Ctor.prototype;
    for (const member of Object.getOwnPropertyNames(proto)) {
      if (member === "constructor") continue;
      const m = c.members[member];
      if (!m || !c.instance) {
        uncovered.push(`${name}.${member}`);
        continue;
      }
      const kind = memberKind(proto, member);
      const fresh = (run: (o: Record<string, unknown>, args: unknown[]) => unknown) => () => {
        const o = c.instance!();
        m.setup?.(o);
        return {
          invoke: (args: unknown[]) => run(o as Record<string, unknown>, args),
          state: c.state ? () => c.state!(o) : undefined,
        };
      };
      if (kind === "method") {
        walk(`${name}.${member}`, m, fresh((o, args) => (o[member] as Fn).apply(o, args)), out);
      } else {
        walk(`${name}.${member} (get)`, noArgs, fresh((o) => o[member]), out);
        if (kind !== "getter") {
          walk(`${name}.${member} (set)`, m, fresh((o, args) => o[member] = args[0]), out);
        }
      }
    }
  }
  if (slow.length) console.log(`slow calls:\n${slow.join("\n")}`);
  console.log(
    `API misuse: ${out.calls} calls over ${exports} exported functions and classes; ` +
      `${out.failures.length} failures`,
  );
  assert.deepEqual(uncovered, [], "exports the walk does not cover");
  assert.deepEqual(out.failures, []);
});

Deno.test("API misuse: every export that is not a function is data the walk knows of", () => {
  const DATA = [
    "ARCHES",
    "CE_STATE",
    "CONDITION_KINDS",
    "CONFIG_IDS",
    "CONFIG_PRESETS",
    "ERRNO",
    "FEAT",
    "HOSTS",
    "HYPERV_IDS",
    "HZ_VALUES",
    "INVARIANT_INFO",
    "INVARIANT_NAMES",
    "KERNEL_IDS",
    "OPERATION_KINDS",
    "OPERATION_NAMES",
    "PRESET_IDS",
    "REFUSALS",
    "RELEASE_VERSIONS",
    "VM_PRESETS",
  ];
  const data = Object.entries(mod).filter(([, v]) => typeof v !== "function").map(([k]) => k);
  assert.deepEqual(data.sort(), DATA);
});

// The reproductions of issue 12: each ended in an engine error, or silently built the defaults.
Deno.test("API misuse: the calls of issue 12 fail in typed errors that say what is valid", () => {
  const b = mod.vm().cpus(2);
  assert.throws(() => b.vmbusChannels(0 as never), /vmbusChannels: 0 is not an array/);
  assert.deepEqual(b.options(), { cpus: 2, features: {} }, "the builder stays as it was");
  assert.throws(() => mod.vm(null as never), /options: null is not an object of VM options/);
  assert.throws(() => mod.vm(NaN as never), /options: NaN is not an object of VM options/);
  assert.throws(
    () => mod.vm({ hyperV: "2016" } as never),
    /options: unknown key "hyperV" \(did you mean "hyperv"\?\); valid: hyperv, arch/,
  );
  assert.throws(() => mod.parseScenario(1 as never), /Invalid scenario 1: expected a string/);
  assert.throws(() => mod.timelineSvg(null as never), /recording: null is not a recording/);
  assert.throws(
    () => mod.explore({ cpus: 2 }, { dept: 2 } as never),
    /options: unknown key "dept" \(did you mean "depth"\?\)/,
  );
  assert.throws(
    () => mod.timelineSvg(recording, { widt: 500 } as never),
    /options: unknown key "widt" \(did you mean "width"\?\)/,
  );
  assert.throws(
    () => mod.record({ cpus: 2 }, [], { invariant: [] } as never),
    /options: unknown key "invariant" \(did you mean "invariants"\?\)/,
  );
  const m = mod.vm({ cpus: 2 }).build();
  const f = m.fingerprint();
  assert.throws(() => m.run({ kind: "advance", ns: "10ms" } as never), /operation.ns: "10ms"/);
  assert.throws(() => m.write(CPU1_ONLINE, "0", { apend: true } as never), /did you mean "append"/);
  assert.throws(() => m.powerOn(NaN as never), /options: NaN is not an object of VM options/);
  assert.equal(m.fingerprint(), f, "the machine stays as it was");
});
