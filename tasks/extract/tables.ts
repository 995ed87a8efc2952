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
import type { FixedRegistrant } from "../../lib/kernels/release.ts";
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
  readonly number: number;
  readonly name: string;
  readonly startup: string;
  readonly teardown: string;
  readonly nocalls: boolean;
  readonly multi: boolean;
  readonly where: string;
  readonly registered_by: string;
  readonly config_sensitive: boolean;
}

/** fixed-states.json: per line, per architecture, the registrations. */
export type FixedStates = Readonly<Record<string, Readonly<Record<string, readonly FixedEntry[]>>>>;

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
  [/\bdevice_initcall|\bmodule_init\b/, "device_initcall"],
  [/\blate_initcall\b/, "late_initcall"],
];

/**
 * Registrants lib/kernels/registrants.ts models itself (with their effects and conditions), so the
 * fixed table leaves them out: the arch timer, the dummy timer, the Hyper-V stimer, vmstat and
 * writeback.
 */
const MODELLED = new Set([
  "arch_timer_register",
  "dummy_timer_register",
  "hv_stimer_alloc",
  "init_mm_internals",
  "page_writeback_init",
]);

/** The function a `registered_by` names first. */
function registrant(by: string): string {
  return /^(\w+)/.exec(by)![1];
}

/** A fixed registrant's key: its name and the function that registers it. */
export function fixedKey(name: string, by: string): string {
  return `${name}@${registrant(by)}`;
}

/**
 * The fixed-number registrants every guest of a line registers (config-sensitive ones and the
 * modelled ones left out), in boot order: by phase, then by the first line they appear in, then by
 * state number there; and, per line, which of them it has.
 */
export function fixedRegistrants(
  fixed: FixedStates,
  lines: readonly string[],
): { rows: FixedRegistrant[]; present: Map<string, string[]> } {
  const rows = new Map<string, FixedRegistrant & { order: [number, number, number, string] }>();
  const present = new Map<string, string[]>(lines.map((l) => [l, []]));
  lines.forEach((line, li) => {
    for (const arch of ["x86_64", "arm64"] as const) {
      for (const e of fixed[line]?.[arch] ?? []) {
        if (e.config_sensitive || MODELLED.has(registrant(e.registered_by))) continue;
        const phase = PHASE_RULES.find(([re]) => re.test(e.registered_by))?.[1];
        if (!phase) throw new Error(`no boot phase for ${JSON.stringify(e.registered_by)}`);
        const key = fixedKey(e.name, e.registered_by);
        const known = rows.get(key);
        const row = known ?? {
          key,
          name: e.name,
          state: e.state,
          phase,
          startup: e.startup === "NULL" ? null : e.startup,
          teardown: e.teardown === "NULL" ? null : e.teardown,
          nocalls: e.nocalls,
          multi: e.multi,
          by: e.registered_by,
          arches: [],
          order: [BOOT_PHASES.indexOf(phase), li, e.number, e.name],
        };
        if (known && (known.state !== e.state || known.phase !== phase)) {
          throw new Error(`${key}: its state or phase differs between lines`);
        }
        if (!row.arches.includes(arch)) (row.arches as string[]).push(arch);
        rows.set(key, row);
        const keys = present.get(line)!;
        if (!keys.includes(key)) keys.push(key);
      }
    }
  });
  // An architecture a row is on must be the same in every line it appears in.
  for (const [line, keys] of present) {
    for (const key of keys) {
      const row = rows.get(key)!;
      for (const arch of row.arches) {
        if (!fixed[line][arch]?.some((e) => fixedKey(e.name, e.registered_by) === key)) {
          throw new Error(`${key}: on ${arch} in some lines but not in ${line}`);
        }
      }
    }
  }
  const cmp = (a: readonly (number | string)[], b: readonly (number | string)[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
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
