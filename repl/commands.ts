/**
 * The REPL's commands as one table: name, argument grammar (`node:util` `parseArgs` options and
 * positionals with completion kinds), help text and handler. Help, completion, validation and the
 * docs page are derived from it.
 *
 * @module
 */

import {
  ARCHES,
  ERRNO,
  type ErrnoName,
  formatSeconds,
  type HotplugResult,
  HYPERV_IDS,
  HZ_VALUES,
  KERNEL_IDS,
  parseDuration,
  type TraceEvent,
} from "../mod.ts";
import { describeVm, formatCpus, formatDevices, formatTrace } from "./format.ts";
import { readSession, writeSession } from "./store.ts";
import {
  type Command,
  cpuArg,
  io,
  parse,
  positiveInt,
  ReplError,
  type Result,
  usage,
  vmOptions,
} from "./command.ts";
import { exploreCommands } from "./explore_commands.ts";
import { exportTrace, PICTURE_COMMANDS } from "./picture_commands.ts";

export {
  type Command,
  type Completion,
  type Context,
  type OptionSpec,
  parse,
  ReplError,
  type Result,
  usage,
} from "./command.ts";

function hotplugText(command: string, r: HotplugResult): Result {
  const changes = r.changes.map((c) => {
    const where = c.step === null
      ? `state ${c.state}`
      : `${c.teardown ? "teardown" : "startup"} of ${c.step} ${c.stepName}`;
    return `  ${c.device ?? "(none)"} <- ${c.previous ?? "(none)"}   during ${where}`;
  });
  if (r.ok) return { text: [r.message, ...changes].join("\n"), result: r };
  const error = r.hang
    ? { errno: null, message: `hung: ${r.hang.reason}` }
    : { errno: r.errno, message: r.message };
  const shell = r.hang
    ? [
      `${command}: the write to cpu${r.cpu}/online never returns: the machine is hung`,
      `  why: ${r.hang.reason}`,
    ]
    : [
      `${command}: write error: ${ERRNO[r.errno!].text} (${r.errno})`,
      `  why: ${r.reason!.text}`,
    ];
  return { text: [...shell, ...changes].join("\n"), result: r, ok: false, error };
}

/** `online` and `offline`: one grammar, the machine operation of the same name. */
function hotplugCommand(op: "online" | "offline", summary: string): Command {
  return {
    name: op,
    summary,
    positionals: [{ name: "CPU", complete: "cpu" }],
    logs: true,
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const m = session.machine!;
      return hotplugText(op, m[op](cpuArg(m, positionals[0])));
    },
  };
}

