/**
 * The `/sys/power` files, as kernel/power/ defines them (main.c `state`, `pm_test`; hibernate.c
 * `disk`, `resume`, `image_size`), and the block layer's `/sys/block/vda/dev`. Writing `disk` to
 * `state` runs {@linkcode hibernate} (the same code as the `hibernate` operation); writing a
 * device to `resume` runs {@linkcode softwareResume}. The file table (lib/files/table.ts) points
 * at these show and store functions.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { configFacts } from "../kernels/configs.ts";
import { refuse } from "../util/refusals.ts";
import {
  hasPlatformOps,
  hibernate,
  HIBERNATION_MODES,
  type HibernationMode,
  hibernationMode,
  PM_TESTS,
  pmTestLevel,
  setPm,
} from "./power.ts";
import { softwareResume } from "./restore.ts";
import type { WriteOutcome } from "./sysfs.ts";
import { blockDevices, virtioDiskPresent } from "./swapdev.ts";

/** `PAGE_SIZE` on x86_64 and arm64 (4 KiB pages). */
const PAGE_SIZE = 4096;

/** The written value up to its first newline (`memchr(buf, '\n', n)`, as the stores cut it). */
function firstLine(value: string): string {
  const nl = value.indexOf("\n");
  return nl < 0 ? value : value.slice(0, nl);
}

/**
 * `state_show()` (5.10 kernel/power/main.c:594-612): `freeze` always (suspend-to-idle), `mem`
 * when the platform offers S3, then `disk` (`hibernation_available()`).
 */
export function stateShow(k: Kernel): string {
  const states = ["freeze"];
  if (k.s.config.platform.sleepStates.includes(3)) states.push("mem");
  states.push("disk");
  return `${states.join(" ")}\n`;
}

/**
 * `state_store()` (5.10 main.c:641-671): `disk` hibernates (`hibernate()`); a suspend state is
 * not modelled (refused before anything runs); anything else is -EINVAL.
 * @throws {RangeError} for `freeze`/`standby`/`mem`: hvtick models hibernation only.
 */
export function stateStore(k: Kernel, _cpu: number, value: string): WriteOutcome {
  const label = firstLine(value);
  // decode_state(): "disk" first (len == 4 && str_has_prefix(buf, "disk")).
  if (label === "disk") {
    const out = hibernate(k);
    return {
      ret: out.ret,
      ...(out.hung ? { outcome: out.hung } : {}),
      ...(out.why ? { why: out.why } : {}),
      ran: true,
    };
  }
  const suspend = stateShow(k).trim().split(" ").filter((s) => s !== "disk");
  if (suspend.includes(label)) {
    throw new RangeError(
      `echo ${label} > /sys/power/state suspends the VM (pm_suspend), which hvtick does not model; ` +
        "it models hibernation: echo disk > /sys/power/state",
    );
  }
  return refuse("power-state-unknown");
}

/**
 * `disk_show()` (5.10 hibernate.c:1064-1097, 6.12:1133-1170): the modes, the current one in
 * brackets; `platform` only with platform hibernation ops. 5.10 and 6.1 end with the last mode's
 * space and a newline, 6.12 turns that space into the newline.
 */
export function diskShow(k: Kernel): string {
  const current = hibernationMode(k);
  const modes = HIBERNATION_MODES.filter((m) => m !== "platform" || hasPlatformOps(k));
  const text = modes.map((m) => (m === current ? `[${m}] ` : `${m} `)).join("");
  return k.line.hibernation.diskTrailingSpace ? `${text}\n` : `${text.slice(0, -1)}\n`;
}

/**
 * `disk_store()` (5.10 hibernate.c:1099-1143): a mode by its exact name; `platform` needs
 * platform ops; anything else is -EINVAL.
 */
export function diskStore(k: Kernel, _cpu: number, value: string): WriteOutcome {
  const mode = firstLine(value) as HibernationMode;
  if (!HIBERNATION_MODES.includes(mode)) return refuse("disk-mode-unknown");
  if (mode === "platform" && !hasPlatformOps(k)) return refuse("disk-no-platform");
  const boot = hasPlatformOps(k) ? "platform" : "shutdown";
  setPm(k, { mode: mode === boot ? undefined : mode });
  return { ret: 0 };
}

/** Whether `/sys/power/pm_test` exists: CONFIG_PM_DEBUG (CONFIG_PM_SLEEP_DEBUG) builds. */
export function hasPmTest(k: Kernel): boolean {
  return configFacts(k.s.config.kconfig, k.s.config.kernel)?.pmDebug ?? false;
}

/**
 * `pm_test_show()` (5.10 main.c:239-258): every level, the current one in brackets, the last
 * space turned into the newline.
 */
export function pmTestShow(k: Kernel): string {
  const current = pmTestLevel(k);
  return `${PM_TESTS.map((t) => (t === current ? `[${t}]` : t)).join(" ")}\n`;
}

