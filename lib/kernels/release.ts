/**
 * Kernel releases as data with a parent: a root release has whole tables and every switch; every
 * other release is its parent plus a delta (enum entries removed and inserted, steps removed and
 * set, registrants added and removed, switches changed). {@linkcode chain} resolves a list of them
 * into kernel lines. The tables come from kernel sources through `deno task extract`
 * (lib/kernels/tables/); the switches are written by hand, each with its source.
 *
 * @module
 */

import type { CoreStep, CpuhpNumbers, KernelLine, Switches } from "../engine/line.ts";
import type { BootPhase } from "./phases.ts";
import type { KernelId } from "../engine/ids.ts";

/** A root release's hotplug tables (generated). */
export interface Tables {
  /** The line id. */
  readonly id: KernelId;
  /** No parent. */
  readonly parent: null;
  /** The tree they were read from. */
  readonly tag: string;
  /** `enum cpuhp_state`, index = number (`NAME=+n`: n-1 unnamed slots, then NAME). */
  readonly enum: readonly string[];
  /** `cpuhp_hp_states[]`. */
  readonly steps: readonly CoreStep[];
  /** The fixed-number registrants it has (keys of lib/kernels/tables/fixed.ts). */
  readonly registrants: readonly string[];
}

/** A release's hotplug tables as changes to its parent's (generated). */
export interface TablesDelta {
  /** The line id. */
  readonly id: KernelId;
  /** The parent line. */
  readonly parent: KernelId;
  /** The tree they were read from. */
  readonly tag: string;
  /** Enum entries removed, then inserted after an entry (null: at the start), in order. */
  readonly enum: {
    readonly remove: readonly string[];
    readonly insert: readonly {
      readonly after: string | null;
      readonly names: readonly string[];
    }[];
  };
  /** Steps removed (by enum name), and steps added or changed. */
  readonly steps: { readonly remove: readonly string[]; readonly set: readonly CoreStep[] };
  /** Built-in registrants removed and added (keys). */
  readonly registrants: { readonly remove: readonly string[]; readonly add: readonly string[] };
}

/**
 * One boot-time registrant of a subsystem hvtick does not model beyond its hotplug state
 * (generated from docs/research/fixed-states.json and docs/research/registrants/).
 */
export interface BuiltinRegistrant {
  /** `name@registering function`. */
  readonly key: string;
  /** The name shown in `hotplug/states`. */
  readonly name: string;
  /** The `enum cpuhp_state` name (`CPUHP_AP_ONLINE_DYN` / `CPUHP_BP_PREPARE_DYN`: a dynamic slot). */
  readonly state: string;
  /** When it runs during boot. */
  readonly phase: BootPhase;
  /** Startup callback, or null. */
  readonly startup: string | null;
  /** Teardown callback, or null. */
  readonly teardown: string | null;
  /** `cpuhp_setup_state_nocalls()`. */
  readonly nocalls: boolean;
  /** `cpuhp_setup_state_multi()`. */
  readonly multi: boolean;
  /** Instances a multi-instance state has after boot (their callbacks run once each). */
  readonly instances: number;
  /** The Kconfig option the call needs that the minimal config leaves out, or null. */
  readonly config: string | null;
  /** A guest condition for the call (lib/kernels/registrants.ts CONDITIONS), or null. */
  readonly condition: string | null;
  /** Who makes the call. */
  readonly by: string;
  /** The architectures whose guests make it. */
  readonly arches: readonly ("x86_64" | "arm64")[];
}

/** A release's changed switches: whole switches, or some members of a group. */
export type SwitchesDelta = {
  readonly [K in keyof Switches]?: Switches[K] extends Record<string, unknown>
    ? Partial<Switches[K]>
    : Switches[K];
};

const isGroup = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The parent's switches with a release's changes: a group keeps the members it does not change. */
function mergeSwitches(parent: Switches, delta: SwitchesDelta): Switches {
  const out: Record<string, unknown> = { ...parent };
  for (const [key, value] of Object.entries(delta)) {
    const was = out[key];
    out[key] = isGroup(was) && isGroup(value) ? { ...was, ...value } : value;
  }
  return out as unknown as Switches;
}

/** One release: its tables, and its switches (all of them at the root, the changed ones after). */
export interface Release {
  /** The release the line models, as users read it (`v5.4.6`). */
  readonly release: string;
  /** Its exact version (`5.4.6`, `6.1.192`): what a log's kernel package is matched against. */
  readonly version: string;
  /** Its hotplug tables (generated). */
  readonly tables: Tables | TablesDelta;
  /**
   * Its switches: every one for the root; after it, the ones that change, each with its source
   * (in a group such as `hibernation`, only the members that change).
   */
  readonly switches: SwitchesDelta;
  /** Modelled registrants (lib/kernels/registrants.ts) that appear and disappear in it. */
  readonly registrants?: {
    readonly add?: readonly string[];
    readonly remove?: readonly string[];
    /** Registrants it calls in another order than its parent: `move` is made just before `before`. */
    readonly reorder?: readonly { readonly move: string; readonly before: string }[];
    /** Registrants whose call differs: `nocalls` (the API the call uses) or the instances it adds. */
    readonly change?: Readonly<
      Record<string, { readonly nocalls?: boolean; readonly instances?: number }>
    >;
  };
}

/** Expands `NAME=+n` entries into n-1 unnamed slots before NAME (e.g. `CPUHP_AP_ONLINE_DYN_END`). */
export function expand(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of names) {
    const m = /^(\w+)=\+(\d+)$/.exec(entry);
    if (!m) {
      out.push(entry);
      continue;
    }
    const base = out[out.length - 1];
    for (let i = 1; i < Number(m[2]); i++) out.push(`${base}+${i}`);
    out.push(m[1]);
  }
  return out;
}

