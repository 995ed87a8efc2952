import assert from "node:assert/strict";
import { parseDuration } from "../mod.ts";

Deno.test("parseDuration: strict anchored grammar ns/us/ms/s/m/h, integer nanoseconds", async (t) => {
  await t.step("units", () => {
    assert.equal(parseDuration("7ns"), 7);
    assert.equal(parseDuration("3us"), 3_000);
    assert.equal(parseDuration("10ms"), 10_000_000);
    assert.equal(parseDuration("2s"), 2_000_000_000);
    assert.equal(parseDuration("1m"), 60_000_000_000);
    assert.equal(parseDuration("1h"), 3_600_000_000_000);
  });
  await t.step("fractions that are whole nanoseconds", () => {
    assert.equal(parseDuration("1.5us"), 1_500);
    assert.equal(parseDuration("0.25ms"), 250_000);
    assert.throws(() => parseDuration("1.5ns"), RangeError);
  });
  await t.step("numbers are nanoseconds; zero is allowed", () => {
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration(4_000_000), 4_000_000);
  });
  await t.step("rejects everything else with a message naming the value and the grammar", () => {
    for (
      const bad of [
        "",
        "10",
        "ms",
        " 10ms",
        "10ms ",
        "10 ms",
        "-1ms",
        "+1ms",
        "1e3ns",
        "10MS",
        "1.ms",
        ".5s",
      ]
    ) {
      assert.throws(
        () => parseDuration(bad),
        (e: Error) =>
          e instanceof SyntaxError && e.message.includes(JSON.stringify(bad)) &&
          e.message.includes("ns, us, ms, s, m or h"),
      );
    }
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      assert.throws(() => parseDuration(bad), RangeError);
    }
    assert.throws(() => parseDuration("200000h"), RangeError);
    assert.throws(() => parseDuration(null as unknown as string), TypeError);
  });
});
