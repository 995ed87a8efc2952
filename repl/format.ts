/**
 * Text the REPL prints: the VM banner, the `cpus` and `devices` tables, trace lines in the
 * kernel's tracepoint formats.
 *
 * @module
 */

import {
  type Comparison,
  type CpuInfo,
  deviceChange,
  type DeviceInfo,
  type ExploreResult,
  formatSeconds,
  HOSTS,
  type InvariantVerdict,
  type Machine,
  type StepRecord,
  type TraceEvent,
  tracepointText,
} from "../mod.ts";
import { KERNEL_LINES } from "../lib/kernels/lines.ts";
import { expectedNote } from "../lib/explore/invariants.ts";
import { formatBytes } from "../lib/util/bytes.ts";

/** One line describing a booted VM. */
export function describeVm(m: Machine): string {
  const c = m.config;
  const host = HOSTS.find((h) => h.id === c.hyperv);
  const where = host
    ? `${host.label.replace(/(\d{4})R2/, "$1 R2")} (build ${host.build[0]})`
    : "no Hyper-V (x86 baseline: LAPIC + HPET)";
  const f = c.features;
  const stimer = !host
    ? ""
    : c.arch === "arm64" && !KERNEL_LINES[c.kernel].arm64Stimer
    ? ", no stimer (arm64 uses arch_sys_timer)"
    : !f.syntheticTimers
    ? ", no synthetic timers"
    : f.stimerDirectMode
    ? ", stimer Direct Mode"
    : ", stimer legacy (message) mode";
  // The exact release the line models: "6.1.192 (Debian 6.1.192-2)", "5.2.1".
  const line = KERNEL_LINES[c.kernel];
  const pkg = /\((Debian [^)]+)\)$/.exec(line.release)?.[1];
  const about = [pkg, `kconfig ${c.kconfig}`].filter((x) => x).join(", ");
  return `${where}, ${c.arch}, Linux ${line.version} (${about}), ${c.cpus} vCPU${
    c.cpus > 1 ? "s" : ""
  }, HZ=${c.hz}${stimer}`;
}

function table(head: string[], rows: string[][], right: boolean[]): string {
  const all = [head, ...rows];
  const widths = head.map((h) => h.length);
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) if (r[i].length > widths[i]) widths[i] = r[i].length;
  }
  return asciiTable(all, widths, right) ?? all.map((r) => paddedRow(r, widths, right)).join("\n");
}

// How many cells a row prints: none after its last non-empty one (no trailing blanks).
function printed(cells: readonly string[]): number {
  let n = cells.length;
  while (n > 1 && cells[n - 1] === "") n--;
  return n;
}

function paddedRow(cells: readonly string[], widths: number[], right: boolean[]): string {
  const n = printed(cells);
  return cells.slice(0, n).map((c, i) =>
    right[i] ? c.padStart(widths[i]) : i < n - 1 ? c.padEnd(widths[i]) : c
  ).join("  ");
}

// The same text written as bytes into one buffer and decoded once: `devices` on 2048 vCPUs
// renders over 4000 rows, and a string per cell costs it half its time in collection. Kernel
// names are ASCII; a cell that is not gives null (and the string path).
function asciiTable(rows: readonly string[][], widths: number[], right: boolean[]): string | null {
  let lineBytes = 1;
  for (const w of widths) lineBytes += w + 2;
  const buf = new Uint8Array(rows.length * lineBytes);
  let at = 0;
  for (let r = 0; r < rows.length; r++) {
    const cells = rows[r];
    const n = printed(cells);
    if (r) buf[at++] = 10;
    for (let i = 0; i < n; i++) {
      if (i) {
        buf[at++] = 32;
        buf[at++] = 32;
      }
      const cell = cells[i];
      const pad = widths[i] - cell.length;
      if (right[i]) { for (let p = 0; p < pad; p++) buf[at++] = 32; }
      for (let c = 0; c < cell.length; c++) {
        const code = cell.charCodeAt(c);
        if (code > 127) return null;
        buf[at++] = code;
      }
      if (!right[i] && i < n - 1) { for (let p = 0; p < pad; p++) buf[at++] = 32; }
    }
  }
  return new TextDecoder().decode(buf.subarray(0, at));
}

/** The `cpus` table. */
export function formatCpus(cpus: readonly CpuInfo[]): string {
  return table(
    ["CPU", "ONLINE", "STATE", "DEVICE", "MODE", "TICKS", "TIMEKEEPER"],
    cpus.map((c) => [
      String(c.cpu),
      c.online ? "1" : "0",
      `${c.state} ${c.stateName}`,
      c.device ?? "(none)",
      c.device ? `${c.mode}${c.highres ? " hres" : ""}${c.ticking ? "" : " (no tick)"}` : "-",
      String(c.ticks),
      c.timekeeper ? "*" : "",
    ]),
    [true, false, false, false, false, true, false],
  );
}

/** The `devices` table. */
export function formatDevices(devices: readonly DeviceInfo[]): string {
  return table(
    ["NAME", "CPU", "RATING", "STATE", "ROLE", "BOUND", "HANDLER"],
    devices.map((d) => [
      d.name,
      d.cpu === null ? "all" : String(d.cpu),
      String(d.rating),
      d.state,
      d.role,
      d.boundTo === null ? "-" : `CPU${d.boundTo}`,
      d.handler ?? "-",
    ]),
    [false, true, true, false, false, false, false],
  );
}