function numbers(names: readonly string[]): CpuhpNumbers {
  const at = (id: string) => {
    const i = names.indexOf(id);
    if (i < 0) throw new Error(`internal: ${id} missing from enum`);
    return i;
  };
  const hv = names.indexOf("CPUHP_AP_HYPERV_TIMER_STARTING");
  const kick = names.indexOf("CPUHP_BP_KICK_AP");
  return {
    ONLINE: at("CPUHP_ONLINE"),
    BRINGUP_CPU: at("CPUHP_BRINGUP_CPU"),
    AP_IDLE_DEAD: at("CPUHP_AP_IDLE_DEAD"),
    AP_OFFLINE: at("CPUHP_AP_OFFLINE"),
    AP_ONLINE: at("CPUHP_AP_ONLINE"),
    TEARDOWN_CPU: at("CPUHP_TEARDOWN_CPU"),
    AP_ONLINE_IDLE: at("CPUHP_AP_ONLINE_IDLE"),
    AP_ONLINE_DYN: at("CPUHP_AP_ONLINE_DYN"),
    AP_ONLINE_DYN_END: at("CPUHP_AP_ONLINE_DYN_END"),
    BP_PREPARE_DYN: at("CPUHP_BP_PREPARE_DYN"),
    BP_PREPARE_DYN_END: at("CPUHP_BP_PREPARE_DYN_END"),
    HYPERV_TIMER_STARTING: hv < 0 ? null : hv,
    BP_KICK_AP: kick < 0 ? null : kick,
    ARM_ARCH_TIMER_STARTING: at("CPUHP_AP_ARM_ARCH_TIMER_STARTING"),
    DUMMY_TIMER_STARTING: at("CPUHP_AP_DUMMY_TIMER_STARTING"),
  };
}

/** What a resolved release keeps while its children are resolved. */
interface Resolved {
  readonly enum: readonly string[];
  readonly steps: readonly CoreStep[];
  readonly registrants: readonly string[];
  /** Every registrant key in this release's call order. */
  readonly order: readonly string[];
  readonly changes: Readonly<
    Record<string, { readonly nocalls?: boolean; readonly instances?: number }>
  >;
  readonly switches: Switches;
}

/** `order` with each `move` taken out and put back just before its `before`. */
function reorder(
  order: readonly string[],
  moves: readonly { readonly move: string; readonly before: string }[] = [],
  id: string,
): string[] {
  const out = [...order];
  for (const { move, before } of moves) {
    const from = out.indexOf(move);
    if (from < 0 || !out.includes(before)) {
      throw new Error(`internal: ${id}: cannot move ${move} before ${before}`);
    }
    out.splice(from, 1);
    out.splice(out.indexOf(before), 0, move);
  }
  return out;
}

/** `names` with `d`'s edits: removals, then insertions in order. */
function applyEnum(names: readonly string[], d: TablesDelta["enum"], id: string): string[] {
  const out = names.filter((n) => !d.remove.includes(n));
  for (const { after, names: add } of d.insert) {
    const at = after === null ? 0 : out.indexOf(after) + 1;
    if (after !== null && at === 0) throw new Error(`internal: ${id}: no ${after} to insert after`);
    out.splice(at, 0, ...add);
  }
  return out;
}

/** `list` with `remove` taken out and `add` appended. */
function edit(
  list: readonly string[],
  remove: readonly string[] = [],
  add: readonly string[] = [],
) {
  return [...list.filter((k) => !remove.includes(k)), ...add.filter((k) => !list.includes(k))];
}

/**
 * Resolves releases, parents first, into kernel lines by id; `order` is every registrant key in
 * boot order (lib/kernels/registrants.ts), which each release may rearrange.
 * @throws {Error} for a release whose parent comes later or is missing.
 */
export function chain(
  releases: readonly Release[],
  order: readonly string[],
): Record<string, KernelLine> {
  const done = new Map<string, Resolved>();
  const out: Record<string, KernelLine> = {};
  for (const r of releases) {
    const t = r.tables;
    let resolved: Resolved;
    if (t.parent === null) {
      resolved = {
        enum: t.enum,
        steps: t.steps,
        registrants: edit(t.registrants, r.registrants?.remove, r.registrants?.add),
        order: reorder(order, r.registrants?.reorder, t.id),
        changes: { ...r.registrants?.change },
        switches: r.switches as Switches,
      };
    } else {
      const p = done.get(t.parent);
      if (!p) throw new Error(`internal: ${t.id}'s parent ${t.parent} is not resolved before it`);
      const steps = p.steps.filter((s) =>
        !t.steps.remove.includes(s.id) && !t.steps.set.some((x) => x.id === s.id)
      );
      resolved = {
        enum: applyEnum(p.enum, t.enum, t.id),
        steps: [...steps, ...t.steps.set],
        registrants: edit(
          edit(p.registrants, t.registrants.remove, t.registrants.add),
          r.registrants?.remove,
          r.registrants?.add,
        ),
        order: reorder(p.order, r.registrants?.reorder, t.id),
        changes: { ...p.changes, ...r.registrants?.change },
        switches: mergeSwitches(p.switches, r.switches),
      };
    }
    done.set(t.id, resolved);
    const enumNames = expand(resolved.enum);
    out[t.id] = {
      ...resolved.switches,
      id: t.id,
      release: r.release,
      version: r.version,
      enumNames,
      core: resolved.steps,
      cpuhp: numbers(enumNames),
      registrants: new Set(resolved.registrants),
      registrantOrder: resolved.order.filter((k) => resolved.registrants.includes(k)),
      registrantChanges: resolved.changes,
    };
  }
  return out;
}
