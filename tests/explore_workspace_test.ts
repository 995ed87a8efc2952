/**
 * Exploration's boots kept by configuration (lib/explore/workspace.ts): a configuration explored
 * again starts from a copy of the same boot, which nothing a search or its caller does to its own
 * root changes.
 */
import assert from "node:assert/strict";
import { explore, vm, type VmOptions } from "../mod.ts";
import { workspace } from "../lib/explore/workspace.ts";
import { fingerprintOf } from "../lib/engine/fingerprint.ts";
import { applyMove, MOVES } from "../lib/ops/moves.ts";

const CONFIG: VmOptions = { hyperv: "2019", kernel: "5.5", cpus: 3 };

Deno.test("a root is a fresh boot's state, whatever was done to the roots before it", () => {
  const fresh = fingerprintOf(vm(CONFIG).build().snapshot());
  const first = workspace(CONFIG).root;
  assert.equal(fingerprintOf(first.s), fresh);
  // An operation run on one root, as a search runs them on its states.
  const [offline] = MOVES.offline(first);
  assert.ok(applyMove({ k: first }, offline));
  assert.notEqual(fingerprintOf(first.s), fresh);
  const again = workspace(CONFIG).root;
  assert.notEqual(again.s, first.s);
  assert.equal(fingerprintOf(again.s), fresh);
  assert.equal(again.steps, first.steps, "the boot's tables are shared");
});

Deno.test("a search of a configuration booted before, or let go and booted again, finds the same", () => {
  const options = { depth: 5, ops: ["online", "offline", "advance", "fail"] } as const;
  const first = explore(CONFIG, options);
  const again = explore(CONFIG, options);
  assert.deepEqual(again, first);
  // Other configurations, enough to let this one's boot go.
  for (const cpus of [2, 4, 5, 6, 7]) workspace({ ...CONFIG, cpus });
  assert.deepEqual(explore(CONFIG, options), first);
});
