/**
 * `deno task serve [--port N]`: serves this checkout over HTTP on the loopback interface, so that
 * a program anywhere on the machine can import hvtick by URL
 * (`import { vm } from "http://127.0.0.1:8000/mod.ts"`) the way it would from a web server.
 *
 * Deno 2 takes a module's language from its `Content-Type` (falling back to the file's extension
 * only for `text/plain`, `application/octet-stream`, `video/mp2t` or no type at all): `.ts` served
 * as JavaScript fails at its first type annotation, and under an unknown type (Python's
 * `http.server` on Debian sends `text/vnd.trolltech.linguist`) Deno refuses the module. So `.ts`
 * goes out as `application/typescript` (tests/url_import_test.ts runs the README's API tour
 * through this server, and checks the other types' outcomes).
 *
 * @module
 */

import { parseArgs } from "node:util";

/**
 * The `Content-Type` of each extension served; anything else is `application/octet-stream`.
 *
 * @example
 * ```ts
 * import { CONTENT_TYPES } from "./serve.ts";
 * import assert from "node:assert/strict";
 * assert.match(CONTENT_TYPES[".ts"], /^application\/typescript/);
 * ```
 */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".hvt": "text/plain; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** What {@linkcode serveCheckout} takes. */
export interface ServeOptions {
  /** The port on 127.0.0.1; 0 picks a free one. Default 8000. */
  port?: number;
  /**
   * The `Content-Type` for a path, null for none (default: by {@linkcode CONTENT_TYPES}); the
   * URL import test tries others.
   */
  typeOf?: (path: string) => string | null;
}

/** A running server. */
export interface Served {
  /** Its base URL, `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** Stops it; resolves when it has. */
  shutdown(): Promise<void>;
}

const typeByExtension = (path: string) =>
  CONTENT_TYPES[/\.[^./]+$/.exec(path)?.[0] ?? ""] ?? "application/octet-stream";

/**
 * The file under `root` a request path names, or null: only files, no path segment starting with
 * "." (`.git`, `.hvtick_history`), nothing a symbolic link leads out of `root` to.
 */
async function fileFor(root: string, pathname: string): Promise<string | null> {
  const parts = decodeURIComponent(pathname).split("/").filter((p) => p !== "");
  if (parts.length === 0 || parts.some((p) => p.startsWith("."))) return null;
  try {
    const real = await Deno.realPath(`${root}/${parts.join("/")}`);
    if (!real.startsWith(`${root}/`)) return null;
    return (await Deno.stat(real)).isFile ? real : null;
  } catch {
    return null;
  }
}

/**
 * Serves the files under `root` (GET and HEAD) on 127.0.0.1 until `shutdown()`.
 *
 * @example
 * ```ts
 * import { serveCheckout } from "./serve.ts";
 * import assert from "node:assert/strict";
 * const s = await serveCheckout(new URL("../", import.meta.url), { port: 0 });
 * const r = await fetch(`${s.url}mod.ts`, { method: "HEAD" });
 * assert.equal(r.headers.get("content-type"), "application/typescript; charset=utf-8");
 * assert.equal((await fetch(`${s.url}.git/HEAD`, { method: "HEAD" })).status, 404);
 * await s.shutdown();
 * ```
 */
export async function serveCheckout(root: URL, options: ServeOptions = {}): Promise<Served> {
  const port = options.port ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port: ${port} is not valid; valid: an integer from 0 to 65535`);
  }
  const typeOf = options.typeOf ?? typeByExtension;
  const base = await Deno.realPath(root);
  let listening: (url: string) => void;
  const url = new Promise<string>((resolve) => listening = resolve);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: (addr) => listening(`http://127.0.0.1:${addr.port}/`),
  }, async (req) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("only GET and HEAD\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const path = new URL(req.url).pathname;
    const file = await fileFor(base, path);
    if (file === null) return new Response(`not found: ${path}\n`, { status: 404 });
    const body = await Deno.readFile(file);
    const type = typeOf(file);
    const headers = { "content-length": String(body.length), ...type && { "content-type": type } };
    return new Response(req.method === "HEAD" ? null : body, { headers });
  });
  return { url: await url, shutdown: () => server.shutdown() };
}

if (import.meta.main) {
  const usage = "usage: deno task serve [--port N]";
  let port = 8000;
  try {
    const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string" } } });
    if (values.port !== undefined) {
      port = /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN;
      if (!(port >= 1 && port <= 65535)) {
        throw new RangeError(
          `--port ${JSON.stringify(values.port)} is not valid; valid: a port from 1 to 65535`,
        );
      }
    }
  } catch (e) {
    console.error(`serve: ${(e as Error).message}\n${usage}`);
    Deno.exit(2);
  }
  const root = new URL("../", import.meta.url);
  const s = await serveCheckout(root, { port });
  console.log(`serving ${decodeURIComponent(root.pathname)} at ${s.url} (import ${s.url}mod.ts)`);
}
