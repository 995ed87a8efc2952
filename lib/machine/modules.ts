/**
 * Loadable modules: with `CONFIG_HYPERV=m` (Debian's kernels) VMbus is `hv_vmbus.ko`, loaded by
 * udev in early userspace or by hand (`modprobe`, the rig's `insmod`). Loading it runs its init
 * the way the kernel does (drivers/hv/vmbus_drv.c `hv_acpi_init()` → `vmbus_bus_init()`): the
 * ACPI probe, the `hyperv/vmbus:online` registration (which starts `hv_synic_init()` on every
 * online CPU: the legacy stimers replace the LAPIC there), then `vmbus_connect()`.
 *
 * @module
 */

import { ftraceBuild } from "../kernels/ftrace_builds.ts";
import type { Kernel } from "../engine/kernel.ts";
import { CONSOLE_LOGLEVEL_MOTORMOUTH, KERN, printk } from "../engine/log.ts";
import { type ErrnoName, errnoName } from "../util/errno.ts";
import { type RefusalId, refuse } from "../util/refusals.ts";
import { REGISTRANTS } from "../kernels/registrants.ts";
import { configFacts } from "../kernels/configs.ts";
import { platformOf } from "../platform/hyperv/hosts.ts";
import { register } from "./register.ts";
import { current, runAs, taskContext } from "../engine/exec.ts";
import { fcall, recording } from "../tracing/ftrace.ts";
import { loaderTask } from "../tracing/tasks.ts";

/** What loading a module did. */
export interface ModuleLoad {
  /** `init_module()`'s result: 0 or -errno. */
  readonly ret: number;
  /** Its errno name, or null. */
  readonly errno: ErrnoName | null;
  /** The loading task died in an oops (the shell reports `Killed`, exit status 137). */
  readonly killed: boolean;
  /** The module was built in (`=y`) or already loaded: nothing ran. */
  readonly already: boolean;
  /** Why its init refused, when it did (lib/util/refusals.ts). */
  readonly refusal?: RefusalId;
}

/** The modules hvtick models. */
export const MODULE_NAMES: readonly string[] = [
  "hv_vmbus",
  "virtio_ring",
  "virtio",
  "virtio_pci",
  "virtio_blk",
];

/**
 * What each virtio module needs loaded first (its `depends=`): the rig's initramfs lists them
 * with their dependencies in load order (rig/run-scenario.sh:290-313; logs/k5.10-hv-direct-
 * hibernate.host.txt extra_modules: virtio_ring, virtio, virtio_pci, virtio_blk).
 */
const VIRTIO_DEPENDS: Readonly<Record<string, readonly string[]>> = {
  virtio_ring: [],
  virtio: [],
  virtio_pci: ["virtio_ring", "virtio"],
  virtio_blk: ["virtio_ring", "virtio"],
};

/**
 * A virtio module: built in (nothing to do) or loaded with its dependencies first, as `modprobe`
 * does. Its init prints nothing the model compares (the PCI link and the disk's size): when the
 * host has a virtio disk, `/dev/vda` exists once the whole stack is in (lib/hotplug/swapdev.ts).
 */
function loadVirtio(k: Kernel, name: string): ModuleLoad {
  const s = k.s;
  const modular = configFacts(s.config.kconfig, s.config.kernel)?.virtioModules ?? [];
  if (!modular.includes(name) || (s.modules ?? []).includes(name)) {
    return { ret: 0, errno: null, killed: false, already: true };
  }
  for (const dep of VIRTIO_DEPENDS[name]) loadVirtio(k, dep);
  s.modules = [...(s.modules ?? []), name];
  return { ret: 0, errno: null, killed: false, already: false };
}

/**
 * 5.10's `vmbus_acpi_add()` walks the `_CRS` of the VMBus device's ancestors up to the namespace
 * root; under QEMU's `vmbus-bridge` no ancestor has one, and the walk evaluates `_CRS` of the
 * root handle itself, which faults in `acpi_ns_lookup()` while `acpi_ns_get_node()` holds the
 * ACPI namespace mutex (the oops of logs/k5.10-hv-legacy-vmbus.log, lines 118-194; fixed by
 * "Drivers: hv: vmbus: Don't dereference ACPI root object handle", not in 5.10.262). The task is
 * killed with the mutex held.
 */
