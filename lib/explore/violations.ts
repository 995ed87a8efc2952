/**
 * The invariant check of `violation` stop conditions (lib/api/conditions.ts): the built-in
 * invariants, checked as a scenario checks them (at every hotplug step they apply to, and between
 * operations), installed when this module is loaded (mod.ts loads it).
 *
 * @module
 */

import { installInvariantCheck } from "../api/conditions.ts";
import { guestMonotonic } from "../engine/kernel.ts";
import { checkedInvariants, InvariantChecks } from "./checker.ts";
import { INVARIANT_NAMES } from "./invariants.ts";

installInvariantCheck((k, name) => {
  // Named: that invariant, expected on this design or not; else every one not expected here.
  const list = checkedInvariants(k, name === undefined ? INVARIANT_NAMES : [name]);
  const checks = new InvariantChecks(name === undefined ? list.filter((c) => !c.expected) : list);
  const before = { now: k.s.now, monotonic: guestMonotonic(k.s) };
  return (k, step) => {
    let found: string | null = null;
    checks.check({ k, step, before }, (c, message) => found ??= `${c.inv.name}: ${message}`);
    return found;
  };
});
