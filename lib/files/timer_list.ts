/**
 * `/proc/timer_list` (kernel/time/timer_list.c): the header and the tick-device part, in the
 * release's format (v0.8 for 5.x, v0.9 for 6.1; reference §2.11, research tick-deltas §2.3).
 * The per-CPU hrtimer-base blocks (kernel pointers, idle statistics) are not modelled.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { template } from "../time/devices.ts";
import { type DeviceState, KTIME_MAX } from "../engine/state.ts";
import { deviceOf } from "../engine/device_table.ts";

const KTIME_MAX_TEXT = "9223372036854775807";

function ns(v: number): string {
  return v >= KTIME_MAX ? KTIME_MAX_TEXT : String(v);
}

/** A NULL callback: `<%pK>` as root with kptr_restrict=1 (5.x), `%ps` → `0x0` (6.1). */
function sym(k: Kernel, name: string | null | undefined): string {
  if (name) return name;
  return k.line.timerList === "v0.8" ? "<0000000000000000>" : "0x0";
}

function cpumaskHex(cpus: readonly number[], n: number): string {
  // %*pb: 32-bit hex words, comma-separated, most significant first.
  const words = Math.max(1, Math.ceil(n / 32));
  const out: string[] = [];
  for (let w = words - 1; w >= 0; w--) {
    let v = 0;
    for (const c of cpus) if (c >> 5 === w) v = (v | (1 << (c & 31))) >>> 0;
    const digits = w === words - 1 ? Math.ceil((n - w * 32) / 4) : 8;
    out.push(v.toString(16).padStart(digits, "0"));
  }
  return out.join(",");
}

// Appends to `lines` rather than returning a block: 2048 vCPUs print over 30000 lines.
function deviceBlock(
  lines: string[],
  k: Kernel,
  d: DeviceState | null,
  tickMode: number,
  who: string,
): void {
  // v0.9 (245a057fee18, 5.14) and v0.10 (7988e5ae2be7, 6.9) print the tick devices alike.
  const v9 = k.line.timerList !== "v0.8";
  lines.push(`Tick Device: mode:     ${tickMode}`, who);
  if (!d) {
    lines.push("Clock Event Device: <NULL>");
    return;
  }
  const cb = template(d.kind).callbacks(k.s.config);
  lines.push(
    `Clock Event Device: ${d.name}`,
    ` max_delta_ns:   ${ns(d.maxDeltaNs)}`,
    ` min_delta_ns:   ${d.minDeltaNs}`,
    ` mult:           ${d.mult}`,
    ` shift:          ${d.shift}`,
    ` mode:           ${d.state}`,
    ` next_event:     ${ns(d.nextEvent)} nsecs`,
    ` set_next_event: ${sym(k, cb.setNextEvent)}`,
  );
  if (cb.shutdown) lines.push(`${v9 ? " shutdown:       " : " shutdown: "}${cb.shutdown}`);
  if (cb.periodic) lines.push(`${v9 ? " periodic:       " : " periodic: "}${cb.periodic}`);
  if (cb.oneshot) lines.push(`${v9 ? " oneshot:        " : " oneshot:  "}${cb.oneshot}`);
  if (cb.oneshotStopped) lines.push(` oneshot stopped: ${cb.oneshotStopped}`);
  if (cb.resume) lines.push(`${v9 ? " resume:         " : " resume:   "}${cb.resume}`);
  lines.push(` event_handler:  ${sym(k, d.handler)}`);
  if (v9) lines.push("");
  lines.push(` retries:        ${d.retries}`);
  if (v9 && who !== "Broadcast device") lines.push("Wakeup Device: <NULL>");
  lines.push("");
}

/**
 * Renders `/proc/timer_list`. No modelled device is a per-CPU wakeup device (none has
 * CLOCK_EVT_FEAT_PERCPU), so 6.1 prints `Wakeup Device: <NULL>`.
 */
export function timerList(k: Kernel): string {
  const s = k.s;
  const out = [
    `Timer List Version: ${k.line.timerList}`,
    "HRTIMER_MAX_CLOCK_BASES: 8",
    `now at ${ktime(k)} nsecs`,
    "",
  ];
  const bc = s.broadcast.dev === null ? null : deviceOf(s, s.broadcast.dev)!;
  deviceBlock(out, k, bc, s.broadcast.mode, "Broadcast device");
  out.push(`tick_broadcast_mask: ${cpumaskHex(s.broadcast.mask, s.config.cpus)}`);
  out.push(`tick_broadcast_oneshot_mask: ${cpumaskHex(s.broadcast.oneshotMask, s.config.cpus)}`);
  out.push("");
  for (const c of s.cpus) {
    if (!c.online) continue;
    const d = c.tickDev === null ? null : deviceOf(s, c.tickDev)!;
    deviceBlock(out, k, d, c.tickMode, `Per CPU device: ${c.id}`);
  }
  return out.join("\n") + "\n";
}
