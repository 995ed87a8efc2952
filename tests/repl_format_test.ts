/** REPL tables: the byte path (ASCII) and the string path (anything else) print the same layout. */
import assert from "node:assert/strict";
import type { DeviceInfo } from "../mod.ts";
import { formatDevices } from "../repl/format.ts";

const device = (name: string, cpu: number | null, handler: string | null): DeviceInfo => ({
  name,
  cpu,
  rating: 100,
  features: [],
  state: "ONESHOT",
  role: cpu === null ? "broadcast" : "tick",
  boundTo: cpu,
  handler,
});

Deno.test("tables: right-aligned numbers, two blanks between columns, no trailing blanks, any text", () => {
  const rows = (name: string) => [device(name, 12, "hrtimer_interrupt"), device("pit", null, null)];
  const expected = (name: string) =>
    [
      `NAME${" ".repeat(name.length - 4)}  CPU  RATING  STATE    ROLE       BOUND  HANDLER`,
      `${name}   12     100  ONESHOT  tick       CPU12  hrtimer_interrupt`,
      `pit${" ".repeat(name.length - 3)}  all     100  ONESHOT  broadcast  -      -`,
    ].join("\n");
  assert.equal(formatDevices(rows("Hyper-V clockevent")), expected("Hyper-V clockevent"));
  // A name that is not ASCII takes the string path; the layout is the same.
  assert.equal(formatDevices(rows("Hyper-V horloge é")), expected("Hyper-V horloge é"));
});
