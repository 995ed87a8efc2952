/**
 * `.hvt` scripts the REPL replays: a `vm` line for a configuration, then operation lines.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import type { VmOptions } from "../machine/builder.ts";

/**
 * The REPL `vm` line that boots `config`: the fields that define the machine, with feature
 * overrides as the user gave them (`options.features`), so the line reads like one a person
 * would type.
 */
export function vmLine(config: MachineConfig, options: VmOptions): string {
  const words = [
    "vm",
    `--hyperv ${config.hyperv}`,
    `--arch ${config.arch}`,
    `--kernel ${config.kernel}`,
    `--generation ${config.generation}`,
    `--cpus ${config.cpus}`,
    `--hz ${config.hz}`,
  ];
  for (const [name, on] of Object.entries(options.features ?? {})) {
    words.push(`--feature ${name}=${on ? "on" : "off"}`);
  }
  words.push(`--channels ${config.vmbusChannels.length ? config.vmbusChannels.join(",") : '""'}`);
  if (config.cpu0Hotplug) words.push("--cpu0-hotplug");
  if (config.hotplugStateControl) words.push("--state-control");
  return words.join(" ");
}

/** A replay script: a comment, the `vm` line, the operations' lines, then `problems`. */
export function replayScript(
  comment: string,
  config: MachineConfig,
  options: VmOptions,
  lines: readonly string[],
): string {
  return [`# ${comment}`, vmLine(config, options), ...lines, "problems", ""].join("\n");
}
