/**
 * The printk ring (lib/engine/log.ts): after any number of records of any length, `dmesg` shows
 * the newest records that fit in `log_buf_len` bytes (at least the newest), and the bytes the
 * storage counts are those of the records it keeps (the drop runs once per 128 KiB).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { dmesgView, LOG_BUF_LEN, printk, printkCont } from "../lib/engine/log.ts";
import { createKernel } from "../lib/machine/kernel.ts";
import { vm } from "../mod.ts";

Deno.test("dmesg shows the newest records that fit in log_buf_len, whatever was written", () => {
  const base = createKernel(vm().cpus(2).build().snapshot());
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          length: fc.oneof(fc.nat(120), fc.nat(120), fc.integer({ min: 0, max: 3 * LOG_BUF_LEN })),
          repeat: fc.integer({ min: 1, max: 3000 }),
          cont: fc.boolean(),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      (writes) => {
        const k = createKernel(base.s);
        k.s.log = { ...k.s.log, dmesg: [...k.s.log.dmesg] };
        const all = k.s.log.dmesg.map((r) => r.text);
        let n = 0;
        for (const w of writes) {
          for (let i = 0; i < w.repeat; i++, n++) {
            const text = String(n % 10).repeat(w.length);
            if (w.cont && i % 2 === 1) {
              printkCont(k, text);
              all[all.length - 1] += text;
            } else {
              printk(k, text);
              all.push(text);
            }
          }
        }
        // The newest records whose bytes (text and newline) fit, at least one.
        let bytes = 0, first = all.length - 1;
        bytes += all[first].length + 1;
        while (first > 0 && bytes + all[first - 1].length + 1 <= LOG_BUF_LEN) {
          first--;
          bytes += all[first].length + 1;
        }
        assert.deepEqual(dmesgView(k.s).map((r) => r.text), all.slice(first));
        const kept = k.s.log.dmesg.reduce((sum, r) => sum + r.text.length + 1, 0);
        assert.equal(k.s.log.dmesgBytes, kept);
        assert.ok(kept <= 2 * LOG_BUF_LEN + all[all.length - 1].length + 1);
      },
    ),
    { numRuns: 60 },
  );
});
