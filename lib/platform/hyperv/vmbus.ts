/**
 * VMbus and SynIC as far as the timer needs them (drivers/hv/hv.c `hv_synic_init` /
 * `hv_synic_cleanup`, drivers/hv/vmbus_drv.c; reference hyperv-stimer.md §3).
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";
import { hasStimer, hvStimerCleanup, hvStimerInit } from "./stimer.ts";
import { E } from "../../util/errno.ts";
import { countIrq, KERN, printk } from "../../engine/log.ts";
import { advanceTo } from "../../time/advance.ts";
import { ftraceBuild } from "../../kernels/ftrace_builds.ts";
import { fcall, fcallWith, recording } from "../../tracing/ftrace.ts";
import { runAs, taskContext } from "../../engine/exec.ts";
import { workerTask } from "../../tracing/tasks.ts";
import { findHost } from "./hosts.ts";

/**
 * The VMBus protocol the guest negotiated (`vmbus_proto_version`): the host's newest
 * (hosts.ts), which every line that reads it knows (`vmbus_versions[]` starts at
 * VERSION_WIN10_V5_3 from 5.15: 5.15.215 drivers/hv/connection.c:50, 6.18.9:54).
 *
 * @example
 * ```ts
 * import { vmbusProtoVersion } from "./vmbus.ts";
 * import { boot } from "../../machine/boot.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(vmbusProtoVersion(boot(vm({ hyperv: "2022" }).config())), [5, 3]);
 * assert.deepEqual(vmbusProtoVersion(boot(vm({ hyperv: "2019" }).config())), [5, 2]);
 * ```
 */
export function vmbusProtoVersion(k: Kernel): readonly [number, number] {
  const c = k.s.config;
  const text = findHost(c.hyperv)?.vmbusProtocol ?? c.platform.vmbusVersion ?? "0.0";
  const [major, minor] = text.split(".").map(Number);
  return [major, minor];
}

/** `vmbus_proto_version >= VERSION_WIN10_V5_3` (include/linux/hyperv.h 6.18.9:277). */
function atLeastV53(k: Kernel): boolean {
  const [major, minor] = vmbusProtoVersion(k);
  return major > 5 || (major === 5 && minor >= 3);
}

/**
 * Whether `hv_synic_cleanup()` moves a channel off a CPU going offline on this machine
 * (3a7f7785eae7, 6.15: `hv_pick_new_cpu()` refuses below VMBus 5.3, 6.18.9 drivers/hv/hv.c:441-442).
 *
 * @example
 * ```ts
 * import { movesChannels } from "./vmbus.ts";
 * import { boot } from "../../machine/boot.ts";
 * import { vm } from "../../../mod.ts";
 * import assert from "node:assert/strict";
 * const on = (kernel: string, hyperv: string) => movesChannels(boot(vm({ kernel, hyperv }).config()));
 * assert.equal(on("6.18", "2022"), true);
 * assert.equal(on("6.18", "2019"), false);
 * assert.equal(on("6.12", "2022"), false);
 * ```
 */
export function movesChannels(k: Kernel): boolean {
  return k.line.vmbusOfflineMovesChannels && atLeastV53(k);
}

/**
 * `hv_pick_new_cpu()` (6.18.9 drivers/hv/hv.c:428-460): the first online CPU other than the
 * channel's, wrapping from a random start (`get_random_u32_below(nr_cpu_ids)`), else
 * `VMBUS_CONNECT_CPU`. hvtick draws 0, one of the kernel's outcomes: the channel goes to CPU0
 * while it is online (it always is while VMbus is connected: CPU0 refuses to go offline), else
 * to the lowest online CPU. `vmbus_channel_set_cpu()` succeeds (every modelled channel is open).
 * Channels are kept as the set of CPUs they target, so moving onto a CPU that has one merges them.
 */
