/**
 * How `deno task bench` reports (tasks/bench.ts and repl/bench.ts): medians, and one row per
 * figure with PASS or MISS against its target.
 *
 * @module
 */

/**
 * The median of `xs`.
 *
 * @example
 * ```ts
 * import { median } from "./bench_report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(median([3, 1, 2]), 2);
 * ```
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Prints a figure: PASS or MISS, its name, value and target. */
export function row(name: string, value: string, target: string, ok: boolean): void {
  console.log(
    `${ok ? "PASS" : "MISS"}  ${name.padEnd(44)} ${value.padStart(16)}   target ${target}`,
  );
}

/**
 * The C floor of the tick rate: builds tasks/bench_floor.c with `gcc -O2` next to the working
 * directory, runs it and returns its tick events per second, or null without gcc.
 */
export async function cFloor(): Promise<number | null> {
  const source = new URL("./bench_floor.c", import.meta.url).pathname;
  const binary = "bench-floor.tmp";
  try {
    const built = await new Deno.Command("gcc", { args: ["-O2", "-o", binary, source] }).output();
    if (!built.success) throw new Error(new TextDecoder().decode(built.stderr));
    const ran = await new Deno.Command(`./${binary}`).output();
    return Number(new TextDecoder().decode(ran.stdout).split(" ")[0]);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  } finally {
    await Deno.remove(binary).catch(() => {});
  }
}
