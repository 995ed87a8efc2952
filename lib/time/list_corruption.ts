/**
 * `clockevent_devices` after `list_add()` of a node that was still on it (a "double add", which
 * only CONFIG_DEBUG_LIST would catch; Debian's kernels do not set it). `list_add(new, head)`
 * links `new` at the head, but the node before its old place (and the one after) still point at
 * it, so walking forward from the head goes `new`, the nodes that were ahead of it, `new`
 * again… for ever: the nodes after its old place are never reached. If `new` is then unlinked and
 * `list_del()` poisons it (`next = LIST_POISON1`, 0xdead000000000100), a walk follows the stale
 * pointer into the poison and faults. hvtick keeps which node was added twice and which nodes
 * no walk reaches any more; the walks of the list (`tick_cleanup_dead_cpu()`, `clockevents_replace()`,
 * `unbind_device`'s search) ask {@linkcode walkOutcome}. Source: include/linux/list.h
 * (`__list_add`, `list_del`), 6.12.117 kernel/time/clockevents.c:632-660; the 6.12 panic in
 * logs/public/pub-k6.12-hv-legacy-vmbus-failhvinit-rep2.log.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { listOrder } from "../engine/list.ts";

/** `list_add()` of `id` while it is listed: the list now loops through it. */
export function noteDoubleAdd(k: Kernel, id: string): void {
  const order = listOrder(k.s);
  // The nodes after its old place: no forward walk reaches them any more.
  k.s.ceCorrupt = { dev: id, lost: order.slice(order.indexOf(id) + 1), unlinked: false };
}

/**
 * What a forward walk of `clockevent_devices` does: `ok` (the list is sound), `loop` (it never
 * gets back to the head), or `fault` (it follows the stale pointer into the poisoned node). With
 * `until`, a search that stops at the first node it accepts: `ok` when it finds one before either.
 */
export function walkOutcome(
  k: Kernel,
  until?: (id: string) => boolean,
): "ok" | "loop" | "fault" {
  const c = k.s.ceCorrupt;
  if (!c) return "ok";
  // Head, the nodes added since, the node added twice (while it is linked), the nodes that were
  // ahead of it; then the node again (a loop), or the stale pointer into its poison.
  const reached = listOrder(k.s).filter((id) => !c.lost.includes(id));
  if (until && reached.some(until)) return "ok";
  return c.unlinked ? "fault" : "loop";
}

/**
 * Thrown by a walk of the corrupted list (see {@linkcode walkOutcome}): it loops for ever, or
 * faults reading the poison. The hotplug code that called it turns it into the machine's hang
 * (lib/hotplug/oops.ts).
 */
export class ListFault {
  /** How the walk ends. */
  readonly kind: "loop" | "fault";
  /** The kernel function that walks. */
  readonly fn: string;
  /** Creates the signal. */
  constructor(kind: "loop" | "fault", fn: string) {
    this.kind = kind;
    this.fn = fn;
  }
}

/** Walks the list in `fn`: returns when the walk ends normally (or `until` found its node). */
export function walkDevices(k: Kernel, fn: string, until?: (id: string) => boolean): void {
  const how = walkOutcome(k, until);
  if (how !== "ok") throw new ListFault(how, fn);
}
