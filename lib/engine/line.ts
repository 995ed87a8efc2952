/**
 * What a kernel line is, as a type: its `enum cpuhp_state`, its static step table, the well-known
 * state numbers, and the named switches of behaviour that differ between releases (the data of
 * each release is in lib/kernels/). The sections follow from the numbers.
 *
 * @module
 */

/** One entry of the static `cpuhp_hp_states[]` table. */
export interface CoreStep {
  /** Enum name. */
  readonly id: string;
  /** `.name`. */
  readonly name: string;
  /** `.startup.single` symbol or null. */
  readonly startup: string | null;
  /** `.teardown.single` symbol or null. */
  readonly teardown: string | null;
  /** `.cant_stop`. */
  readonly cantStop?: boolean;
}

/** Well-known state numbers of a release. */
export interface CpuhpNumbers {
  /** `CPUHP_ONLINE`. */
  readonly ONLINE: number;
  /** `CPUHP_BRINGUP_CPU`. */
  readonly BRINGUP_CPU: number;
  /** `CPUHP_AP_IDLE_DEAD`. */
  readonly AP_IDLE_DEAD: number;
  /** `CPUHP_AP_OFFLINE`. */
  readonly AP_OFFLINE: number;
  /** `CPUHP_AP_ONLINE`. */
  readonly AP_ONLINE: number;
  /** `CPUHP_TEARDOWN_CPU`. */
  readonly TEARDOWN_CPU: number;
  /** `CPUHP_AP_ONLINE_IDLE`. */
  readonly AP_ONLINE_IDLE: number;
  /** `CPUHP_AP_ONLINE_DYN`. */
  readonly AP_ONLINE_DYN: number;
  /** `CPUHP_AP_ONLINE_DYN_END`. */
  readonly AP_ONLINE_DYN_END: number;
  /** `CPUHP_BP_PREPARE_DYN`: the dynamic PREPARE range. */
  readonly BP_PREPARE_DYN: number;
  /** `CPUHP_BP_PREPARE_DYN_END`. */
  readonly BP_PREPARE_DYN_END: number;
  /** `CPUHP_AP_HYPERV_TIMER_STARTING`, where the release has it. */
  readonly HYPERV_TIMER_STARTING: number | null;
  /** `CPUHP_BP_KICK_AP` (the split bring-up, a631be92b996, 6.5), where the release has it. */
  readonly BP_KICK_AP: number | null;
  /** `CPUHP_AP_ARM_ARCH_TIMER_STARTING`. */
  readonly ARM_ARCH_TIMER_STARTING: number;
  /** `CPUHP_AP_DUMMY_TIMER_STARTING`. */
  readonly DUMMY_TIMER_STARTING: number;
}

/**
 * What differs in behaviour between kernel releases, as named switches (each release sets them in
 * lib/kernels/lines.ts with its source). Code asks a switch, never a release number.
 */
