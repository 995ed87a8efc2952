/**
 * The real kernels' logs committed in tests/real/ (tests/real/README.md): hvtick replays each and
 * must print what the kernel printed, reading by reading — the figure `deno task fidelity` shows.
 */
import assert from "node:assert/strict";
import { DEFAULT_DIR, readLogs } from "../tasks/fidelity.ts";
import { runFidelity } from "../lib/fidelity/run.ts";

const logs = readLogs([DEFAULT_DIR]);

Deno.test("every committed real-kernel log replays at 100%", () => {
  const { report, ok, results } = runFidelity(logs, { mismatches: 5 });
  // Every log was compared: none unreadable, none without its pair or host file.
  assert.equal(results.length, logs.length, report);
  assert.ok(ok, report);
  // Each log is a real comparison, not an empty one; every release with logs is there.
  for (const r of results) assert.ok(r.readings >= 100, `${r.file}: ${r.readings} readings`);
  const releases = new Set(results.map((r) => r.machine.split(" ")[0]));
  assert.deepEqual([...releases].sort(), ["5.10", "5.4", "6.1", "6.12", "6.6", "6.8"]);
  // The README quotes the figure: it must be this run's.
  const summary = report.trimEnd().split("\n").find((l) => l.startsWith("fidelity: "))!;
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  assert.ok(readme.includes(summary), `README.md should quote "${summary}"`);
});

Deno.test("the harness sees a wrong number in a real log (a mismatch, not a silent pass)", () => {
  const log = logs.find((l) => l.log.endsWith("public/pub-k6.1-hv-direct-offon.log"))!;
  assert.ok(log.text.includes("137: clockevents/hyperv/stimer:starting"));
  // The mistake hvtick made before it modelled 6.1.192's stable backports (issue 11).
  const wrong = {
    ...log,
    text: log.text.replaceAll(
      "137: clockevents/hyperv/stimer:starting",
      "139: clockevents/hyperv/stimer:starting",
    ),
  };
  const { ok, results } = runFidelity([wrong], { mismatches: 5 });
  assert.equal(ok, false);
  assert.deepEqual(results[0].mismatches.map((m) => m.key).sort(), [
    "state 137",
    "state 139",
    "states numbers",
  ]);
});

Deno.test("a log line the harness cannot read is reported with its line and what was expected", () => {
  const log = logs.find((l) => l.log.endsWith("public/pub-k6.1-hv-direct-offon.log"))!;
  const lines = log.text.split("\n");
  const at = lines.findIndex((l) => /^rc=\d+ err=/.test(l));
  for (
    const [bad, expected] of [
      ["rc=banana", "expected one 'rc=<exit status> err=<stderr>' line per OP block"],
      ["info: spec=off@2", "expected info: spec=OP verb=… ran=0|1 start_cs=N"],
    ]
  ) {
    const text = lines.map((l, i) => i === at ? bad : l).join("\n");
    const { ok, report, results } = runFidelity([{ ...log, text }], { mismatches: 5 });
    assert.equal(ok, false);
    assert.equal(results.length, 0);
    assert.ok(report.includes(`pub-k6.1-hv-direct-offon.log:${at + 1}: cannot read`), report);
    assert.ok(report.includes(expected), report);
  }
});

Deno.test("a guest the host killed during an ops.sh write must be hung in the model too", () => {
  // A run that did not hang, cut as if the host had killed it during its last write (the rig's
  // TIMEOUT: QEMU's own line ends the log): the model, still running, must be a mismatch.
  const log = logs.find((l) => l.log.endsWith("public/pub-k6.1-hv-direct-offon.log"))!;
  const last = log.text.lastIndexOf("\n===== OP ");
  const cut = log.text.slice(0, log.text.indexOf("\n", last + 1) + 1) +
    "qemu-system-x86_64: terminating on signal 15 from pid 1 (timeout)\n";
  const { ok, results } = runFidelity([{ ...log, text: cut }], { mismatches: 5 });
  assert.equal(ok, false);
  assert.deepEqual(
    results[0].mismatches.map((m) => [m.key, m.expected, m.got]),
    [["guest stopped (host timeout)", "hung", "running"]],
  );
});
