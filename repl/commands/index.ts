/**
 * Every REPL command, in the order `help` and docs/repl.md list them, assembled from the topic
 * files: the machine (the `vm` line and the operation table's commands), the files, the views,
 * exploration, pictures and the session. Help, completion, validation and the docs page are
 * derived from this list.
 *
 * @module
 */

import type { Command } from "../command.ts";
import { MACHINE_COMMANDS as M } from "./machine.ts";
import { FILE_COMMANDS as F } from "./files.ts";
import { VIEW_COMMANDS as V } from "./views.ts";
import { EXPLORE_COMMANDS as X } from "./explore.ts";
import { PICTURE_COMMANDS as P } from "./pictures.ts";
import { SESSION_COMMANDS as S } from "./session.ts";
import { STEPPING_COMMANDS as B } from "./stepping.ts";

// The commands in the order help lists them (an operation added to the table and not placed here
// comes after the other machine commands).
const LISTED: readonly Command[] = [
  M.vm,
  M.online,
  M.offline,
  M.advance,
  V.cpus,
  V.bound,
  V.devices,
  F.cat,
  M.echo,
  F.ls,
  V.dmesg,
  V.trace,
  V.problems,
  M.hibernate,
  M.resume,
  M.reset,
  M.race,
  B.break,
  B.step,
  B.continue,
  B.delete,
  X.explore,
  X.compare,
  P.timeline,
  P.report,
  S.save,
  S.load,
  S.source,
  S.help,
  S.quit,
];

const unlisted = Object.values(M).filter((c) => !LISTED.includes(c));

/** Every command. */
export const COMMANDS: readonly Command[] = [
  ...LISTED.slice(0, LISTED.indexOf(M.race) + 1),
  ...unlisted,
  ...LISTED.slice(LISTED.indexOf(M.race) + 1),
];
