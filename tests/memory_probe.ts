/**
 * Run by tests/memory_test.ts in a process of its own: one memory-hungry job of the REPL, then
 * the process's peak resident memory (`VmHWM`, /proc/self/status) on stdout as `peak-kib N`.
 */
import { Session } from "../repl/session.ts";
import { writeAtomic } from "../repl/files.ts";

const jobs: Readonly<Record<string, readonly string[]>> = {
  // 64 vCPUs explored until the memory budget stops it: on arm64 CPU0 can go offline, so no CPUs
  // are interchangeable (symmetry reduction would complete this search within the budget).
  explore: ["vm --cpus 64 --arch arm64", "explore --depth 8 --max-memory 256MiB"],
  // The largest trace buffer, full of ticks, printed whole.
  trace: [
    "vm --cpus 64 --hz 1000 --trace-ticks --trace-buffer 2000000",
    "advance 40s",
    "trace",
  ],
  // A Chrome trace longer than a string may be (2^29 characters), written as it is made.
  export: ["vm --cpus 64 --hz 1000", "advance 150s", "trace export big.json"],
};

const lines = jobs[Deno.args[0]];
if (!lines) throw new Error(`usage: memory_probe.ts ${Object.keys(jobs).join("|")}`);
const session = new Session();
let printed = 0;
for (const line of lines) {
  const out = await session.execute(line, { writeFile: (p, t) => writeAtomic(p, t) });
  if (!out.ok) throw new Error(`${line}: ${out.text}`);
  // What the REPL would print, counted and dropped (as a terminal would take it).
  for (const piece of out.chunks ?? [out.text]) printed += piece.length;
  if (line.startsWith("explore") || line.startsWith("trace export")) {
    console.log(out.text.split("\n")[0]);
  }
}
const status = await Deno.readTextFile("/proc/self/status");
console.log(`printed ${printed}`);
console.log(`peak-kib ${/VmHWM:\s+(\d+) kB/.exec(status)![1]}`);