/** `pm_test_store()` (5.10 main.c:260-285): a level by its exact name, else -EINVAL. */
export function pmTestStore(k: Kernel, _cpu: number, value: string): WriteOutcome {
  const level = firstLine(value);
  const found = PM_TESTS.find((t) => t === level);
  if (!found) return refuse("pm-test-unknown");
  setPm(k, { test: found === "none" ? undefined : found });
  return { ret: 0 };
}

/** `resume_show()` (5.10 hibernate.c:1150-1155): `swsusp_resume_device` as `%d:%d`. */
export function resumeShow(k: Kernel): string {
  return `${k.s.pm?.resume ?? "0:0"}\n`;
}

/**
 * `resume_store()` (5.10 hibernate.c:1157-1183, 6.12:1231-1280): a block device (`/dev/NAME`),
 * `MAJ:MIN` (the major below 4096, the minor below 2^20: `MKDEV()` must give them back), or a hex
 * dev_t; then `software_resume()` looks for an image there. A name that is no device is -EINVAL,
 * as is `0:0` up to 6.1 (`name_to_dev_t()` returns 0 for it). When an image was found and
 * restored, the image runs on: its `echo disk` returned 0.
 */
export function resumeStore(k: Kernel, _cpu: number, value: string): WriteOutcome {
  const name = value.endsWith("\n") ? value.slice(0, -1) : value;
  let dev: string | null = null;
  const mm = /^(\d+):(\d+)(?::\d+)?$/.exec(name);
  if (name.startsWith("/dev/")) dev = blockDevices(k)[name] ?? null;
  else if (mm) {
    const [maj, min] = [Number(mm[1]), Number(mm[2])];
    if (maj < 4096 && min < 1 << 20) dev = `${maj}:${min}`;
  } else if (/^[0-9a-fA-F]+$/.test(name)) {
    // new_decode_dev(): the minor's low 8 bits, the major's 12, then the minor's high 12.
    const v = parseInt(name, 16);
    if (Number.isSafeInteger(v) && v < 2 ** 32) {
      dev = `${(v & 0xfff00) >> 8}:${(v & 0xff) | ((v >> 12) & 0xfff00)}`;
    }
  }
  if (dev === null) return refuse("resume-no-device");
  if (dev === "0:0" && k.line.hibernation.resumeZeroRefused) return refuse("resume-zero");
  setPm(k, { resume: dev === "0:0" ? undefined : dev });
  const out = softwareResume(k);
  return {
    ret: out.ret,
    ...(out.hung ? { outcome: out.hung } : {}),
    ...(out.why ? { why: out.why } : {}),
    ran: true,
  };
}

/**
 * `image_size`'s boot value, `hibernate_image_size_init()` (5.10 snapshot.c:103-106): two fifths
 * of `totalram_pages()`, in bytes. The memory's pages less the memmap (64 bytes per page) and the
 * build's other boot reservations (lib/kernels/configs.ts `bootReservedPages`, and
 * `vmbusInitrdPages` for a VMbus profile's initramfs), or the run's own figure where a real
 * log gives it (`MachineConfig.totalramPages`).
 */
export function imageSizeDefault(k: Kernel): number {
  const pages = k.s.config.memoryMiB * (1024 * 1024 / PAGE_SIZE);
  const memmap = Math.ceil(pages * 64 / PAGE_SIZE);
  const facts = configFacts(k.s.config.kconfig, k.s.config.kernel);
  const initrd = k.s.config.vmbus ? facts?.vmbusInitrdPages ?? 0 : 0;
  const reserved = (facts?.bootReservedPages ?? 0) + initrd;
  const totalram = k.s.config.totalramPages ?? Math.max(pages - memmap - reserved, 0);
  return Math.floor((totalram * 2) / 5) * PAGE_SIZE;
}

/** `image_size_show()` (5.10 hibernate.c:1210-1214): `%lu`. */
export function imageSizeShow(k: Kernel): string {
  return `${k.s.pm?.imageSize ?? imageSizeDefault(k)}\n`;
}

/**
 * `image_size_store()` (5.10 hibernate.c:1216-1228): `sscanf(buf, "%lu")` (leading blanks, then
 * digits; what follows them is ignored), else -EINVAL. The value wraps as an unsigned long.
 */
export function imageSizeStore(k: Kernel, _cpu: number, value: string): WriteOutcome {
  const m = /^\s*(\d+)/.exec(value);
  if (!m) return refuse("image-size-syntax");
  const size = (BigInt(m[1]) & ((1n << 64n) - 1n)).toString();
  setPm(k, { imageSize: size === String(imageSizeDefault(k)) ? undefined : size });
  return { ret: 0 };
}

/** Whether `/sys/block/vda` exists: the virtio disk with its drivers in. */
export function hasVda(k: Kernel): boolean {
  return virtioDiskPresent(k);
}

/** `/sys/block/vda/dev`: its dev_t, `%u:%u` (block/genhd.c `disk_devt`'s `dev` attribute). */
export function vdaDevShow(k: Kernel): string {
  return `${blockDevices(k)["/dev/vda"]}\n`;
}