/** Every command. */
export const COMMANDS: readonly Command[] = [
  {
    name: "vm",
    summary: "build and boot a VM (no flags: Hyper-V 2019, x86_64, Linux 5.5, 4 vCPUs, HZ=250)",
    cost: "boots every vCPU (time grows with --cpus)",
    needsVm: false,
    options: {
      hyperv: { type: "string", value: "VERSION", help: "Hyper-V host", complete: HYPERV_IDS },
      arch: { type: "string", value: "ARCH", help: "guest architecture", complete: ARCHES },
      kernel: { type: "string", value: "LINE", help: "kernel line", complete: KERNEL_IDS },
      generation: { type: "string", value: "1|2", help: "VM generation", complete: ["1", "2"] },
      cpus: { type: "string", value: "N", help: "number of vCPUs" },
      hz: { type: "string", value: "HZ", help: "CONFIG_HZ", complete: HZ_VALUES.map(String) },
      feature: {
        type: "string",
        multiple: true,
        value: "NAME=on|off",
        help: "override a host or guest CPU feature",
      },
      channels: {
        type: "string",
        value: "CPUS",
        help: "CPUs with a VMbus channel, e.g. 0,2 (default 0)",
      },
      "cpu0-hotplug": { type: "boolean", help: "boot with cpu0_hotplug (x86)" },
      "state-control": { type: "boolean", help: "CONFIG_CPU_HOTPLUG_STATE_CONTROL=y" },
      "trace-ticks": { type: "boolean", help: "record every tick in the trace" },
      "trace-buffer": { type: "string", value: "N", help: "trace buffer size, events" },
    },
    run(session, argv) {
      const { values } = parse(this, argv);
      const options = vmOptions(values);
      const machine = session.boot(options);
      return { text: `booted: ${describeVm(machine)}`, result: { config: machine.config } };
    },
  },
  hotplugCommand("online", "bring a CPU online (echo 1 > cpuN/online)"),
  hotplugCommand("offline", "take a CPU offline (echo 0 > cpuN/online)"),
  {
    name: "advance",
    summary: "advance simulated time (e.g. 10ms, 1.5us, 2s; Ctrl-C stops a long one)",
    cost:
      "runs every tick and timer in the interval (time grows with the duration and the online CPUs)",
    positionals: [{ name: "DURATION" }],
    logs: true,
    async run(session, argv, ctx) {
      const { positionals } = parse(this, argv);
      const m = session.machine!;
      const total = parseDuration(positionals[0]);
      const start = m.now;
      // Advancing in slices is the same as one advance (each includes its end instant), and lets
      // Ctrl-C and progress in between.
      const slice = 10_000_000;
      let done = 0;
      let handled = 0;
      while (done < total) {
        if (ctx.signal?.aborted) break;
        const step = Math.min(slice, total - done);
        handled += m.advance(step);
        done += step;
        if (total > slice && ctx.progress) {
          ctx.progress(done / total, `advance ${formatSeconds(done)}/${formatSeconds(total)} s`);
          await new Promise((r) => setTimeout(r, 0));
        }
      }
      if (total === 0) handled = m.advance(0);
      const stopped = done < total;
      const text =
        `${stopped ? "interrupted after" : "advanced"} ${formatSeconds(done)} s: now ${
          formatSeconds(m.now)
        } s, ` +
        `jiffies ${m.jiffies}, ${handled} device interrupts`;
      // The log records what really happened, so a load replays to the same state.
      if (stopped) session.log.push(`advance ${done}ns`);
      return {
        text,
        result: {
          from: start,
          to: m.now,
          advanced: done,
          interrupted: stopped,
          interrupts: handled,
          jiffies: m.jiffies,
        },
        logged: !stopped,
      };
    },
  },
  {
    name: "cpus",
    summary: "table of CPUs: online, hotplug state, bound device, mode, ticks",
    run(session, argv) {
      parse(this, argv);
      const cpus = session.machine!.cpus();
      return { text: formatCpus(cpus), result: cpus };
    },
  },
  {
    name: "bound",
    summary: "the clockevent device each CPU (or one CPU) is bound to",
    positionals: [{ name: "CPU", optional: true, complete: "cpu" }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const m = session.machine!;
      const cpus = positionals.length ? [cpuArg(m, positionals[0])] : m.cpus().map((c) => c.cpu);
      const bound = cpus.map((cpu) => ({ cpu, device: m.boundDevice(cpu) }));
      const text = positionals.length
        ? bound[0].device ?? "(none)"
        : bound.map((b) => `CPU${b.cpu}: ${b.device ?? "(none)"}`).join("\n");
      return { text, result: bound };
    },
  },
  {
    name: "devices",
    summary: "registered clockevent devices, list head first",
    run(session, argv) {
      parse(this, argv);
      const devices = session.machine!.devices();
      return { text: formatDevices(devices), result: devices };
    },
  },
  {
    name: "cat",
    summary: "print a sysfs/procfs file",
    positionals: [{ name: "PATH", complete: "path" }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const text = session.machine!.read(positionals[0]);
      return { text: text.replace(/\n$/, ""), result: { path: positionals[0], text } };
    },
  },
  {
    name: "echo",
    summary: "write a sysfs file: echo VALUE > PATH",
    positionals: [{ name: "VALUE" }, { name: ">" }, { name: "PATH", complete: "path" }],
    logs: true,
    run(session, argv) {
      const { positionals } = parse(this, argv);
      if (positionals[1] !== ">") {
        throw new RangeError(`expected echo VALUE > PATH, got ${JSON.stringify(argv.join(" "))}`);
      }
      const w = session.machine!.write(positionals[2], `${positionals[0]}\n`);
      if (w.ok) return { text: "", result: w };
      const message = w.hang
        ? `write never returns: the machine is hung (${w.hang.reason})`
        : w.message;
      return {
        text: `echo: ${message}${w.errno ? ` (${w.errno})` : ""}`,
        result: w,
        ok: false,
        error: { errno: w.errno, message },
      };
    },
  },
  {
    name: "ls",
    summary: "list a sysfs/procfs directory",
    positionals: [{ name: "DIR", optional: true, complete: "path" }],
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const path = positionals[0] ?? "/sys/devices/system/cpu";
      const machine = session.machine!;
      const kind = machine.stat(path);
      // Like ls: a file lists as itself.
      if (kind === "file") return { text: path, result: [path] };
      if (kind === null) {
        throw new RangeError(
          `cannot access ${
            JSON.stringify(path.replace(/\/+$/, ""))
          }: no such directory in the modelled sysfs/procfs`,
        );
      }
      const list = machine.readDir(path).map((e) => e.name);
      return { text: list.join("  "), result: list };
    },
  },
  {
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
  {
    name: "trace",
    summary: "trace events (cpuhp_enter/exit, clockevent and tick events)",
    cost: "prints every event it selects: unfiltered, the whole buffer (vm --trace-buffer)",
    options: {
      cpu: { type: "string", value: "N", help: "only events of this CPU", complete: "cpu" },
      since: { type: "string", value: "DURATION", help: "only events at or after this guest time" },
      type: { type: "string", value: "EVENT", help: "only this event type" },
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
        const cpu = cpuArg(m, String(values.cpu));
        events = events.filter((e) => e.cpu === cpu);
      }
      if (values.since !== undefined) {
        const since = parseDuration(String(values.since));
        events = events.filter((e) => e.time >= since);
      }
      if (values.type !== undefined) events = events.filter((e) => e.type === values.type);
      if (values.tail !== undefined) events = events.slice(-positiveInt("tail", values.tail));
      return { text: events.map(formatTrace).join("\n"), result: events };
    },
  },
  {
    name: "problems",
    summary: "hangs, no-tick windows and warnings so far",
    run(session, argv) {
      parse(this, argv);
      const problems = session.machine!.problems();
      const text = problems.length === 0
        ? "no problems"
        : problems.map((p) => `[${formatSeconds(p.time).padStart(12)}] ${p.kind}: ${p.message}`)
          .join(
            "\n",
          );
      return { text, result: problems };
    },
  },
  {
    name: "hibernate",
    summary: "echo disk > /sys/power/state: freeze CPUs, write the image, power off",
    cost: "takes every non-boot CPU down, up again to write the image, and down again",
    logs: true,
    run(session, argv) {
      parse(this, argv);
      const r = session.machine!.hibernate();
      return r.ok
        ? { text: r.message, result: r }
        : { text: r.message, result: r, ok: false, error: { errno: r.errno, message: r.message } };
    },
  },
  {
    name: "resume",
    summary: "resume a hibernated VM from its image",
    cost: "brings back up every CPU the image took down",
    logs: true,
    run(session, argv) {
      parse(this, argv);
      const r = session.machine!.resume();
      return r.ok
        ? { text: r.message, result: r }
        : { text: r.message, result: r, ok: false, error: { errno: r.errno, message: r.message } };
    },
  },
  {
    name: "reset",
    summary: "reboot the VM (same configuration)",
    cost: "boots every vCPU again",
    logs: true,
    run(session, argv) {
      parse(this, argv);
      session.machine!.reset();
      return { text: `rebooted: ${describeVm(session.machine!)}` };
    },
  },
  {
    name: "race",
    summary:
      "how the kthread_park() race resolves on a CPU without a tick: sleeps (hang) or passes",
    positionals: [{ name: "OUTCOME", optional: true, complete: ["sleeps", "passes"] }],
    logs: true,
    run(session, argv) {
      const { positionals } = parse(this, argv);
      const m = session.machine!;
      const value = positionals[0];
      if (value !== undefined) {
        if (value !== "sleeps" && value !== "passes") {
          throw new RangeError(
            `invalid outcome ${JSON.stringify(value)}: expected sleeps or passes`,
          );
        }
        m.parkRace = value;
      }
      const what = m.parkRace === "sleeps"
        ? "wait_task_inactive() finds the parked thread still queued and sleeps (a hang without a tick)"
        : "the parked thread has already left the CPU: kthread_park() returns without sleeping";
      return {
        text: `race ${m.parkRace}: ${what}`,
        result: { parkRace: m.parkRace },
        logged: value !== undefined,
      };
    },
  },
  ...exploreCommands(() => COMMANDS),
  ...PICTURE_COMMANDS,
  {
    name: "save",
    summary: "save the session (VM options and command log) as JSON",
    cost:
      "fingerprints the whole machine state, so that load can check its replay (grows with --cpus)",
    positionals: [{ name: "FILE", complete: "file" }],
    async run(session, argv, ctx) {
      const { positionals } = parse(this, argv);
      if (!ctx.writeFile) throw new ReplError("saving files is not available here");
      await io(positionals[0], () => ctx.writeFile!(positionals[0], writeSession(session)));
      return {
        text: `saved ${session.log.length} commands to ${positionals[0]}`,
        result: { file: positionals[0], commands: session.log.length },
      };
    },
  },
  {
    name: "load",
    summary: "load a saved session: rebuild the VM and replay its commands",
    cost: "replays every command of the saved session",
    positionals: [{ name: "FILE", complete: "file" }],
    needsVm: false,
    async run(session, argv, ctx) {
      const { positionals } = parse(this, argv);
      if (!ctx.readFile) throw new ReplError("reading files is not available here");
      const text = await io(positionals[0], () => ctx.readFile!(positionals[0]));
      const loaded = await readSession(text, positionals[0]);
      session.machine = loaded.machine;
      session.options = loaded.options;
      session.log = loaded.log;
      return {
        text: `loaded ${positionals[0]}: ${
          describeVm(loaded.machine)
        }; replayed ${loaded.log.length} commands, now ${formatSeconds(loaded.machine.now)} s`,
        result: {
          file: positionals[0],
          commands: loaded.log.length,
          fingerprint: loaded.machine.fingerprint(),
        },
      };
    },
  },
  {
    name: "source",
    summary: "run the commands of a script file (.hvt)",
    cost: "runs every line of the script",
    positionals: [{ name: "FILE", complete: "file" }],
    needsVm: false,
    async run(_session, argv, ctx) {
      const { positionals } = parse(this, argv);
      if (!ctx.readFile || !ctx.runScript) {
        throw new ReplError("reading files is not available here");
      }
      const script = await io(positionals[0], () => ctx.readFile!(positionals[0]));
      const ok = await ctx.runScript(script, positionals[0]);
      return ok ? { text: `sourced ${positionals[0]}` } : {
        text: `${positionals[0]}: stopped at the first error`,
        ok: false,
        error: { errno: null, message: "script stopped at the first error" },
      };
    },
  },
  {
    name: "help",
    summary: "list commands, or explain one",
    positionals: [{ name: "COMMAND", optional: true, complete: "command" }],
    needsVm: false,
    run(_session, argv) {
      const { positionals } = parse(this, argv);
      if (positionals.length === 0) {
        const width = Math.max(...COMMANDS.map((c) => c.name.length));
        const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
        return {
          text: [
            "Commands:",
            ...lines,
            "",
            "Type 'help COMMAND' for its arguments. History is kept in .hvtick_history in the",
            "current directory; TAB completes commands, flags, versions, CPU numbers and paths.",
          ].join("\n"),
          result: COMMANDS.map((c) => ({ name: c.name, summary: c.summary, usage: usage(c) })),
        };
      }
      const c = COMMANDS.find((x) =>
        x.name === positionals[0] || x.aliases?.includes(positionals[0])
      );
      if (!c) {
        throw new RangeError(
          `no command ${JSON.stringify(positionals[0])}; type 'help' for the list`,
        );
      }
      const opts = Object.entries(c.options ?? {}).map(([name, o]) =>
        `  --${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}  ${o.help}${
          o.complete && Array.isArray(o.complete) ? ` (${o.complete.join(", ")})` : ""
        }`
      );
      return {
        text: [
          `usage: ${usage(c)}`,
          `  ${c.summary}`,
          ...(c.cost ? [`  cost: ${c.cost}`] : []),
          ...(opts.length ? ["options:", ...opts] : []),
          ...(c.help ? ["", ...c.help.split("\n")] : []),
        ].join("\n"),
        result: { name: c.name, usage: usage(c) },
      };
    },
  },
  {
    name: "quit",
    aliases: ["exit"],
    summary: "leave the REPL (Ctrl-D does too)",
    needsVm: false,
    run(_session, argv) {
      parse(this, argv);
      return { text: "", quit: true };
    },
  },
];

/** The errno names, for completion and docs. */
export const ERRNO_NAMES = Object.keys(ERRNO) as ErrnoName[];
