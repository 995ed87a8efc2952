/**
 * The cache of canonical forms of states met as they were numbered (lib/explore/classes.ts
 * `StateClasses.canonical`, i15-canon) changes nothing a search finds, and where a search stops
 * at its memory budget: it is let go first (`forgetSeen()`, frontier.ts). Held against the same
 * searches with the cache let go after every state (so no state is ever found in it, and what it
 * holds is never counted at a budget check).
 */
import assert from "node:assert/strict";
import { explore, type ExploreOptions, type ExploreResult, type VmOptions } from "../mod.ts";
import { StateClasses } from "../lib/explore/classes.ts";
import { FOUR_DESIGNS } from "./helpers.ts";

// `f` run with every search's cache of states met let go right after each state is canonicalised.
function withoutCache<T>(f: () => T): T {
  const proto = StateClasses.prototype;
  const canonical = proto.canonical;
  proto.canonical = function (this: StateClasses, ...args: Parameters<typeof canonical>) {
    const out = canonical.apply(this, args);
    this.forgetSeen();
    return out;
  };
  try {
    return f();
  } finally {
    proto.canonical = canonical;
  }
}

// What a search found and where it stopped; `bytes` counts the cache, so it is left out.
function found(r: ExploreResult): Omit<ExploreResult, "bytes"> {
  const { bytes: _, ...rest } = r;
  return rest;
}

const ALL: ExploreOptions["ops"] = [
  "online",
  "offline",
  "advance",
  "hibernate",
  "fail",
  "target",
  "kexec",
  "kdump",
];

// Designs with interchangeable CPUs (without them nothing is canonicalised), every operation kind
// where the search stays small, each state once and one state per class.
const SEARCHES: [VmOptions, ExploreOptions][] = [
  [FOUR_DESIGNS[0], { depth: 3, ops: ALL }],
  ...FOUR_DESIGNS.map((
    c,
  ): [VmOptions, ExploreOptions] => [c, { depth: 4, ops: ALL, anchors: false }]),
  // Partial targets, a crashing kexec.
  [{ hyperv: "2019", kernel: "6.8", cpus: 3, hotplugStateControl: true }, { depth: 2, ops: ALL }],
  [{ hyperv: "2016", kernel: "6.12", cpus: 5 }, { depth: 4, ops: ALL, anchors: false }],
  [
    { hyperv: "2019", kernel: "5.10", cpus: 4 },
    { depth: 4, ops: ["online", "offline", "advance", "hibernate", "fail"], anchors: false },
  ],
];

Deno.test("the cache of states met as numbered: the same states, transitions, model runs, verdicts and counterexamples as without it", async (t) => {
  for (const [config, options] of SEARCHES) {
    await t.step(`${JSON.stringify(config)} ${JSON.stringify(options)}`, () => {
      const cached = explore(config, options);
      const plain = withoutCache(() => explore(config, options));
      assert.ok(cached.symmetric.length > 0);
      assert.deepEqual(found(cached), found(plain));
      // The cache held something at the end (else nothing was compared).
      assert.ok(cached.bytes > plain.bytes, `${cached.bytes} > ${plain.bytes}`);
    });
  }
});

Deno.test("the cache of states met as numbered: a search stops at its memory budget where it stops without the cache", () => {
  const config: VmOptions = { hyperv: "2019", kernel: "5.5", cpus: 4 };
  const options = { depth: 5, ops: ["online", "offline", "advance", "fail"] } as const;
  const whole = withoutCache(() => explore(config, options));
  assert.equal(whole.stopped, null);
  const stops = new Set<number>();
  for (const part of [0.05, 0.2, 0.45, 0.7, 0.9]) {
    const maxBytes = Math.floor(whole.bytes * part);
    const cached = explore(config, { ...options, maxBytes });
    const plain = withoutCache(() => explore(config, { ...options, maxBytes }));
    assert.equal(cached.stopped, "memory budget", `${maxBytes}`);
    assert.deepEqual(found(cached), found(plain), `${maxBytes}`);
    stops.add(cached.transitions);
  }
  // Each budget stopped somewhere else.
  assert.equal(stops.size, 5);
});
