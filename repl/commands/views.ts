/**
 * The REPL commands that read the machine and change nothing: `cpus`, `bound`, `devices`,
 * `dmesg`, `trace` (and its export, with the pictures) and `problems`.
 *
 * @module
 */

import { formatSeconds, parseDuration, type TraceEvent } from "../../mod.ts";
import { TRACE_EVENT_TYPES } from "../../lib/engine/trace.ts";
import { didYouMean } from "../../lib/util/hint.ts";
import { cpuWord } from "../../lib/ops/grammar.ts";
import { type Command, parse, positiveInt } from "../command.ts";
import { formatCpus, formatDevices, formatTrace } from "../format.ts";
import { exportTrace } from "./pictures.ts";

/** A view longer than this many lines is printed as it is made, not built as one string. */
const LONG_VIEW = 50_000;

/** The lines of `events`, about ten thousand at a time, each piece ending in a newline. */
function* linesOf(events: readonly TraceEvent[]): Generator<string> {
  for (let i = 0; i < events.length; i += 10_000) {
    yield events.slice(i, i + 10_000).map(formatTrace).join("\n") + "\n";
  }
}

/** The view commands, by name. */
export const VIEW_COMMANDS: Readonly<Record<string, Command>> = {
  cpus: {
    name: "cpus",
    summary: "table of CPUs (or one CPU's row): online, hotplug state, bound device, mode, ticks",
    positionals: [{ name: "CPU", optional: true, complete: "cpu" }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const m = session.machine!;
      const cpus = positionals.length ? [m.cpu(cpuWord(positionals[0], m.cpuCount))] : m.cpus();
      return { text: formatCpus(cpus), result: cpus };
    },
  },
  bound: {
    name: "bound",
    summary: "the clockevent device each CPU (or one CPU) is bound to",
    positionals: [{ name: "CPU", optional: true, complete: "cpu" }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const m = session.machine!;
      const cpus = positionals.length
        ? [cpuWord(positionals[0], m.cpuCount)]
        : Array.from({ length: m.cpuCount }, (_, cpu) => cpu);
      const bound = cpus.map((cpu) => ({ cpu, device: m.boundDevice(cpu) }));
      const text = positionals.length
        ? bound[0].device ?? "(none)"
        : bound.map((b) => `CPU${b.cpu}: ${b.device ?? "(none)"}`).join("\n");
      return { text, result: bound };
    },
  },
  devices: {
    name: "devices",
    summary: "registered clockevent devices, list head first",
    run(session, argv) {
      parse(this, argv);
      const devices = session.machine!.devices();
      return { text: formatDevices(devices), result: devices };
    },
  },
  dmesg: {
    name: "dmesg",
    summary: "the kernel log",
    options: { tail: { type: "string", value: "N", help: "only the last N lines" } },
    run(session, argv) {
      const { values } = parse(this, argv);
      let lines = session.machine!.dmesg().trimEnd().split("\n");
      if (values.tail !== undefined) lines = lines.slice(-positiveInt("tail", values.tail));
      return { text: lines.join("\n"), result: lines };
    },
  },
  trace: {
    name: "trace",
    summary: "trace events (cpuhp_enter/exit, clockevent and tick events)",
    cost: "prints every event it selects: unfiltered, the whole buffer (vm --trace-buffer)",
    options: {
      cpu: { type: "string", value: "N", help: "only events of this CPU", complete: "cpu" },
      since: { type: "string", value: "DURATION", help: "only events at or after this guest time" },
      type: {
        type: "string",
        value: "EVENT",
        help: "only this event type",
        complete: TRACE_EVENT_TYPES,
      },
      tail: { type: "string", value: "N", help: "only the last N events" },
      format: {
        type: "string",
        value: "FORMAT",
        help: "for export: json (Chrome trace, for ui.perfetto.dev) or ftrace (text)",
        complete: ["json", "ftrace"],
      },
    },
    positionals: [
      { name: "export", optional: true, complete: ["export"] },
      { name: "FILE", optional: true, complete: "file" },
    ],
    async run(session, argv, ctx) {
      const { values, positionals } = parse(this, argv);
      if (positionals.length > 0) {
        if (positionals[0] !== "export" || positionals.length !== 2) {
          throw new RangeError(
            `expected "trace [--cpu N] …" or "trace export FILE [--format json|ftrace]", got ${
              JSON.stringify(positionals.join(" "))
            }`,
          );
        }
        return await exportTrace(session, ctx, positionals[1], String(values.format ?? "json"));
      }
      const m = session.machine!;
      let events: TraceEvent[] = m.trace;
      if (values.cpu !== undefined) {
        const cpu = cpuWord(String(values.cpu), m.cpuCount);
        events = events.filter((e) => e.cpu === cpu);
      }
      if (values.since !== undefined) {
        const since = parseDuration(String(values.since));
        events = events.filter((e) => e.time >= since);
      }
      if (values.type !== undefined) {
        const type = String(values.type);
        if (!(TRACE_EVENT_TYPES as readonly string[]).includes(type)) {
          throw new RangeError(
            `--type ${JSON.stringify(type)}: no such event type${
              didYouMean(type, TRACE_EVENT_TYPES)
            }; valid: ${TRACE_EVENT_TYPES.join(", ")}`,
          );
        }
        events = events.filter((e) => e.type === type);
      }
      if (values.tail !== undefined) events = events.slice(-positiveInt("tail", values.tail));
      if (events.length <= LONG_VIEW) {
        return { text: events.map(formatTrace).join("\n"), result: events };
      }
      return { text: "", chunks: linesOf(events), result: events };
    },
  },
  problems: {
    name: "problems",
    summary: "hangs, no-tick windows and warnings so far",
    run(session, argv) {
      parse(this, argv);
      const problems = session.machine!.problems();
      const text = problems.length === 0
        ? "no problems"
        : problems.map((p) => `[${formatSeconds(p.time).padStart(12)}] ${p.kind}: ${p.message}`)
          .join("\n");
      return { text, result: problems };
    },
  },
};