export interface Switches {
  /** kernel/cpu.c rule switches. */
  readonly rules: {
    /** The walk skips states without a callback in that direction (6.x `cpuhp_next_state`). */
    readonly skipNullCallbacks: boolean;
    /** `hotplug/fail` accepts -1 to disarm. */
    readonly failAcceptsMinusOne: boolean;
    /** `hotplug/fail` refuses DEAD states while the CPU is above BRINGUP. */
    readonly failRejectsDeadAboveBringup: boolean;
    /** `hotplug/target` equal to the current state is a no-op. */
    readonly targetEqualNoop: boolean;
  };
  /** Hyper-V stimer placement (hyperv-stimer.md §1). */
  readonly stimer: {
    /** Where Direct Mode registers: the VMbus ONLINE state, or the STARTING state. */
    readonly direct: "vmbus" | "starting";
    /** What `hv_stimer_cleanup` / `hv_synic_cleanup` do to the stimer. */
    readonly cleanup: "unbind-then-shutdown" | "shutdown" | "direct-shutdown-else-unbind";
    /**
     * Where the stimer's per-CPU structs are allocated: by `hv_synic_alloc()` (5.2: there is no
     * `hv_stimer_alloc()` yet) or `hv_stimer_alloc()` (5.3–5.4), both called by `vmbus_bus_init()`
     * when VMbus initialises (in the task loading `hv_vmbus` with `CONFIG_HYPERV=m`); or at boot
     * (5.5+: `hv_stimer_alloc()` from `hyperv_init()`, later `hv_stimer_setup_percpu_clockev()`).
     */
    readonly alloc: "hv_synic_alloc" | "vmbus_bus_init" | "boot";
  };
  /** arm64 guests use the (out-of-tree) Hyper-V stimer: true before mainline arm64 support (5.15). */
  readonly arm64Stimer: boolean;
  /** x86 PIT registration: `always` without an HPET (5.2), or per `apic_needs_pit()`. */
  readonly pit: "always" | "apic_needs_pit";
  /** `hv_synic_cleanup` refuses `VMBUS_CONNECT_CPU` (CPU0) while VMbus is connected (6.1). */
  readonly vmbusConnectCpuBusy: boolean;
  /** VMbus unloads on hibernation (suspend/resume support, 5.4+). */
  readonly vmbusHibernation: boolean;
  /**
   * `vmbus_bus_resume()` `WARN_ON()`s when no channel is to be fixed up and waits up to 10 s for the
   * offers (5.4.301 vmbus_drv.c:2333-2339 … 6.12.117:2505-2511); 6.18.9 (2702-2718) only reports
   * channels not offered again, without a WARN or a wait.
   */
  readonly vmbusResumeWaitsForOffers: boolean;
  /** How `hv_vmbus` initialises (drivers/hv/vmbus_drv.c). */
  readonly vmbus: {
    /** Without a VMBus ACPI device: wait 5 s for the probe (`-ETIMEDOUT`), or fail at once (`-ENODEV`). */
    readonly probe: "wait" | "immediate";
    /** `vmbus_acpi_add()` walks `_CRS` up to the namespace root handle itself (fixed in 6.1.y). */
    readonly rootCrsDeref: boolean;
    /**
     * `vmbus_reserve_fb()` takes a Gen1 framebuffer from `screen_info` and warns when its base is
     * zero (5.10.262 vmbus_drv.c:2237), takes it from `screen_info` silently (5.4.301
     * vmbus_drv.c:2037: `if (screen_info.lfb_base)`, no warning), or from PCI.
     */
    readonly reserveFb: "screen_info" | "screen_info-silent" | "pci";
    /** `hv_synic_init()` on the online CPUs: by `cpuhp_setup_state()` in CPU order, or by per-CPU work items. */
    readonly synicInit: "cpuhp" | "workqueue";
  };
  /** `/proc/timer_list` version. */
  readonly timerList: "v0.8" | "v0.9" | "v0.10";
  /** hibernate.c message prefix. */
  readonly pmPrefix: string;
  /** What hibernate.c prints before the image is made (after {@linkcode Switches.pmPrefix}). */
  readonly imageMessage: string;
  /** How kernel/power/ and the ACPI sleep code word and order hibernation (lib/hotplug/power.ts). */
  readonly hibernation: {
    /** `freeze_secondary_cpus()` takes the CPUs down in ascending order, or from the last (6.12). */
    readonly freezeOrder: "ascending" | "descending";
    /** drivers/acpi/sleep.c's prefix (`ACPI: `, 6.x `ACPI: PM: `). */
    readonly acpiSleepPrefix: string;
    /** drivers/acpi/nvs.c's prefix (`PM: `, 6.x `ACPI: PM: `). */
    readonly acpiNvsPrefix: string;
    /** kernel/power/process.c: `Freezing … ... done.` on one line (5.x), or a start and a `completed` line (6.x). */
    readonly freezer: "one-line" | "two-line";
    /** snapshot.c's `Image created` also counts the zero pages it did not store (6.6+). */
    readonly imageZeroPages: boolean;
    /** swap.c names the compressor (`for lzo compression`) and reports the compressed size (6.9+). */
    readonly namedCompressor: boolean;
    /** `/sys/power/disk` ends with its last mode's space before the newline (to 6.1). */
    readonly diskTrailingSpace: boolean;
    /** `hibernation_debug_sleep()`'s line, after {@linkcode Switches.pmPrefix}. */
    readonly debugWait: string;
    /** `swsusp_save()`'s last line, before ` (%d pages copied…)`. */
    readonly imageCreated: string;
    /** `load_image_and_restore()`'s line when the restore fails. */
    readonly loadFailed: string;
    /** `software_resume()`'s line when the restore fails, before ` (%d)`. */
    readonly resumeFailed: string;
    /**
     * `resume_store()` parses with `name_to_dev_t()`, which refuses `0:0` (-EINVAL, to 6.1), or with
     * `lookup_bdev()` then `MAJ:MIN`, which takes it (6.12).
     */
    readonly resumeZeroRefused: boolean;
  };
  /** arm64 messages: psci's kill line form and whether `CPU%u: shutdown` is printed (notice in 5.x, debug in 6.1). */
  readonly arm64: { readonly psciKill: "plain" | "polled"; readonly shutdownNotice: boolean };
  /**
   * The host build line mshyperv.c prints, as a format over the CPUID 0x40000002 fields
   * `{build}`, `{major}`, `{minor}`, `{sp}`, `{branch}`, `{number}`.
   */
  readonly hostBuildMessage: string;
  /**
   * The Hyper-V clocksource's rating, without and with `HV_ACCESS_TSC_INVARIANT`
   * (drivers/clocksource/hyperv_timer.c).
   */
  readonly hypervClocksourceRating: {
    readonly plain: number;
    readonly invariantTsc: number;
    /** How much lower the MSR clocksource is rated when it is registered beside the TSC page. */
    readonly msrBelowPage: number;
  };
  /** `hyperv_clocksource_msr`: only when there is no TSC page (`fallback`), or always (6.12). */
  readonly hypervMsrClocksource: "fallback" | "always";
  /**
   * `take_cpu_down()` hands over the timekeeping duty and takes the CPU out of broadcast after
   * the DYING callbacks (true up to 6.8; 6.9 moved that into the `tick:dying` step).
   */
  readonly takeCpuDownTick: boolean;
  /**
   * Hyper-V's IRQ remapping needs x2APIC (hyperv-iommu.c up to 6.1); fea858dc5d90 (6.2) dropped
   * that, so a Hyper-V guest without x2APIC shows `IR-IO-APIC`.
   */
  readonly hypervIrqRemapNeedsX2apic: boolean;
  /** `hotplug/target` of the boot CPU: 0 (`boot_cpu_hotplug_init()` sets only the state) or CPUHP_ONLINE (d385febc9a19, 6.2). */
  readonly bootCpuTarget: "zero" | "online";
  /**
   * `tick_install_broadcast_device()` switches a replacement broadcast device to oneshot mode when
   * the system already runs in oneshot mode (5.13 on), instead of only notifying the CPUs.
   */
  readonly broadcastReplaceOneshot: boolean;
  /** How the release words and places boot lines (lib/machine/bootlog.ts). */
  readonly bootLog: {
    /**
     * mshyperv.c's feature line: `features, hints` (5.2), `…, misc` (5.4.301, 5.10), `privilege flags
     * low/high …` (5.15–6.12), or with `ext %#x` (CPUID 0x40000003 ECX) too (6.18.9 mshyperv.c:460;
     * printed only where the host's ECX is known).
     */
    readonly hypervFeatures:
      | "features-hints"
      | "features-hints-misc"
      | "privilege"
      | "privilege-ext";
    /**
     * `ms_hyperv_init_platform()` marks the TSC unstable before it registers the Hyper-V
     * clocksource (5.4.301 mshyperv.c:303, 347), not after (5.10.262 mshyperv.c:428, 437).
     */
    readonly tscUnstableFirst: boolean;
    /** The host build line is printed late, from `hv_common_init()` (410779d8d81f, 6.9). */
    readonly hostBuildLate: boolean;
    /** SMP topology: smpboot's `Allowing N CPUs` line, or 6.9's `CPU topo:` summary. */
    readonly topology: "smpboot" | "cpu-topo";
    /** The jiffies clocksource registers early (6.12: before the HPET), not at core_initcall. */
    readonly jiffiesEarly: boolean;
    /**
     * x86 `announce_cpu()`: `x86: Booting SMP configuration:` whenever CPU 1 comes up (to 6.4),
     * or `smpboot: x86: …` at boot only (0c7ffa32dbd6, 6.5).
     */
    readonly smpConfig: "x86-every-cpu1" | "smpboot-boot-only";
    /** smpboot prints `Max logical packages: N` after bring-up (gone with the 6.9 topology rework). */
    readonly maxLogicalPackages: boolean;
  };
  /** How an x86 oops is worded (arch/x86/kernel/dumpstack.c `__die_header`, kernel/exit.c). */
  readonly oops: {
    /** The banner starts `Oops: ` (6.12.117 dumpstack.c:426; not in 6.1.192:426). */
    readonly prefix: boolean;
    /** `note: COMM[PID] exited with irqs disabled` (6.1.192 kernel/exit.c:954; not in 5.10). */
    readonly exitIrqsNote: boolean;
  };
  /** How `trace` prints an entry (kernel/trace/trace_output.c `trace_print_context`). */
  readonly ftrace: {
    /** Latency flag columns: 4, or 5 with migrate-disable (54357f0c9149, 5.15). */
    readonly flagColumns: 4 | 5;
    /** The PID column: `%-5d`, or `%-7d` (795d6379a47b, 5.10). */
    readonly pidWidth: 5 | 7;
    /**
     * `function_trace_call()` takes the entry's context with `tracing_gen_ctx()` after
     * `ftrace_test_recursion_trylock()` disabled preemption (6.8.1 trace_functions.c:184-188,
     * trace_recursion.h:186), so a function entry's preempt depth is one more than the code's;
     * 6.6.150 takes `tracing_gen_ctx_dec()` (trace_functions.c:188). Events are not affected.
     */
    readonly functionDepthPlusOne: boolean;
  };
  /**
   * `clockevents_exchange_device()` wraps `__clockevents_exchange_device()`, which
   * `tick_install_broadcast_device()` calls itself (6.1.192 kernel/time/clockevents.c:560-590,
   * tick-broadcast.c:179): the drivers' callbacks show `<-__clockevents_exchange_device`.
   */
  readonly exchangeSplit: boolean;
  /**
   * `cpu_down_maps_locked()` runs `_cpu_down()` through `work_on_cpu()` on another online CPU
   * (2b8272ff4a70, backported to 6.1.y: 6.1.192 kernel/cpu.c:1252-1275), so a kworker drives an
   * offline; before it, the writing task does.
   */
  readonly cpuDownOnWorkqueue: boolean;
  /** `unsynchronized_tsc()` on a non-Intel CPU without constant_tsc counts possible CPUs or packages. */
  readonly unsynchronizedTsc: "possible-cpus" | "packages";
  /** The TSC is kept as reliable when the host sets `HV_ACCESS_TSC_INVARIANT` (mshyperv.c). */
  readonly tscReliableWithInvariantBit: boolean;
  /**
   * x86 CPU0 has a `cpu0/online` file: with the `cpu0_hotplug` boot parameter (up to 6.4: 5.15.215
   * arch/x86/kernel/topology.c:42-52), or never (e59e74dc48a3, 6.5: 6.6.150 topology.c:45
   * `xc->cpu.hotpluggable = cpu > 0`; 6.8.1 topology.c:39-42; 6.18.9 setup.c:1314).
   */
  readonly x86Cpu0Hotplug: "cpu0_hotplug" | "never";
  /**
   * How `hv_machine_shutdown()` takes the Hyper-V per-CPU state down on kexec (arch/x86/kernel/cpu/
   * mshyperv.c): not at all (`none`: 5.4.301 mshyperv.c:130-140); `cpuhp_remove_state()` of the dynamic state runs `hv_cpu_die()` on every CPU
   * (`dynamic-state`, dfe94d4086e4 in 5.12, up to 6.3); with the fixed `CPUHP_AP_HYPERV_ONLINE` (9636be85cc5b, 6.4) the
   * saved `hyperv_init_cpuhp` is 0, so nothing runs and the kexec'd kernel can crash (`skipped`:
   * 6.8.1 mshyperv.c:202-203); b9af6418279c (6.11, 6.6.52, 6.10.11) removes the fixed state
   * (`fixed-state`: 6.6.150 mshyperv.c:201-202). The `kexec` operation (lib/platform/hyperv/kexec.ts).
   */
  readonly kexecHvCpuDie: "none" | "dynamic-state" | "skipped" | "fixed-state";
  /**
   * The level `kernel_kexec()` prints `kexec_core: Starting new kernel` at: `pr_emerg` (5.4.301
   * kernel/kexec_core.c:1172) or `pr_notice` (5.10.265 kexec_core.c:1182, 6.8.1 :1269).
   */
  readonly kexecStartingLevel: "emerg" | "notice";
  /**
   * `hv_stimer_init()` rates the stimer 90 in a TDX VM without a paravisor, so the LAPIC timer wins
   * (7f828d5fff7d, 6.11/6.10.11: 6.18.9 drivers/clocksource/hyperv_timer.c:151-155; 6.8.1 rates it
   * 1000 unconditionally, hyperv_timer.c:140); read by the stimer's device template for a VM with
   * `isolation: "tdx"` (lib/time/devices.ts).
   */
  readonly stimerTdxLowRating: boolean;
  /**
   * `hv_synic_cleanup()` moves a VMbus channel off the CPU going offline (VMBus 5.3 and later,
   * `hv_pick_new_cpu()`) instead of refusing with -EBUSY (3a7f7785eae7, 6.15: 6.18.9
   * drivers/hv/hv.c:428-500); CPU0 still refuses (lib/platform/hyperv/vmbus.ts).
   */
  readonly vmbusOfflineMovesChannels: boolean;
  /**
   * `hrtimers_cpu_starting()` (the `hrtimers:dying` startup) clears `hres_active`, so a CPU taken
   * part-way down and back up returns to oneshot mode (2f8dea1692ee, stable 5.4.290, 5.10.234,
   * 5.15.177, 6.1.127, 6.6.74, 6.12.11: 5.4.301 kernel/time/hrtimer.c:2074-2080); without it only
   * `hrtimers_prepare_cpu()` does (6.8.1 hrtimer.c:2166-2181, no startup for `hrtimers:dying`),
   * and a CPU brought back from `hrtimers:prepare` keeps it (docs/model.md §Stories, A).
   */
  readonly hresResetOnStarting: boolean;
  /**
   * `hv_cpu_die()` frees the CPU's hypercall input page (`hyperv_pcpu_input_arg`) when it goes
   * offline (5.4.301 arch/x86/hyperv/hv_init.c:198-211; 5.15.215 drivers/hv/hv_common.c:149-168),
   * before `takedown_cpu()` migrates its interrupts; 9636be85cc5b (6.4) keeps it (6.6.150
   * drivers/hv/hv_common.c:425-438: "is not freed when the CPU goes offline").
   */
  readonly hvInputPageFreedOnDie: boolean;
  /**
   * The kernel runs as a Hyper-V TDX guest without a paravisor (`HV_ISOLATION_TYPE_TDX` in
   * `ms_hyperv_init_platform()`: 6.6.150 arch/x86/kernel/cpu/mshyperv.c:501-518, 6.8.1:447-464;
   * 6.1.166's mshyperv.c has no TDX isolation type).
   */
  readonly hypervTdxGuest: boolean;
  /**
   * `check_hung_task()` says when its last warning is spent: "Future hung task reports are
   * suppressed, see sysctl kernel.hung_task_warnings" (6.6.150 kernel/hung_task.c:145-146, 6.8.1
   * :145-146, 6.12.15:146-147, 6.18.9:263-264; not in 5.4.301, 5.10.265, 5.15.215, 6.1.166).
   */
  readonly hungTaskSuppressedNote: boolean;
  /**
   * `TAINT_FLAGS_COUNT`: how many flag characters `print_tainted()` writes after `Tainted: `
   * (5.4.301 include/linux/kernel.h:599 and 5.15.215 include/linux/panic.h:72: 18; 6.1.166
   * panic.h:73 … 6.12.15:77: 19, with TAINT_TEST; 6.18.9:83: 20).
   */
  readonly taintFlagsCount: 18 | 19 | 20;
}

