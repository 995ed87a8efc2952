/**
 * Turning what was read out of kernel sources (docs/research/kernels/ID.json, written by
 * `deno task extract source`, and docs/research/fixed-states.json) into the modules lib/kernels/
 * uses: per release its parent plus a delta (enum entries removed and inserted, steps removed and
 * set, fixed-number registrants added and removed), and the table of fixed-number registrants.
 * Everything here is deterministic: the same inputs give the same text.
 *
 * @module
 */

import { BOOT_PHASES, type BootPhase } from "../../lib/kernels/phases.ts";
import type { CoreStep } from "../../lib/engine/line.ts";
import type { BuiltinRegistrant } from "../../lib/kernels/release.ts";
import type { EnumEntry, StepEntry } from "./parse.ts";

/** What `extract source` writes for one release. */
export interface Extracted {
  /** The kernel line id (`5.5`). */
  readonly id: string;
  /** The line it is a delta of, or null for the root. */
  readonly parent: string | null;
  /** The tag or version the tree is (`v5.5-rc5`). */
  readonly tag: string;
  /** Where the tree came from: repository and commit. */
  readonly source: { readonly repo: string; readonly commit: string };
  /** The files read. */
  readonly files: { readonly enum: string; readonly steps: string };
  /** `enum cpuhp_state`, with lines. */
  readonly enum: readonly EnumEntry[];
  /** `cpuhp_hp_states[]`, with lines, after the config's NULL symbols are applied. */
  readonly steps: readonly StepEntry[];
  /** Callback symbols the modelled config defines as NULL, with where and why. */
  readonly nulled: Readonly<Record<string, string>>;
}

/** One entry of fixed-states.json. */
interface FixedEntry {
  readonly state: string;
  readonly number: number | null;
  readonly name: string;
  readonly startup: string;
  readonly teardown: string;
  readonly nocalls: boolean;
  readonly multi: boolean;
  readonly where: string;
  readonly registered_by: string;
  readonly config_sensitive: boolean;
  /** The Kconfig symbols the call needs. */
  readonly kconfig?: readonly string[];
}

/** fixed-states.json: per line, per architecture, the registrations. */
export type FixedStates = Readonly<Record<string, Readonly<Record<string, readonly FixedEntry[]>>>>;

/** One row of docs/research/registrants/ID.json: a release's boot-time registrations, in order. */
export interface RegistrantFact {
  readonly seq: number;
  readonly name: string;
  readonly slot: string;
  readonly fn: string;
  readonly where: string;
  readonly nocalls: boolean;
  readonly multi: boolean;
  readonly instances: number | null;
  readonly phase: string;
  readonly chain: string;
  readonly startup: string | null;
  readonly teardown: string | null;
  readonly condition: string | null;
}

/**
 * When each registrant runs, from the words of its `registered_by` (the first rule that matches):
 * start_kernel's direct calls, `init_IRQ` (the GIC's `irqchip_init()`), then the initcall levels
 * (`module_init` of built-in code is `device_initcall`; `*_sync` runs at the end of its level).
 */
const PHASE_RULES: readonly [RegExp, BootPhase][] = [
  [/in start_kernel|from start_kernel/, "start_kernel"],
  [/^gic_smp_init\(\) from gic_init_bases\(\)/, "init_IRQ"],
  [/\bearly_initcall\b/, "early_initcall"],
  [/\bpostcore_initcall\b/, "postcore_initcall"],
  [/\bcore_initcall\b/, "core_initcall"],
  [/\barch_initcall\b/, "arch_initcall"],
  [/\bsubsys_initcall\b/, "subsys_initcall"],
  [/\bdevice_initcall_sync\b/, "device_initcall_sync"],
  [/\bdevice_initcall|\bmodule_init\b/, "device_initcall"],
  [/\blate_initcall\b/, "late_initcall"],
];

/**
 * The functions whose registrations lib/kernels/registrants.ts models itself (with their effects
 * and conditions), so the generated table leaves them out: the arch and dummy timers, the Hyper-V
 * stimer, Hyper-V init, VMbus, vmstat, writeback, compaction and io_uring's io-wq.
 */
const MODELLED = new Set([
  "arch_timer_register",
  "dummy_timer_register",
  "hv_stimer_alloc",
  "hyperv_init",
  "vmbus_bus_init",
  "init_mm_internals",
  "page_writeback_init",
  "kcompactd_init",
  "io_wq_init",
]);

/**
 * Kconfig options a registration can need that not every config preset sets: a registration that
 * needs one is made only under a config that has it. `MEMCG` is set by every preset but the rig's
 * builds (docs/research/configs/*.config: "# CONFIG_MEMCG is not set"); `X86_MSR`, `X86_CPUID` and
 * `VIRTIO_NET` only by them (Debian: =m, not loaded at boot).
 */
const OPTIONAL_CONFIG = [
  "MEMCG",
  "X86_MSR",
  "X86_CPUID",
  "VIRTIO_NET",
  "PADATA",
  "VMAP_STACK",
  "CRASH_HOTPLUG",
  "IRQ_POLL",
  "ZSWAP",
  "ZSMALLOC",
  "LEDS_TRIGGER_CPU",
];

/** Guest conditions a registration depends on (lib/kernels/registrants.ts CONDITIONS). */
const CONDITIONS: readonly [RegExp, string][] = [[/num_possible_cpus\(\) > 1/, "smp"]];

/** The function a `registered_by` names first. */
function registrant(by: string): string {
  return /^(\w+)/.exec(by)![1];
}

/** A registrant's key: its name and the function that registers it. */
export function fixedKey(name: string, by: string): string {
  return `${name}@${registrant(by)}`;
}

type Row = BuiltinRegistrant & { order: [number, number, number] };

