/**
 * Making one registrant's `cpuhp_setup_state*()` call, at boot or when its module loads: whether
 * this guest makes it (its release has it, its config enables it, its host condition holds),
 * which slot it asks for, and what it calls next.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { Registrant } from "../kernels/registrants.ts";
import { configFacts } from "../kernels/configs.ts";
import { addInstancesNocalls, cpuhpSetupState } from "../hotplug/register.ts";
import { runAfterRegistration, runBeforeRegistration } from "../hotplug/symbols.ts";
import { hasStimer } from "../platform/hyperv/stimer.ts";

/** One ring buffer fewer on `trace/RB:prepare` for a build without a `max_buffer`. */
function maxBufferLess(k: Kernel, r: Registrant): number {
  const facts = configFacts(k.s.config.kconfig, k.s.config.kernel);
  const rb = r.startup === "trace_rb_cpu_prepare" && facts?.tracerMaxTrace === false;
  return rb && (k.line.registrantChanges[r.key]?.instances ?? r.instances ?? 0) > 0 ? 1 : 0;
}

/**
 * Makes `r`'s call if this guest makes it. At boot (`fromModule` false) a registrant of a module
 * the config builds as a module is left for the module's load.
 */
export function register(k: Kernel, r: Registrant, fromModule = false): void {
  if (!k.line.registrants.has(r.key)) return;
  const facts = configFacts(k.s.config.kconfig, k.s.config.kernel);
  if (r.config && !facts?.options.includes(r.config)) return;
  if (r.module && !fromModule && facts?.hyperv === "m") return;
  if (!r.when(k.s.config, { stimer: hasStimer(k), direct: k.direct })) return;
  const request = r.state === "CPUHP_AP_ONLINE_DYN"
    ? "AP_ONLINE_DYN"
    : r.state === "CPUHP_BP_PREPARE_DYN"
    ? "BP_PREPARE_DYN"
    : k.line.enumNames.indexOf(r.state);
  if (request === -1) throw new Error(`internal: ${r.state} is not in Linux ${k.line.id}'s enum`);
  const called = r.before ? runBeforeRegistration(k, r.before) : false;
  const state = cpuhpSetupState(k, request, r.name, r.startup, r.teardown, {
    nocalls: called || (k.line.registrantChanges[r.key]?.nocalls ?? r.nocalls),
    multi: r.multi,
    instances: (k.line.registrantChanges[r.key]?.instances ?? r.instances ?? 0) -
      maxBufferLess(k, r),
  });
  // The instances the config's built-in drivers add later in boot (lib/kernels/config_types.ts).
  const more = r.multi ? facts?.bootInstances?.[r.name] ?? 0 : 0;
  if (more > 0) addInstancesNocalls(k, state, more);
  if (r.then) runAfterRegistration(k, r.then);
}
