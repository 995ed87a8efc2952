/**
 * A worker of `deno task sweep`: explores the configurations it is sent, one at a time, and posts
 * each row back (tasks/sweep.ts).
 *
 * @module
 */

import { type SweepEntry, sweepRow, type SweepSearch } from "../lib/explore/sweep.ts";

/** What the sweep sends: one configuration and its search. */
export interface SweepJob {
  /** The configuration. */
  readonly entry: SweepEntry;
  /** The search. */
  readonly search: SweepSearch;
}

const self = globalThis as unknown as {
  onmessage: ((e: MessageEvent<SweepJob>) => void) | null;
  postMessage(m: unknown): void;
};
self.onmessage = (e) => {
  try {
    self.postMessage({ row: sweepRow(e.data.entry, e.data.search) });
  } catch (err) {
    self.postMessage({ error: `${e.data.entry.id}: ${(err as Error)?.stack ?? err}` });
  }
};
