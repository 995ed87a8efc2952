/**
 * hvtick imported by URL as a user does it (issue 14, point 10): the README's API tour, read from
 * the README itself, saved as `tour.ts` in an empty temporary directory with no `deno.json`, run
 * with `deno run` and exactly the README's flags against a real HTTP server on a loopback port
 * (tasks/serve.ts, `deno task serve`) serving this checkout; its output must be the README's. A
 * fresh `DENO_DIR` per run makes Deno download every module through the server, so the README's
 * claims about `--allow-import` and content types are checked too.
 */
import assert from "node:assert/strict";
import { serveCheckout } from "../tasks/serve.ts";

const ROOT = new URL("../", import.meta.url);
const README = Deno.readTextFileSync(new URL("README.md", ROOT));
const TOUR = README.slice(README.indexOf("\n## API tour\n"));

/** The README's port: the tour imports from it and the command allows it. */
const README_HOST = "127.0.0.1:8000";

/** What the README says, each piece found by the text around it (so a rewording fails here). */
function fromReadme(pattern: RegExp, what: string): string {
  const m = pattern.exec(TOUR);
  assert.ok(m, `README.md's API tour no longer has ${what} (${pattern})`);
  return m[1];
}
/** A message the README quotes in prose, where Markdown may wrap it. */
const quoted = (pattern: RegExp, what: string) => fromReadme(pattern, what).replace(/\s+/g, " ");
const CODE = fromReadme(/```ts\n([\s\S]*?)```/, "the tour's code block");
const COMMAND = fromReadme(/`(deno run [^`]*tour\.ts)` prints:/, "the command that runs it");
const OUTPUT = fromReadme(/` prints:\n\n```text\n([\s\S]*?)```/, "the tour's output");
const NO_IMPORT = quoted(/without it Deno stops with\s+`([^`]+)`/, "the --allow-import error");
const UNKNOWN = quoted(/refuses the module:\s+"([^"]+)"/, "the unknown type's error");

/** A run of the tour: saved in a fresh temporary directory, run there, the directory removed. */
async function runTour(
  base: string,
  flags: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const host = new URL(base).host;
  const code = CODE.replaceAll(`http://${README_HOST}/`, base);
  // The test may write only under the checkout, whose deno.json Deno would find from a directory
  // inside it; a shell makes the directory with mktemp instead and removes it on exit.
  const script = 'set -eu; d=$(mktemp -d); trap \'rm -rf -- "$d"\' EXIT; cd "$d"; ' +
    'test -z "$(ls -A)"; cat > tour.ts; DENO_DIR="$d/.cache" "$0" run "$@" tour.ts';
  const child = new Deno.Command("sh", {
    args: ["-c", script, Deno.execPath(), ...flags.map((f) => f.replaceAll(README_HOST, host))],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(code));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Serves the checkout with `typeOf`'s content types while `body` runs. */
async function serving(
  typeOf: ((path: string) => string | null) | undefined,
  body: (base: string) => Promise<void>,
): Promise<void> {
  const server = await serveCheckout(ROOT, { port: 0, typeOf });
  try {
    await body(server.url);
  } finally {
    await server.shutdown();
  }
}

Deno.test("README: the API tour's command gives only --allow-import for the README's server", () => {
  assert.deepEqual(COMMAND.split(" "), ["deno", "run", `--allow-import=${README_HOST}`, "tour.ts"]);
  assert.match(
    CODE,
    new RegExp(`^import \\{ [^}]+ \\} from "http://${README_HOST}/mod\\.ts";$`, "m"),
  );
  assert.ok(!/from "\.{0,2}\//.test(CODE), "the tour imports hvtick only by URL");
});

Deno.test("README: the API tour runs by URL from an empty directory and prints the README's output", async () => {
  await serving(undefined, async (base) => {
    const run = await runTour(base, COMMAND.split(" ").slice(2, -1));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, OUTPUT);
    // Every module came through the server (nothing from a cache or the checkout's files).
    const downloads = run.stderr.trim().split("\n");
    assert.ok(downloads.length > 100, `${downloads.length} downloads`);
    for (const line of downloads) assert.ok(line.startsWith(`Download ${base}`), line);
  });
});

Deno.test("README: without --allow-import Deno refuses a loopback server, as the README says", async () => {
  await serving(undefined, async (base) => {
    const run = await runTour(base, []);
    assert.notEqual(run.code, 0);
    assert.ok(
      run.stderr.includes(NO_IMPORT.replace(README_HOST, new URL(base).host)),
      run.stderr,
    );
    assert.equal(run.stdout, "");
  });
});

// The content types the README names: what Deno 2.9.6 does with mod.ts served under each.
const TYPES: readonly { type: string | null; ok: boolean; error?: string }[] = [
  { type: "text/plain", ok: true },
  { type: "application/octet-stream", ok: true },
  { type: null, ok: true },
  { type: "text/javascript", ok: false, error: "SyntaxError" },
  { type: "text/vnd.trolltech.linguist", ok: false, error: UNKNOWN },
];

for (const { type, ok, error } of TYPES) {
  Deno.test(`README: .ts served as ${type ?? "no content type"} ${ok ? "works" : "fails"}`, async () => {
    assert.ok(TOUR.includes(type === null ? "or none" : `\`${type}\``), `README names ${type}`);
    await serving((path) => path.endsWith(".ts") ? type : "application/json", async (base) => {
      const run = await runTour(base, COMMAND.split(" ").slice(2, -1));
      if (ok) {
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, OUTPUT);
      } else {
        assert.notEqual(run.code, 0);
        assert.ok(run.stderr.includes(error!), run.stderr);
        assert.equal(run.stdout, "");
      }
    });
  });
}