/** A kernel line: a release's tables and switches. */
export interface KernelLine extends Switches {
  /** Id users pass to `.kernel()`. */
  readonly id: string;
  /** The release the line models. */
  readonly release: string;
  /** Its exact version (`6.1.192`). */
  readonly version: string;
  /** `enum cpuhp_state`, index = number (unnamed dynamic slots as `CPUHP_…_DYN+n`). */
  readonly enumNames: readonly string[];
  /** The static step table. */
  readonly core: readonly CoreStep[];
  /** Well-known numbers. */
  readonly cpuhp: CpuhpNumbers;
  /** The boot-time registrants it has (keys of lib/kernels/registrants.ts). */
  readonly registrants: ReadonlySet<string>;
  /** Those keys in the order its boot makes the calls (within a boot phase). */
  readonly registrantOrder: readonly string[];
  /** Registrants whose call differs here: another API (`nocalls`), or the instances it adds. */
  readonly registrantChanges: Readonly<
    Record<string, { readonly nocalls?: boolean; readonly instances?: number }>
  >;
}

/** Section of a state: who runs its callbacks (kernel/cpu.c, reference §1.1). */
export type Section = "PREPARE" | "STARTING" | "TEARDOWN" | "ONLINE" | "END";

/** The section a state belongs to on this kernel line. */
export function sectionOf(line: KernelLine, state: number): Section {
  const c = line.cpuhp;
  if (state <= c.BRINGUP_CPU) return "PREPARE";
  if (state <= c.AP_ONLINE) return "STARTING";
  if (state === c.TEARDOWN_CPU) return "TEARDOWN";
  if (state < c.ONLINE) return "ONLINE";
  return "END";
}

/** "Atomic" (STARTING/DYING, IRQs off, must not fail): `AP_IDLE_DEAD <= state < AP_ONLINE`. */
export function isAtomic(line: KernelLine, state: number): boolean {
  return state >= line.cpuhp.AP_IDLE_DEAD && state < line.cpuhp.AP_ONLINE;
}
