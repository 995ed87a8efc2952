/**
 * The run's own timing, for the replay: how long the guest took to boot (the uptime at which the
 * rig's `/init` started), and how long one hotplug callback takes on that host (the secondary
 * CPUs' bring-up at boot, timed by the kernel's own log, divided by the callbacks the model runs
 * for it). Real kernels behave differently when time passes (a LAPIC ticks during a CPU's
 * bring-up until VMbus replaces it; the boot CPU's IRQ 0 counts until its per-CPU timer takes
 * over), so the model replays a run at the run's pace.
 *
 * @module
 */

import type { VmOptions } from "../engine/config.ts";
import { vm } from "../api/builder.ts";
import type { Transcript } from "./transcript.ts";

const STAMP = /^\[\s*(\d+)\.(\d+)\] (.*)$/;

/** Seconds of a `[ s.us]` stamped line whose text starts with `text`, from the full kernel log. */
function stampOf(t: Transcript, text: string): number | null {
  for (const s of t.steps) {
    if (s.kind !== "read" || s.reader !== "dmesg_full") continue;
    for (const l of s.text) {
      const m = STAMP.exec(l);
      if (m && m[3].startsWith(text)) return Number(m[1]) + Number(`0.${m[2]}`);
    }
  }
  return null;
}

/**
 * The span of the first resume from a hibernation image in a kernel log the script read
 * (`dmesg | tail`): `Enabling non-boot CPUs ...` to the last `CPUn is up` after it, the
 * non-boot CPUs brought back up one by one (kernel/cpu.c enable_nonboot_cpus, 5.4.301 L1361 and
 * L1370; 6.6.150 L2000/L2009).
 */
function resumeSpan(t: Transcript): [number, number] | null {
  for (const s of t.steps) {
    if (s.kind !== "read" || !s.reader.startsWith("dmesg_")) continue;
    let from: number | null = null;
    let to: number | null = null;
    for (const l of s.text) {
      const m = STAMP.exec(l);
      if (!m) continue;
      const at = Number(m[1]) + Number(`0.${m[2]}`);
      if (m[3] === "Enabling non-boot CPUs ...") [from, to] = [at, null];
      else if (from !== null && /^CPU\d+ is up$/.test(m[3])) to = at;
    }
    if (from !== null && to !== null) return [from, to];
  }
  return null;
}

/**
 * The timing of a log's run: `boot` from its first uptime mark; `callback` from the kernel's
 * `smp: Bringing up secondary CPUs` … `smp: Brought up` span over the callbacks one CPU's
 * bring-up runs in the model, or, in a log without its boot's kernel log, from the span a
 * hibernation's resume took to bring the same CPUs up (`resumeSpan`), else from the first
 * successful onlining write's uptime marks (the same division by one bring-up's callbacks); 0 when
 * the log has none of them.
 */
export function runTiming(t: Transcript, options: VmOptions): { boot: number; callback: number } {
  const first = t.steps.find((s) => s.kind === "time");
  const boot = first && first.kind === "time" ? first.cs * 10_000_000 : 0;
  let from = stampOf(t, "smp: Bringing up secondary CPUs");
  let to = stampOf(t, "smp: Brought up");
  if (from === null || to === null) [from, to] = resumeSpan(t) ?? [null, null];
  const cpus = options.cpus ?? 1;
  if (cpus < 2) return { boot, callback: 0 };
  const m = vm({ ...options, timing: undefined }).build();
  m.write("/sys/devices/system/cpu/cpu1/online", "0");
  const calls = m.write("/sys/devices/system/cpu/cpu1/online", "1").calls;
  if (calls === 0) return { boot, callback: 0 };
  if (from !== null && to !== null) {
    return { boot, callback: Math.round(((to - from) * 1e9) / ((cpus - 1) * calls)) };
  }
  // No boot span (a log without the full kernel log, e.g. one that hung before the rig printed
  // it): the first onlining write that succeeded, timed by the rig's uptime marks around it (ops
  // format `info: start_cs= end_cs=`), over the callbacks one bring-up runs in the model.
  const span = onlineSpan(t);
  return { boot, callback: span === null ? 0 : Math.round(span / calls) };
}

/** Nanoseconds of the first successful `echo 1 > …/cpuN/online` between two uptime marks. */
function onlineSpan(t: Transcript): number | null {
  const s = t.steps;
  for (let i = 1; i + 1 < s.length; i++) {
    const w = s[i], a = s[i - 1], b = s[i + 1];
    if (
      w.kind === "write" && /\/cpu\d+\/online$/.test(w.path) && w.value === "1" && w.rc === 0 &&
      a.kind === "time" && b.kind === "time" && b.cs > a.cs
    ) return (b.cs - a.cs) * 10_000_000;
  }
  return null;
}