function hvPickNewCpu(k: Kernel, cpu: number): void {
  const cpus = k.s.cpus;
  const target = cpus.find((c) => c.online && c.id !== cpu)?.id ?? 0;
  const set = new Set(k.s.vmbus.channels.filter((c) => c !== cpu));
  set.add(target);
  k.s.vmbus.channels = [...set].sort((a, b) => a - b);
}

/**
 * `hv_synic_init(cpu)` (state `hyperv/vmbus:online`): SynIC registers on, then the stimer:
 * registered here in both modes up to 5.4, only in legacy mode from 5.5
 * (`hv_stimer_legacy_init` returns at once in Direct Mode).
 */
export function hvSynicInit(k: Kernel, cpu: number): number {
  return fcallWith(k, "hv_synic_init", synicInit, cpu, null);
}

function synicInit(k: Kernel, cpu: number): number {
  k.s.cpus[cpu].synic = true;
  if (!hasStimer(k)) return 0;
  if (k.line.stimer.direct === "vmbus") hvStimerInit(k, cpu);
  // hv_stimer_legacy_init() (5.5+): returns at once in Direct Mode.
  else fcallWith(k, "hv_stimer_legacy_init", stimerLegacyInit, cpu, null);
  return 0;
}

function stimerLegacyInit(k: Kernel, cpu: number): void {
  if (!k.direct) hvStimerInit(k, cpu);
}

/**
 * `hv_synic_cleanup(cpu)`: -EBUSY while VMbus is connected and a channel (or sub-channel) is bound
 * to this CPU (5.2–6.12: drivers/hv/hv.c, checked in each release), and in 6.1 also for CPU0
 * (`VMBUS_CONNECT_CPU`); from 6.15 with VMBus 5.3 the channel is moved instead
 * ({@linkcode movesChannels}, 6.18.9 hv.c:480-502; CPU0 still refuses); otherwise the stimer cleanup of the release (legacy only from 5.5), then
 * the SynIC registers off. 6.1's extra refusal while channel interrupts are pending is not
 * modelled (no channel traffic is simulated).
 */
export function hvSynicCleanup(k: Kernel, cpu: number): number {
  return fcallWith(k, "hv_synic_cleanup", synicCleanup, cpu, null);
}

function synicCleanup(k: Kernel, cpu: number): number {
  const vmbus = k.s.vmbus;
  if (vmbus.connected && k.line.vmbusConnectCpuBusy && cpu === 0) return -E.EBUSY;
  if (vmbus.connected && vmbus.channels.includes(cpu)) {
    if (!movesChannels(k)) return -E.EBUSY;
    hvPickNewCpu(k, cpu);
  }
  if (hasStimer(k)) {
    if (k.line.stimer.direct === "vmbus") hvStimerCleanup(k, cpu);
    // hv_stimer_legacy_cleanup() (5.5+): returns at once in Direct Mode.
    else fcallWith(k, "hv_stimer_legacy_cleanup", stimerLegacyCleanup, cpu, null);
  }
  k.s.cpus[cpu].synic = false;
  return 0;
}

function stimerLegacyCleanup(k: Kernel, cpu: number): void {
  if (!k.direct) hvStimerCleanup(k, cpu);
}

/**
 * 6.12 `vmbus_bus_init()` (87c9741a38c4): `hv_synic_init()` on every online CPU as a work item on
 * that CPU (`vmbus_percpu_work()`, run by its worker), all flushed before `hyperv/vmbus:online` is
 * registered without calls (6.12.117 drivers/hv/vmbus_drv.c:1419-1432). The items run at the same
 * time; the machine's `synicFirst` says whose runs first (then the others in CPU order): in
 * legacy mode its LAPIC, the first released, becomes the broadcast device
 * (logs/k6.12-hv-legacy-vmbus-trace.log: CPU3's work first, `lapic_timer_shutdown
 * <-__clockevents_exchange_device` under tick_install_broadcast_device). Returns whether it ran.
 */
