/**
 * The REPL commands that explore: `explore` (the search from a fresh boot of this VM) and
 * `compare` (a script's operations on two configurations, side by side).
 *
 * @module
 */

import { cpulistFormat } from "../../lib/hotplug/sysfs.ts";
import {
  compareRuns,
  compareSvg,
  exploration,
  INVARIANT_INFO,
  INVARIANT_NAMES,
  OPERATION_KINDS,
  type OperationKind,
  parseDuration,
  recording,
  type ScenarioProgress,
  scenarioRun,
  vm,
  type VmOptions,
} from "../../mod.ts";
import { readScript } from "../../lib/ops/script.ts";
import { formatBytes, parseBytes } from "../../lib/util/bytes.ts";
import { OPERATIONS } from "../../lib/ops/operations.ts";
import { withFields } from "../../lib/ops/vm_line.ts";
import { type Command, io, parse, positiveInt, ReplError, wholeNumber } from "../command.ts";
import { describeVm, formatCompare, formatExplore } from "../format.ts";
import { drive } from "../drive.ts";

// The invariants, from their table.
const EXPLORE_HELP = [
  "Invariants (checked in every state and around every hotplug callback):",
  ...INVARIANT_INFO.map((i) =>
    `  ${i.name}: ${i.description}${
      i.claimBy === null ? "" : ` (a claim of ${i.claimBy}'s design)`
    }`
  ),
  "Each violation comes with its shortest operation sequence and a .hvt script that replays it.",
].join("\n");

const COMPARE_HELP = [
  "The script's vm line (else this session's VM) is the base configuration; --a and --b change",
  "its fields (hyperv, arch, kernel, generation, cpus, hz, channels with ':' between CPUs, or a",
  "feature NAME=on|off). The scenario is the script's lines since its last reset that are",
  `${
    Object.values(OPERATIONS).filter((o) => o.inScenario).map((o) => o.kind).join(", ")
  }; views are skipped.`,
].join("\n");

/** `--max-memory SIZE`: a size in bytes. */
function maxMemory(text: string): number {
  try {
    return parseBytes(text);
  } catch (e) {
    throw new RangeError(`--max-memory: ${(e as Error).message}`);
  }
}

/** `--symmetry on|off`, `--anchors on|off`. */
function onOff(option: string, text: string): boolean {
  if (text === "on" || text === "off") return text === "on";
  throw new RangeError(`--${option}: ${JSON.stringify(text)} is not on or off`);
}

/** `explore` and `compare`. */
export const EXPLORE_COMMANDS: Readonly<Record<string, Command>> = {
  explore: {
    name: "explore",
    help: EXPLORE_HELP,
    summary:
      "search every sequence of operations from a fresh boot of this VM, checking invariants",
    cost: "takes every operation from every distinct state up to the depth, running the model " +
      "once per operation and class of states equal but for their clocks (stop with Ctrl-C)",
    options: {
      depth: { type: "string", value: "N", help: "longest operation sequence (default 4)" },
      ops: {
        type: "string",
        value: "KINDS",
        help: "operation kinds, comma-separated (default online,offline,advance)",
        complete: OPERATION_KINDS,
      },
      invariant: {
        type: "string",
        multiple: true,
        value: "NAME",
        help: "check only these invariants (default all)",
        complete: INVARIANT_NAMES,
      },
      "max-states": { type: "string", value: "N", help: "stop after N distinct states" },
      "max-memory": {
        type: "string",
        value: "SIZE",
        help: "stop before the search holds more than SIZE of memory (default 1GiB, e.g. 4GiB)",
      },
      time: {
        type: "string",
        value: "DURATION",
        help: "stop after this much wall time, e.g. 30s",
      },
      symmetry: {
        type: "string",
        value: "on|off",
        help: "explore CPUs no rule tells apart once per orbit (default on; off: every state)",
        complete: ["on", "off"],
      },
      anchors: {
        type: "string",
        value: "on|off",
        help: "keep states equal but for their clocks and tick counts apart (default on; off: " +
          "one state per class, the same verdicts and counterexample lengths, faster)",
        complete: ["on", "off"],
      },
    },
    async run(session, argv, ctx) {
      const { values } = parse(this, argv);
      const options = {
        depth: values.depth === undefined ? undefined : wholeNumber("depth", values.depth),
        ops: values.ops === undefined
          ? undefined
          : String(values.ops).split(",") as OperationKind[],
        invariants: values.invariant as string[] | undefined,
        maxStates: values["max-states"] === undefined
          ? undefined
          : positiveInt("max-states", values["max-states"]),
        maxBytes: values["max-memory"] === undefined
          ? undefined
          : maxMemory(String(values["max-memory"])),
        symmetry: values.symmetry === undefined
          ? undefined
          : onOff("symmetry", String(values.symmetry)),
        anchors: values.anchors === undefined
          ? undefined
          : onOff("anchors", String(values.anchors)),
      };
      const limit = values.time === undefined ? Infinity : parseDuration(String(values.time)) / 1e6;
      const started = performance.now();
      const run = exploration(session.options ?? {}, {
        ...options,
        progressEvery: 2000,
        // The search asks before every operation: the clock is read only under a time budget (a
        // read each time cost a small search about as much as the search itself).
        shouldStop: () =>
          ctx.signal?.aborted
            ? "interrupted"
            : limit !== Infinity && performance.now() - started > limit && "time budget",
      });
      let step = run.next();
      while (!step.done) {
        const p = step.value;
        ctx.progress?.(
          Math.min(1, (p.depth - 1) / (options.depth ?? 4)),
          `explore depth ${p.depth}: ${p.states} states, ${p.transitions} transitions, ` +
            `${formatBytes(p.bytes)}`,
        );
        // Lets Ctrl-C and the progress line through.
        await new Promise((r) => setTimeout(r, 0));
        step = run.next();
      }
      const result = step.value;
      // With symmetry, a state counted is an orbit: say which CPUs are interchangeable.
      const orbits = result.symmetric.length
        ? `\nsymmetry: CPUs ${
          cpulistFormat(result.symmetric)
        } interchangeable, states counted once ` +
          `per orbit (--symmetry off counts each)`
        : "";
      const classes = options.anchors === false
        ? `\nanchors off: states equal but for their clocks and tick counts counted once`
        : "";
      return { text: formatExplore(result) + orbits + classes, result };
    },
  },
  compare: {
    name: "compare",
    help: COMPARE_HELP,
    summary: "run a script's operations on two configurations and show them side by side",
    cost: "runs the script twice, recording every hotplug step",
    needsVm: false,
    positionals: [{ name: "SCRIPT", complete: "file" }],
    options: {
      a: {
        type: "string",
        value: "KEY=VALUE,…",
        help: "configuration A: the base VM with these fields changed (e.g. kernel=5.4)",
      },
      b: {
        type: "string",
        value: "KEY=VALUE,…",
        help: "configuration B (e.g. kernel=5.5 or hyperv=2016)",
      },
      svg: {
        type: "string",
        value: "FILE",
        help: "also draw both timelines, A above B on one time axis",
        complete: "file",
      },
    },
    async run(session, argv, ctx) {
      const { values, positionals } = parse(this, argv);
      const path = positionals[0];
      if (!ctx.readFile) throw new ReplError("reading files is not available here");
      const text = await io(path, () => ctx.readFile!(path));
      // The script's vm line (else this session's VM) is the base.
      const { options: base, lines: scenario } = readScript(text, path, session.options ?? {});
      const a = withFields(base, values.a, "a");
      const b = withFields(base, values.b, "b");
      const label = (o: VmOptions) => describeVm(vm(o).build());
      // Both configurations are built first, so a bad one fails before anything runs.
      const labels: [string, string] = [label(a), label(b)];
      const progress = (which: string) => (p: ScenarioProgress): [number, string] => [
        p.done / Math.max(1, p.total),
        `compare: running ${which}: ${p.done}/${p.total} operations`,
      ];
      if (values.svg === undefined) {
        const runA = await drive(scenarioRun(a, scenario), ctx, progress("A"));
        const result = compareRuns(runA, await drive(scenarioRun(b, scenario), ctx, progress("B")));
        return { text: formatCompare(result, labels), result };
      }
      // With a picture, both runs are recorded (the same runs, with every event and tick).
      const ra = await drive(recording(a, scenario), ctx, progress("A"));
      const rb = await drive(recording(b, scenario), ctx, progress("B"));
      const result = compareRuns(ra.run, rb.run);
      const file = String(values.svg);
      if (!ctx.writeFile) throw new ReplError("writing files is not available here");
      await io(file, () => ctx.writeFile!(file, compareSvg(ra, rb)));
      return {
        text: `${formatCompare(result, labels)}\nwrote ${file} (A above B)`,
        result,
      };
    },
  },
};