const ROOT_DEREF_OOPS = [
  "BUG: kernel NULL pointer dereference, address: 0000000000000007",
  "#PF: supervisor read access in kernel mode",
  "#PF: error_code(0x0000) - not-present page",
  "Oops: 0000 [#1] SMP NOPTI",
  // The "CPU:", "Hardware name:", "Code:" and register lines follow here in the real oops; their
  // values (CPU, PID, addresses, registers) are the run's and are not modelled. So is the
  // "? 0xffffffffc03d7000" frame (the module's load address) after driver_register.
  "RIP: 0010:acpi_ns_lookup",
  "Call Trace:",
  " ? acpi_ns_internalize_name.part.0+0x70/0xb0",
  " acpi_ns_get_node_unlocked+0x7a/0xf0",
  " ? acpi_rs_convert_aml_to_resource+0x37/0x610",
  " ? down_timeout+0x33/0x50",
  " ? acpi_os_wait_semaphore+0x48/0x80",
  " acpi_ns_get_node+0x3c/0x60",
  " acpi_ns_evaluate+0x1cc/0x2e0",
  " acpi_ut_evaluate_object+0x64/0x1c0",
  " acpi_rs_get_method_data+0x2c/0x70",
  " ? vmbus_acpi_add+0x1e0/0x1e0 [hv_vmbus]",
  " acpi_walk_resources+0x7e/0xd0",
  " vmbus_acpi_add+0x68/0x1e0 [hv_vmbus]",
  " ? sysfs_do_create_link_sd+0x6c/0xc0",
  " acpi_device_probe+0x45/0x110",
  " really_probe+0x222/0x480",
  " driver_probe_device+0xc9/0x130",
  " device_driver_attach+0xa9/0xb0",
  " __driver_attach+0xa7/0x150",
  " ? device_driver_attach+0xb0/0xb0",
  " bus_for_each_dev+0x78/0xc0",
  " bus_add_driver+0x13a/0x200",
  " driver_register+0x8b/0xe0",
  " hv_acpi_init+0x4a/0x1000 [hv_vmbus]",
  " do_one_initcall+0x44/0x1e0",
  " ? do_init_module+0x23/0x250",
  " ? kmem_cache_alloc_trace+0xf5/0x200",
  " do_init_module+0x4c/0x250",
  " __do_sys_finit_module+0xb1/0x120",
  " do_syscall_64+0x33/0x80",
  " entry_SYSCALL_64_after_hwframe+0x67/0xd1",
  "Modules linked in: hv_vmbus(+)",
  "CR2: 0000000000000007",
  // oops_end() → __show_regs() again after "---[ end trace <random id> ]---" (5.10
  // arch/x86/kernel/dumpstack.c oops_end), so RIP is printed twice.
  "RIP: 0010:acpi_ns_lookup",
];

/**
 * Loads `name` (one of {@linkcode MODULE_NAMES}); `init_module()`'s outcome. The module's init
 * runs in the loading process, on the CPU of the task that started it.
 */
export function loadModule(k: Kernel, name: string): ModuleLoad {
  if (name in VIRTIO_DEPENDS) return loadVirtio(k, name);
  if (!recording(k)) return loadVmbus(k, name);
  return runAs(k, taskContext(current(k).cpu, loaderTask(k)), () => loadVmbus(k, name));
}

/** `hv_vmbus`'s init, `hv_acpi_init()`. */
function loadVmbus(k: Kernel, name: string): ModuleLoad {
  const s = k.s;
  const facts = configFacts(s.config.kconfig, s.config.kernel);
  if (facts?.hyperv !== "m" || (s.modules ?? []).includes(name)) {
    return { ret: 0, errno: null, killed: false, already: true };
  }
  const fail = (refusal: RefusalId): ModuleLoad => {
    const { ret } = refuse(refusal);
    return { ret, errno: errnoName(ret), killed: false, already: false, refusal };
  };
  // hv_acpi_init(): not a Hyper-V guest.
  if (s.config.hyperv === "none") return fail("vmbus-no-hyperv");
  // No VMBus ACPI device: 5.10 waits 5 s for the probe (-ETIMEDOUT); 6.1+ finds no device.
  if (!s.config.vmbus) {
    return fail(k.line.vmbus.probe === "wait" ? "vmbus-probe-timeout" : "vmbus-no-device");
  }
  if (!s.config.vmbusMmio && k.line.vmbus.rootCrsDeref) {
    // oops_begin() → console_verbose() comes first (5.10 arch/x86/mm/fault.c:715,
    // arch/x86/kernel/dumpstack.c:375): the oops and everything after it reach the console.
    s.consoleLoglevel = CONSOLE_LOGLEVEL_MOTORMOUTH;
    // The RIP's offset/size is the build's (lib/kernels/ftrace_builds.ts oopsSymbols).
    const at = ftraceBuild(s.config.kernel, s.config.kconfig).oopsSymbols.acpi_ns_lookup;
    for (const text of ROOT_DEREF_OOPS) {
      const line = at && text === "RIP: 0010:acpi_ns_lookup" ? `${text}+${at}` : text;
      printk(k, line, /^(BUG|#PF): /.test(line) ? KERN.ALERT : KERN.WARNING);
    }
    s.acpiNamespaceHeld = true;
    // The module stays in the list, COMING, its code in place (its functions can be traced:
    // logs/k5.10-hv-legacy-vmbus-trace.log "filter + hv_synic_init").
    s.modules = [...(s.modules ?? []), name];
    s.loading = [...(s.loading ?? []), name];
    return { ret: 0, errno: null, killed: true, already: false };
  }
  // vmbus_reserve_fb(): 5.10 takes a Gen1 framebuffer base from screen_info, 0 under QEMU's
  // VGA text console; 6.1+ asks PCI for Hyper-V's video device and returns quietly without one.
  if (
    s.config.vmbusMmio && k.line.vmbus.reserveFb === "screen_info" &&
    !platformOf(s.config.hyperv).framebuffer
  ) {
    printk(k, "hv_vmbus: Unexpected framebuffer mmio base of zero");
  }
  s.modules = [...(s.modules ?? []), name];
  fcall(k, "hv_acpi_init", () =>
    fcall(k, "vmbus_bus_init", () => {
      // 5.3–5.4: the stimer's structs, before hyperv/vmbus:online is registered.
      if (k.line.stimer.alloc === "vmbus_bus_init") fcall(k, "hv_stimer_alloc", () => 0);
      for (const key of k.line.registrantOrder) {
        const r = REGISTRANTS.find((x) => x.key === key)!;
        if (r.module === name) register(k, r, true);
      }
    }));
  return { ret: 0, errno: null, killed: false, already: false };
}

/** udev in early userspace: loads the modules of the devices present (`modules: "udev"`). */
export function udevColdplug(k: Kernel): void {
  if (k.s.config.modules === "udev" && k.s.config.vmbus) loadModule(k, "hv_vmbus");
}