export function vmbusPercpuWork(k: Kernel): boolean {
  if (k.line.vmbus.synicInit !== "workqueue") return false;
  const online = k.s.cpus.filter((c) => c.online).map((c) => c.id);
  const first = k.s.config.synicFirst;
  const order = online.includes(first) ? [first, ...online.filter((c) => c !== first)] : online;
  for (const cpu of order) {
    const work = () => fcall(k, "vmbus_percpu_work", () => hvSynicInit(k, cpu));
    if (recording(k)) runAs(k, taskContext(cpu, workerTask(k, cpu)), work);
    else work();
  }
  return true;
}

/**
 * `vmbus_connect()` (drivers/hv/connection.c), as far as hotplug sees it: VMbus is up and
 * connected, and the negotiated version is printed (5.10 connection.c:250, 6.1:308, 6.12:326).
 */
export function vmbusConnect(k: Kernel): void {
  k.s.vmbus.up = true;
  k.s.vmbus.connected = true;
  // The host's replies during the connect (the version response, the offers) are SynIC messages
  // on VMBUS_CONNECT_CPU (CPU0), handled in sysvec_hyperv_callback: HYP counts there, 3 in every
  // Direct Mode + VMbus log (k5.10-hv-direct-vmbus-sbcrs.log, k6.12-hv-direct-vmbus.log).
  for (let i = 0; i < 3; i++) countIrq(k, "HYP", 0);
  const version = k.s.config.platform.vmbusVersion;
  if (version) printk(k, `hv_vmbus: Vmbus version:${version}`);
}

/**
 * `vmbus_bus_resume()` (dpm_resume_start → noirq resume) reconnects VMbus. With no channel offered
 * (QEMU's vmbus-bridge offers none) `nr_chan_fixup_on_resume` is 0 at the `WARN_ON()` (5.4.301
 * drivers/hv/vmbus_drv.c:2333, 6.6.150:2522, 6.8.1:2487), and `ready_for_resume_event`, completed
 * only when the last channel is fixed up, times out after 10 s: `Some vmbus device is missing
 * after suspending?` (5.4.301:2339, 6.6.150:2528, 6.8.1:2493; tests/real/built/k*-vmbus-hibernate*).
 * The WARN's CPU, PID, `Code:`, registers and call trace are the run's and are not printed; the
 * RIP's offset/size is the build's (lib/kernels/ftrace_builds.ts oopsSymbols), where known.
 *
 * @example
 * ```ts
 * import { vmbusBusResume } from "./vmbus.ts";
 * import { vm } from "../../../mod.ts";
 * import { createKernel } from "../../machine/kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.1" }).build().snapshot());
 * vmbusBusResume(k);
 * assert.equal(k.s.vmbus.connected, k.s.vmbus.up);
 * ```
 */
export function vmbusBusResume(k: Kernel): void {
  const s = k.s;
  const rip = ftraceBuild(s.config.kernel, s.config.kconfig).oopsSymbols.vmbus_bus_resume;
  s.vmbus.connected = s.vmbus.up;
  if (!s.vmbus.up || !k.line.vmbusHibernation) return;
  // vmbus_negotiate_version() and vmbus_request_offers(): the host's version response and its
  // ALLOFFERS_DELIVERED are SynIC messages on VMBUS_CONNECT_CPU (CPU0), as at the connect
  // (vmbusConnect): HYP counts there (k6.6-hv-direct-vmbus-hibernate.log: HYP CPU0 moves).
  for (let i = 0; i < 2; i++) countIrq(k, "HYP", 0);
  if (s.vmbus.channels.length > 0 || !k.line.vmbusResumeWaitsForOffers) return;
  printk(k, "------------[ cut here ]------------", KERN.WARNING);
  printk(k, `Modules linked in: ${[...(s.modules ?? [])].reverse().join(" ")}`, KERN.WARNING);
  printk(k, `RIP: 0010:vmbus_bus_resume${rip ? `+${rip}` : ""} [hv_vmbus]`, KERN.WARNING);
  advanceTo(k, s.now + 10_000_000_000);
  printk(k, "hv_vmbus: Some vmbus device is missing after suspending?", KERN.ERR);
}
