import assert from "node:assert/strict";
import { ConfigError, HOSTS, vm } from "../mod.ts";

Deno.test("builder: defaults boot a 4-vCPU Hyper-V 2019 x86_64 5.5 guest, all CPUs online", () => {
  const m = vm().build();
  assert.deepEqual(
    [
      m.config.hyperv,
      m.config.arch,
      m.config.kernel,
      m.config.cpus,
      m.config.hz,
      m.config.generation,
    ],
    ["2019", "x86_64", "5.5", 4, 250, 2],
  );
  assert.ok(m.cpus().every((c) => c.online && c.state === 207));
});

Deno.test("builder: build() reports every problem at once with did-you-mean hints", () => {
  const builder = vm().hyperv("2012r2").arch("arm").kernel("5.3").cpus(0).hz(200).features(
    { arrat: true } as never,
  );
  try {
    builder.build();
    assert.fail("expected ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError && e instanceof RangeError);
    assert.equal(e.problems.length, 6);
    assert.match(
      e.problems[0],
      /hyperv: "2012r2" is not valid \(did you mean "2012R2"\?\); valid: 2008R2, 2012, 2012R2, 2016, 2019, 2022, 2025, qemu, none/,
    );
    assert.match(e.problems[1], /arch: "arm" is not valid \(did you mean "arm64"\?\)/);
    assert.match(
      e.problems[2],
      /kernel: "5.3" is not valid.*valid: 5.2, 5.4, 5.5, 5.10, 5.15, 6.1, 6.6, 6.8, 6.12, 6.18/,
    );
    assert.ok(
      e.problems.some((p) => p.startsWith("hz: 200 is not valid; valid: 100, 250, 300, 1000")),
    );
    assert.ok(e.problems.some((p) => p.startsWith("cpus: 0 is not valid")));
    assert.ok(e.problems.some((p) => p.includes('unknown feature "arrat" (did you mean "arat"?)')));
  }
});

Deno.test("builder: the CPU count is limited by the host's max vCPUs per VM (S23, S24)", () => {
  for (const host of HOSTS) {
    const gen = host.maxVcpus.gen2 === null ? 1 : 2;
    const max = gen === 1 ? host.maxVcpus.gen1 : host.maxVcpus.gen2!;
    assert.doesNotThrow(() => vm().hyperv(host.id).generation(gen).cpus(max).config());
    assert.throws(
      () => vm().hyperv(host.id).generation(gen).cpus(max + 1).config(),
      (e: ConfigError) =>
        e.problems[0].includes(`exceeds the ${max} virtual processors per VM of ${host.label}`),
    );
  }
  assert.throws(() => vm().hyperv("2022").generation(1).cpus(65).config(), /64 virtual processors/);
});

Deno.test("builder: generation 2 needs a 2012 R2 host; arm64 is Generation 2 and needs Hyper-V", () => {
  assert.throws(() => vm().hyperv("2012").config(), /runs Generation 1 VMs only/);
  assert.doesNotThrow(() => vm().hyperv("2012").generation(1).config());
  assert.throws(() => vm().arch("arm64").generation(1).config(), /Generation 2/);
  assert.throws(() => vm().arch("arm64").hyperv("none").config(), /x86_64 only/);
});

Deno.test("builder: features override single host bits (a 2019 host with Direct Mode off)", () => {
  const config = vm().hyperv("2019").features({ stimerDirectMode: false }).config();
  assert.equal(config.features.stimerDirectMode, false);
  assert.equal(config.features.syntheticTimers, true);
  assert.throws(
    () => vm().hyperv("none").features({ stimerDirectMode: true }).config(),
    /no Hyper-V/,
  );
  assert.throws(() => vm().arch("arm64").features({ arat: true }).config(), /x86 CPU feature/);
  assert.throws(() => vm().features({ arat: "yes" } as never).config(), /must be true or false/);
});

Deno.test("builder: nothing is half-built on error, and setters return the builder", () => {
  const b = vm().cpus(4);
  assert.equal(b.hz(1000), b);
  assert.throws(() => vm().cpus(-1).build(), ConfigError);
  assert.deepEqual(vm({ cpus: 2, kernel: "6.1" }).options().cpus, 2);
});

Deno.test("builder: isolation defaults to none (absent from the configuration); tdx's problems all at once", () => {
  assert.equal(vm().build().config.isolation, undefined);
  assert.equal(vm().isolation("none").build().config.isolation, undefined);
  assert.equal(
    vm().kernel("6.18").hyperv("2025").isolation("tdx").build().config.isolation,
    "tdx",
  );
  try {
    vm().kernel("6.1").hyperv("2019").generation(1).isolation("tdx").build();
    assert.fail("expected ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 3);
    assert.match(e.problems.join("\n"), /valid: hyperv 2022, 2025/);
    assert.match(e.problems.join("\n"), /Generation 2 VM, not 1/);
    assert.match(e.problems.join("\n"), /valid: kernel 6\.6, 6\.8, 6\.12, 6\.18/);
  }
  assert.throws(
    () => vm().isolation("tdz").build(),
    /isolation: "tdz" is not valid \(did you mean "tdx"\?\); valid: none, tdx/,
  );
});
