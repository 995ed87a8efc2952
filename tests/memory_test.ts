/**
 * The memory limits hold (issue 12): an exploration stops at its memory budget, and the largest
 * trace buffer, printed whole, stays within bounds. Each job runs in a process of its own, whose
 * peak resident memory is measured.
 */
import assert from "node:assert/strict";

async function peak(job: string, cwd?: string): Promise<{ kib: number; out: string }> {
  const probe = new URL("./memory_probe.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    // -A: reading /proc/self/status needs every permission in Deno.
    args: ["run", "-A", probe, job],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `${job}: ${new TextDecoder().decode(out.stderr)}`);
  return { kib: Number(/peak-kib (\d+)/.exec(text)![1]), out: text };
}

Deno.test("memory: explore on 64 vCPUs stops at its budget (256 MiB) with a partial report", async () => {
  const { kib, out } = await peak("explore");
  assert.match(out, /stopped \(memory budget: [0-9.]+ MiB held; --max-memory raises it\)/);
  // The budget is the heap the search holds; the process also has the runtime and GC slack.
  assert.ok(kib < 900 * 1024, `peak ${kib} KiB`);
});

Deno.test("memory: a full 2,000,000-event trace buffer printed whole stays under 1 GiB", async () => {
  const { kib, out } = await peak("trace");
  assert.ok(Number(/printed (\d+)/.exec(out)![1]) > 100_000_000);
  assert.ok(kib < 1024 * 1024, `peak ${kib} KiB`);
});

Deno.test("memory: a Chrome trace longer than a string may be is streamed to its file", async () => {
  const dir = new URL("../.memory-test", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  try {
    const { kib, out } = await peak("export", dir);
    const bytes = Number(/Chrome trace event format, (\d+) bytes/.exec(out)![1]);
    assert.equal((await Deno.stat(`${dir}/big.json`)).size, bytes);
    // More than V8's longest string (2^29 - 24 characters): it was never one string.
    assert.ok(bytes > 2 ** 29, `${bytes} bytes`);
    assert.ok(kib < 1536 * 1024, `peak ${kib} KiB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
