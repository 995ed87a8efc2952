/**
 * What the interactive prompt adds to `node:readline`'s line editing, as a shell user expects:
 * TAB always completes (readline inserts a TAB literally when two arrive in one read, as a fast
 * double TAB does, taking them for pasted text), and Ctrl-R searches the history backwards
 * (`(reverse-i-search)`), as bash and readline(3) do.
 *
 * It hooks the interface's key handler, which `node:readline` keeps behind symbols; when it is not
 * found (another runtime's readline) the prompt keeps its plain editing.
 *
 * @module
 */

/** A keypress as `node:readline` decodes it. */
interface Key {
  readonly name?: string;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly sequence?: string;
}

/** The parts of a readline interface this module uses. */
interface Editable {
  line: string;
  cursor: number;
  isCompletionEnabled: boolean;
  readonly history: string[];
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The interface's own method behind the symbol named `name`, or null. */
function hidden(rl: object, name: string): symbol | null {
  for (let p = Object.getPrototypeOf(rl); p; p = Object.getPrototypeOf(p)) {
    const found = Object.getOwnPropertySymbols(p).find((s) => s.description === name);
    if (found) return found;
  }
  return null;
}

/**
 * The state of a reverse history search: what is typed, the entry found (an index into the
 * history, newest first) and the line it started from.
 */
export interface Search {
  /** The text searched for. */
  query: string;
  /** Index of the entry shown, or -1 when none matches. */
  found: number;
  /** The line being edited when the search began (Ctrl-G or Esc give it back). */
  readonly saved: string;
}

/**
 * The next history entry (newest first) at or after `from` that contains `query`, or -1.
 *
 * @example
 * ```ts
 * import { searchHistory } from "./line_editor.ts";
 * import assert from "node:assert/strict";
 * const history = ["cpus", "advance 10ms", "vm --cpus 4", "advance 1s"];
 * assert.equal(searchHistory(history, "adv", 0), 1);
 * assert.equal(searchHistory(history, "adv", 2), 3);
 * assert.equal(searchHistory(history, "nothing", 0), -1);
 * ```
 */
export function searchHistory(history: readonly string[], query: string, from: number): number {
  for (let i = from; i < history.length; i++) if (history[i].includes(query)) return i;
  return -1;
}

/**
 * The line a search shows: `(reverse-i-search)` with the query and the entry found, or
 * `(failed reverse-i-search)` when none matches (readline(3)'s words).
 *
 * @example
 * ```ts
 * import { searchLine } from "./line_editor.ts";
 * import assert from "node:assert/strict";
 * const history = ["cpus", "advance 10ms"];
 * assert.equal(searchLine(history, { query: "adv", found: 1, saved: "" }),
 *   "(reverse-i-search)`adv': advance 10ms");
 * assert.equal(searchLine(history, { query: "x", found: -1, saved: "" }),
 *   "(failed reverse-i-search)`x': ");
 * ```
 */
export function searchLine(history: readonly string[], s: Search): string {
  return s.found < 0
    ? `(failed reverse-i-search)\`${s.query}': `
    : `(reverse-i-search)\`${s.query}': ${history[s.found]}`;
}

/**
 * Adds TAB-always-completes and Ctrl-R to readline interface `rl` writing to `write`. Returns
 * false when the interface's key handler was not found (nothing changed).
 */
export function enhanceLineEditing(rl: Editable, write: (text: string) => void): boolean {
  const ttyWrite = hidden(rl, "_ttyWrite");
  const refresh = hidden(rl, "_refreshLine");
  const completer = hidden(rl, "_tabCompleter");
  if (!ttyWrite || !refresh || !completer) return false;
  const target = rl as unknown as Record<symbol, Method>;
  const original = target[ttyWrite];
  const redraw = () => target[refresh].call(rl);
  let search: Search | null = null;

  const show = (s: Search) => write(`\r\x1b[K${searchLine(rl.history, s)}`);
  const leave = (line: string) => {
    search = null;
    rl.line = line;
    rl.cursor = line.length;
    redraw();
  };

  // A completion is applied when its completer's promise settles: keys that come meanwhile (the
  // second TAB of a double TAB in the same read) wait for it, so each sees the completed line.
  const waiting: unknown[][] = [];
  let completing = false;
  const apply = target[completer];
  const flush = () => {
    completing = false;
    while (waiting.length > 0 && !completing) handle.apply(rl, waiting.shift()!);
  };
  target[completer] = function (this: unknown, ...args: unknown[]) {
    const out = apply.apply(this, args);
    flush();
    return out;
  };
  const handle = function (this: unknown, ...args: unknown[]): unknown {
    if (completing) {
      waiting.push(args);
      return;
    }
    const [s, key = {}] = args as [string | undefined, Key | undefined];
    if (search) {
      const current = search;
      const found = current.found < 0 ? current.saved : rl.history[current.found];
      if (key.ctrl && key.name === "r") {
        // Ctrl-R again: the next older match.
        const next = searchHistory(rl.history, current.query, current.found + 1);
        if (next >= 0) current.found = next;
        return show(current);
      }
      if ((key.ctrl && key.name === "g") || key.name === "escape") return leave(current.saved);
      if (key.name === "backspace") {
        current.query = current.query.slice(0, -1);
        current.found = current.query ? searchHistory(rl.history, current.query, 0) : -1;
        return show(current);
      }
      if (typeof s === "string" && s.length === 1 && s >= " " && !key.ctrl && !key.meta) {
        current.query += s;
        current.found = searchHistory(rl.history, current.query, Math.max(current.found, 0));
        return show(current);
      }
      // Any other key takes the entry found into the line, then does what it does (Enter runs it).
      leave(found);
      return original.apply(this, args);
    }
    if (key.ctrl && key.name === "r") {
      search = { query: "", found: -1, saved: rl.line };
      return show(search);
    }
    // Two TABs in one read are a double TAB, not pasted text: complete on each.
    if (key.name === "tab") {
      rl.isCompletionEnabled = true;
      completing = true;
      // The completer answers within the same turn; should it never, the keys still get through.
      setTimeout(() => completing && flush(), 0);
    }
    return original.apply(this, args);
  };
  target[ttyWrite] = handle;
  return true;
}
