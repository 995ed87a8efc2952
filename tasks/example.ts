/**
 * `deno task example`: the seed story in one run. Takes a CPU offline and back on a Linux 5.4 and
 * a 5.5 guest on a Direct Mode host and on a legacy host, prints which clockevent device the CPU
 * is bound to at each hotplug step, then hibernates each guest.
 *
 * @module
 */

import { vm } from "../mod.ts";

for (const kernel of ["5.4", "5.5"]) {
  for (const host of ["2019", "2012R2"]) {
    const m = vm().hyperv(host).kernel(kernel).cpus(4).build();
    m.advance("10ms");
    console.log(`\n== Linux ${kernel} on Hyper-V ${host}, x86_64, 4 vCPUs ==`);
    console.log(`CPU2 bound to: ${m.boundDevice(2)}`);
    for (const op of ["offline", "online"] as const) {
      if (m.hung) break;
      const r = m[op](2);
      console.log(r.message);
      for (const c of r.changes) {
        const where = c.step === null
          ? `state ${c.state}`
          : `${c.teardown ? "teardown" : "startup"} of ${c.step} ${c.stepName}`;
        console.log(`  ${c.device ?? "(none)"} <- ${c.previous ?? "(none)"}   during ${where}`);
      }
    }
    if (!m.hung) console.log(m.hibernate().message);
    for (const p of m.problems()) console.log(`  problem: ${p.kind}: ${p.message}`);
  }
}
