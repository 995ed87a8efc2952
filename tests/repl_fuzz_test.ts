/** REPL fuzzing: arbitrary lines never crash the session, and a failing line changes nothing. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Session } from "../repl/session.ts";
import { COMMANDS } from "../repl/commands/index.ts";

const names = COMMANDS.map((c) => c.name).filter((n) =>
  n !== "load" && n !== "source" && n !== "save" && n !== "vm"
);
const token = fc.oneof(
  fc.constantFrom(
    ...names,
    ">",
    "--cpu",
    "--since",
    "--tail",
    "--type",
    "--hyperv",
    "--json",
    "-1",
    "-1ms",
    "0",
    "1",
    "3",
    "999999999999999999999",
    "1e9",
    "10",
    "10ms",
    "1.5ns",
    "NaN",
    "/proc/timer_list",
    "/sys/devices/system/cpu/cpu1/online",
    "/sys/devices/system/cpu/cpu1/hotplug/target",
    "/sys/devices/system/cpu/cpu1/hotplug/fail",
    "/sys/nowhere",
    "'",
    '"',
    "\\",
    "#",
    "ü",
    "時間",
    "\u0000",
  ),
  fc.string({ maxLength: 12 }),
);
const line = fc.oneof(
  fc.array(token, { maxLength: 6 }).map((t) => t.join(" ")),
  fc.string({ maxLength: 40 }),
  fc.constant("x".repeat(10_000)),
  fc.constant(`advance ${"9".repeat(20_000)}`),
  fc.constant(""),
);

// A run of the fuzz: 1000 sessions of 20 lines each (20,000 lines). The seed changes from run to
// run (HVTICK_FUZZ_SEED sets it); fast-check prints it, and the shortest failing lines, on failure.
const SEED = Number(Deno.env.get("HVTICK_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const SESSIONS = 1000;
const LINES = 20;

Deno.test(`fuzz: ${SESSIONS * LINES} random and malformed lines (seed ${SEED}) never throw, never change state on error, each answered`, async () => {
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: LINES, maxLength: LINES }), async (lines) => {
      const session = new Session();
      await session.execute("vm --hyperv 2019 --kernel 5.5 --cpus 4");
      for (const l of lines) {
        const before = session.machine!.fingerprint();
        const logBefore = session.log.length;
        const out = await session.execute(l);
        assert.equal(typeof out.ok, "boolean");
        // Every line is answered: a failure always says why.
        if (!out.ok) assert.ok(out.text.length > 0, `"${l.slice(0, 60)}" failed silently`);
        answered++;
        // Failures from the model (errno, hang) may have reached the kernel; misuse must not.
        if (!out.ok && out.error?.errno === null && !/hung|HANG|never returns/.test(out.text)) {
          assert.equal(
            session.machine!.fingerprint(),
            before,
            `"${l.slice(0, 60)}" failed but changed state: ${out.text}`,
          );
          assert.equal(session.log.length, logBefore);
        }
      }
    }),
    { numRuns: SESSIONS, seed: SEED },
  );
  assert.equal(answered, SESSIONS * LINES);
});
