/**
 * Where 6.12's per-CPU VMbus init work items race, the log's own boot trace says which CPU's ran
 * first (its worker's first `hv_stimer_legacy_init <-hv_synic_init`); other logs leave the default.
 */
function synicFirst(text: string): { synicFirst?: number } {
  const m =
    /^\s*kworker\/\S+-\d+\s+\[(\d{3})\] \S+\s+[\d.]+: hv_stimer_legacy_init <-hv_synic_init$/m
      .exec(text);
  return m ? { synicFirst: Number(m[1]) } : {};
}

/**
 * The machine a rig log was made on, as hvtick options: the kernel release from the package
 * version, the vCPU count from `-smp`, the host from `-cpu` (its `hv-*` enlightenments) and
 * `-device`s, the guest CPU features from what the guest printed (`/proc/cpuinfo` flags), the
 * kernel command line from `-append`, and Debian's kernel config. The rig's `/init` loads
 * `hv_vmbus` itself (rig/run-scenario.sh), so the model boots without udev's module loading.
 *
 * @module
 */

import type { VmOptions } from "../engine/config.ts";
import { KERNEL_LINES, RELEASE_VERSIONS } from "../kernels/lines.ts";
import { LogFormatError } from "./blocks.ts";
import type { RigHost } from "./host.ts";
import type { Transcript } from "./transcript.ts";

/** QEMU `-cpu` Hyper-V flags and the host features each turns on (target/i386/kvm/hyperv*.c). */
const HV_FLAGS: Readonly<Record<string, readonly string[]>> = {
  "hv-time": ["referenceCounter", "referenceTscPage"],
  "hv-synic": ["synic"],
  "hv-stimer": ["syntheticTimers"],
  "hv-frequencies": ["frequencyMsrs"],
  "hv-stimer-direct": ["stimerDirectMode"],
  "hv-reenlightenment": [],
  "hv-relaxed": [],
  "hv-vpindex": [],
  "hv-vapic": [],
  "hv-runtime": [],
  "hv-crash": [],
  "hv-reset": [],
  "hv-tlbflush": [],
  "hv-ipi": [],
};

/** The guest CPU's `/proc/cpuinfo` flags, from the log (the ops header or the cpuinfo block). */
function cpuinfoFlags(text: string): string[] | null {
  const m = /^cpuinfo_flags: (.*)$/m.exec(text) ?? /^flags\s*: (.*)$/m.exec(text);
  return m ? m[1].trim().split(/\s+/) : null;
}

/**
 * hvtick options for the machine of a log.
 *
 * @example
 * ```ts
 * import { rigOptions } from "./machine.ts";
 * import { parseHostFile } from "./host.ts";
 * import assert from "node:assert/strict";
 * const host = parseHostFile(
 *   "kernel_package: linux-image-6.1.0-56-amd64 6.1.192-2\n" +
 *     "command: qemu -cpu max\\,+hypervisor\\,hv-time\\,hv-synic\\,hv-stimer\\,hv-vendor-id=Microsoft\\ Hv " +
 *     "-smp 2 -append console=ttyS0\n",
 *   "x.host.txt",
 * );
 * const o = rigOptions(host, "flags : fpu arat\n", "x.log");
 * assert.deepEqual([o.kernel, o.hyperv, o.cpus, o.kconfig], ["6.1", "qemu", 2, "debian"]);
 * assert.equal(o.features?.stimerDirectMode, false);
 * ```
 */