/** A fixed-states.json entry as a row (null: modelled by hand or config-sensitive). */
function fromFixed(e: FixedEntry, arch: string): Omit<Row, "order" | "arches"> | null {
  if (e.config_sensitive || MODELLED.has(registrant(e.registered_by))) return null;
  const phase = PHASE_RULES.find(([re]) => re.test(e.registered_by))?.[1];
  if (!phase) throw new Error(`no boot phase for ${JSON.stringify(e.registered_by)} (${arch})`);
  return {
    key: fixedKey(e.name, e.registered_by),
    name: e.name,
    state: e.state,
    phase,
    startup: e.startup === "NULL" ? null : e.startup,
    teardown: e.teardown === "NULL" ? null : e.teardown,
    nocalls: e.nocalls,
    multi: e.multi,
    instances: 0,
    config: (e.kconfig ?? []).find((s) => OPTIONAL_CONFIG.includes(s)) ?? null,
    condition: null,
    by: e.registered_by,
  };
}

/** A docs/research/registrants/ row as a row (null: modelled by hand). */
function fromFact(f: RegistrantFact): Omit<Row, "order" | "arches"> | null {
  if (MODELLED.has(f.fn)) return null;
  if (!(BOOT_PHASES as readonly string[]).includes(f.phase)) {
    throw new Error(`${f.name}: no boot phase ${JSON.stringify(f.phase)}`);
  }
  const symbols = [...(f.condition ?? "").matchAll(/CONFIG_(\w+)=y/g)].map((m) => m[1]);
  return {
    key: `${f.name}@${f.fn}`,
    name: f.name,
    state: f.slot,
    phase: f.phase as BootPhase,
    startup: f.startup,
    teardown: f.teardown,
    nocalls: f.nocalls,
    multi: f.multi,
    instances: f.instances ?? 0,
    config: symbols.find((s) => OPTIONAL_CONFIG.includes(s)) ?? null,
    condition: CONDITIONS.find(([re]) => re.test(f.condition ?? ""))?.[1] ?? null,
    by: `${f.chain} (${f.where})`,
  };
}

/**
 * The built-in registrants of every line, in boot order (by phase, then the first line they
 * appear in, then their order there), and per line which of them it has. A line with registrant
 * facts (docs/research/registrants/ID.json: a real kernel's boot, in order) takes its x86_64 rows
 * from them, else from fixed-states.json.
 */
export function builtinRegistrants(
  fixed: FixedStates,
  facts: Readonly<Record<string, readonly RegistrantFact[]>>,
  lines: readonly string[],
): { rows: BuiltinRegistrant[]; present: Map<string, string[]> } {
  const rows = new Map<string, Row>();
  const present = new Map<string, string[]>(lines.map((l) => [l, []]));
  lines.forEach((line, li) => {
    for (const arch of ["x86_64", "arm64"] as const) {
      const found = arch === "x86_64" && facts[line]
        ? facts[line].map((f) => ({ row: fromFact(f), rank: f.seq }))
        : (fixed[line]?.[arch] ?? []).map((e, i) => ({ row: fromFixed(e, arch), rank: i }));
      for (const { row: found1, rank } of found) {
        if (!found1) continue;
        // A call that moved to another phase (or state) is another row: `key#phase`.
        const first = rows.get(found1.key);
        const r = first && (first.state !== found1.state || first.phase !== found1.phase)
          ? { ...found1, key: `${found1.key}#${found1.phase}` }
          : found1;
        const known = rows.get(r.key);
        if (known && (known.state !== r.state || known.phase !== r.phase)) {
          throw new Error(`${r.key}: its state or phase differs between lines (${line})`);
        }
        const row = known ?? { ...r, arches: [], order: [BOOT_PHASES.indexOf(r.phase), li, rank] };
        if (!row.arches.includes(arch)) (row.arches as string[]).push(arch);
        rows.set(r.key, row);
        const keys = present.get(line)!;
        if (!keys.includes(r.key)) keys.push(r.key);
      }
    }
  });
  const cmp = (a: readonly number[], b: readonly number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  const sorted = [...rows.values()].sort((a, b) => cmp(a.order, b.order));
  return {
    rows: sorted.map(({ order: _, arches, ...r }) => ({
      ...r,
      arches: [...arches].sort().reverse(),
    })),
    present,
  };
}

/** The edits that turn `from` into `to`: removals, then insertions after a name (null: first). */
export function listEdits(
  from: readonly string[],
  to: readonly string[],
): { remove: string[]; insert: { after: string | null; names: string[] }[] } {
  // Longest common subsequence, by dynamic programming (the lists are a few hundred long).
  const n = from.length;
  const m = to.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = from[i] === to[j]
        ? lcs[i + 1][j + 1] + 1
        : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const kept = new Set<number>();
  const remove: string[] = [];
  for (let i = 0, j = 0; i < n;) {
    if (j < m && from[i] === to[j]) {
      kept.add(j);
      i++;
      j++;
    } else if (j < m && lcs[i][j + 1] >= lcs[i + 1][j]) j++;
    else remove.push(from[i++]);
  }
  const insert: { after: string | null; names: string[] }[] = [];
  for (let j = 0; j < m; j++) {
    if (kept.has(j)) continue;
    const after = j === 0 ? null : to[j - 1];
    const last = insert.at(-1);
    if (last && last.names.at(-1) === after) last.names.push(to[j]);
    else insert.push({ after, names: [to[j]] });
  }
  return { remove, insert };
}

/** A step as lib/kernels/ keeps it (no line). */
export function coreStep(s: StepEntry): CoreStep {
  return {
    id: s.id,
    name: s.name,
    startup: s.startup,
    teardown: s.teardown,
    ...(s.cantStop ? { cantStop: true } : {}),
  };
}