/** A trace event as a line: time, then the tracepoint's own format where the kernel has one. */
export function formatTrace(e: TraceEvent): string {
  const cpu = String(e.cpu).padStart(4, "0");
  const at = `[${formatSeconds(e.time).padStart(12)}]`;
  switch (e.type) {
    case "cpuhp_enter":
    case "cpuhp_exit":
      return `${at} ${tracepointText(e)}`;
    case "tick":
      return `${at} tick: cpu: ${cpu} device: ${e.device} handler: ${e.handler}`;
    case "tick_do_timer":
      return `${at} tick_do_timer: cpu: ${cpu} from: ${e.from} to: ${e.to}`;
    case "hang":
      return `${at} hang: cpu: ${cpu} step: ${e.idx} ${e.reason}`;
    default:
      return `${at} ${e.type}: cpu: ${cpu} device: ${e.device}${
        e.previous ? ` previous: ${e.previous}` : ""
      }${e.ret !== undefined ? ` ret: ${e.ret}` : ""}`;
  }
}

/** The `explore` report: coverage, a verdict per invariant, then each shortest counterexample. */
export function formatExplore(r: ExploreResult): string {
  const why = r.stopped === "memory budget"
    ? `memory budget: ${formatBytes(r.bytes)} held; --max-memory raises it`
    : r.stopped;
  const coverage = r.stopped
    ? `stopped (${why}): every sequence up to ${r.depthCovered} of ${r.depth} operations covered`
    : `complete to depth ${r.depth}`;
  const out = [
    `explored ${r.states} states, ${r.transitions} transitions, ${r.modelRuns} run on the ` +
    `model (${coverage}; ops ${r.ops.join(",")})`,
    `design: ${r.design}`,
    "",
    table(
      ["INVARIANT", "HOLDS", "VIOLATED", "CHECKS", "NOTE"],
      r.invariants.map((i) => [
        i.name,
        i.holds,
        String(i.violations),
        String(i.checks),
        i.violations && i.expected ? expectedNote(i.name) : "",
      ]),
      [false, false, true, true, false],
    ),
  ];
  for (const v of r.violations) {
    const n = v.operations.length;
    out.push(
      "",
      `${v.invariant} violated during ${v.during}${
        v.expected ? " (expected on this design)" : ""
      }` +
        `, shortest: ${n} operation${n === 1 ? "" : "s"}: ${v.operations.join(" / ") || "(boot)"}`,
    );
    if (v.step) {
      out.push(
        `  at CPU${v.step.cpu} ${v.step.teardown ? "teardown" : "startup"} of ` +
          `${v.step.state} ${v.step.stateName} (${v.step.callback})`,
      );
    }
    out.push(
      `  ${v.message}`,
      "  replay:",
      ...v.script.trimEnd().split("\n").map((l) => `    ${l}`),
    );
  }
  return out.join("\n");
}

function stepCell(s: StepRecord | undefined): [string, string] {
  if (!s) return ["", ""];
  const device = deviceChange(s);
  return [
    `${"  ".repeat(s.depth)}CPU${s.cpu} ${s.teardown ? "down" : "up"} ${s.state} ${s.stateName}`,
    s.hung ? `${device} (hangs here)` : device,
  ];
}

/** The `compare` report: per operation, A's and B's steps side by side, then the verdicts. */
export function formatCompare(c: Comparison, labels: [string, string]): string {
  const d = c.divergence;
  const out = [`A: ${labels[0]}`, `   ${c.a.design}`, `B: ${labels[1]}`, `   ${c.b.design}`];
  c.a.operations.forEach((a, i) => {
    const b = c.b.operations[i];
    out.push("", `[${i + 1}] ${a.line}`, `  A: ${a.message}`, `  B: ${b.message}`);
    const n = Math.max(a.steps.length, b.steps.length);
    if (n > 0) {
      const rows = Array.from({ length: n }, (_, j) => [
        d && d.operation === i && d.step === j ? ">>" : "",
        ...stepCell(a.steps[j]),
        ...stepCell(b.steps[j]),
      ]);
      out.push(
        ...table(["", "A STEP", "A TICK DEVICE", "B STEP", "B TICK DEVICE"], rows, [
          false,
          false,
          false,
          false,
          false,
        ]).split("\n").map((l) => `  ${l}`),
      );
    }
    const differ = a.bound.flatMap((dev, cpu) =>
      dev === b.bound[cpu]
        ? []
        : [`CPU${cpu} ${dev ?? "(none)"} on A, ${b.bound[cpu] ?? "(none)"} on B`]
    );
    if (differ.length) out.push(`  tick devices afterwards differ: ${differ.join("; ")}`);
  });
  out.push(
    "",
    table(
      ["INVARIANT", "A HOLDS", "B HOLDS"],
      c.a.invariants.map((inv, i) => {
        const verdict = (v: InvariantVerdict) =>
          `${v.holds}${v.violations ? ` (${v.violations}${v.expected ? ", expected" : ""})` : ""}`;
        return [inv.name, verdict(inv), verdict(c.b.invariants[i])];
      }),
      [false, false, false],
    ),
    "",
    d
      ? `first divergence: [${d.operation + 1}] ${d.line}${
        d.step === null ? "" : `, step ${d.step + 1}`
      }: ${d.reason}`
      : "no divergence: both runs take the same steps with the same tick devices",
  );
  return out.join("\n");
}