export function rigOptions(host: RigHost, logText: string, file: string): VmOptions {
  const kernel = Object.entries(RELEASE_VERSIONS).find(([, v]) => v === host.kernelVersion)?.[0];
  if (!kernel) {
    throw new LogFormatError(
      file,
      0,
      `the log's kernel is ${host.kernelVersion}; hvtick models ${
        Object.entries(RELEASE_VERSIONS).map(([id, v]) => `${v} (${id})`).join(", ")
      }`,
    );
  }
  const flags = new Set(host.cpuFlags);
  const hyperv = host.cpuFlags.some((f) => f === "hv-vendor-id=Microsoft Hv");
  const unknown = host.cpuFlags.filter((f) =>
    f.startsWith("hv-") && !f.startsWith("hv-vendor-id=") && !(f in HV_FLAGS)
  );
  if (unknown.length) {
    throw new LogFormatError(
      file,
      0,
      `unknown QEMU Hyper-V flag(s) ${unknown.join(", ")}; known: ${
        Object.keys(HV_FLAGS).join(", ")
      }`,
    );
  }
  const guest = cpuinfoFlags(logText);
  const features: Record<string, boolean> = {
    referenceCounter: false,
    referenceTscPage: false,
    synic: false,
    syntheticTimers: false,
    frequencyMsrs: false,
    stimerDirectMode: false,
    invariantTsc: false,
  };
  for (const f of flags) for (const feature of HV_FLAGS[f] ?? []) features[feature] = true;
  const options: VmOptions = {
    hyperv: hyperv ? "qemu" : "none",
    kernel,
    // A kernel built from source has the rig build's config (lib/kernels/configs.ts "rig-build").
    kconfig: host.builtFromSource ? "rig-build" : "debian",
    modules: "manual",
    // The kernel's own config line (ops.sh prints it); the rig builds set it (configs_rig.ts).
    hotplugStateControl: /^config: CONFIG_CPU_HOTPLUG_STATE_CONTROL=y$/m.test(logText) ||
      host.builtFromSource,
    cpus: host.smp,
    hz: 250,
    cmdline: host.append,
    // The rig's guest scripts run in /init itself, PID 1 (run-scenario.sh writes /init; the real
    // traces name the writer "init-1").
    shell: "init-1",
    ...synicFirst(logText),
    memory: host.memoryMiB,
    // A `-drive …,if=virtio` is the guest's /dev/vda; the rig's initramfs has no swap until the
    // guest's script runs swapon (rig/guest/hibernate.sh).
    virtioDisk: host.drives.some((d) => d.if === "virtio"),
    swap: false,
    ...(hyperv ? { vmbus: host.devices.includes("vmbus-bridge") } : {}),
    // The rig's SSDT gives \_SB an MMIO _CRS (rig/acpi/sb-crs.asl), as Hyper-V's VMOD has.
    ...(hyperv
      ? { vmbusMmio: /(^|\/)acpi\/sb-crs\.asl /.test(host.fields.get("ssdt") ?? "") }
      : {}),
    features: {
      ...(hyperv ? features : {}),
      arat: guest ? guest.includes("arat") : !flags.has("-arat"),
      tscDeadline: guest ? guest.includes("tsc_deadline_timer") : false,
    },
  };
  return options;
}

/** The transcript's kind of log, for the report. */
export function describe(t: Transcript, o: VmOptions): string {
  return `${o.kernel} ${o.hyperv === "qemu" ? "qemu+hv" : "qemu"} ${o.cpus} CPUs (${t.format})`;
}

/** One side of every race the model knows, as a replay takes it. */
export interface RaceSide {
  /** What the report prints for it ("" for the defaults). */
  readonly label: string;
  /** The machine's options with it. */
  readonly options: VmOptions;
  /** kthread_park()'s race (lib/hotplug: the `race` operation): "passes", or the default. */
  readonly parkRace?: "passes";
}

/**
 * The sides of the races a log's run may have taken that the log does not name: which CPU's
 * VMbus init work ran first where they race (6.12, legacy stimer, unless the log's boot trace
 * says), and whether `kthread_park()` found the thread still queued on a CPU without a tick. The
 * harness replays each and keeps the one that explains the log best (docs/model.md §Fidelity);
 * the defaults come first, so a tie keeps them.
 */
export function raceSides(o: VmOptions): RaceSide[] {
  const line = KERNEL_LINES[o.kernel ?? ""];
  const legacyWork = line?.vmbus.synicInit === "workqueue" && o.vmbus === true &&
    o.features?.stimerDirectMode === false && o.synicFirst === undefined;
  const firsts = legacyWork ? Array.from({ length: o.cpus ?? 1 }, (_, i) => i) : [undefined];
  const out: RaceSide[] = [];
  for (const park of [undefined, "passes"] as const) {
    for (const first of firsts) {
      const label = [
        first !== undefined && first !== 0 ? `synic-first ${first}` : "",
        park ? "park passes" : "",
      ].filter((x) => x).join(", ");
      out.push({
        label,
        options: first === undefined ? o : { ...o, synicFirst: first },
        ...(park ? { parkRace: park } : {}),
      });
    }
  }
  return out;
}
