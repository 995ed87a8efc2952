/**
 * The power-management files of the sysfs table: kernel/power/'s `/sys/power` knobs and the
 * virtio disk's `/sys/block/vda/dev` (their show and store functions: lib/hotplug/power_sysfs.ts).
 *
 * @module
 */

import {
  diskShow,
  diskStore,
  hasPmTest,
  hasVda,
  imageSizeShow,
  imageSizeStore,
  pmTestShow,
  pmTestStore,
  resumeShow,
  resumeStore,
  stateShow,
  stateStore,
  vdaDevShow,
} from "../hotplug/power_sysfs.ts";
import type { SysfsFile } from "./file.ts";

/** The rows, in the table's order. */
export const POWER_FILES: readonly SysfsFile[] = [
  {
    pattern: /^\/sys\/power\/state$/,
    example: "/sys/power/state",
    mode: "0644",
    source: "kernel/power/main.c state_show/state_store (disk: hibernate())",
    hotplug: true,
    read: stateShow,
    write: stateStore,
  },
  {
    pattern: /^\/sys\/power\/disk$/,
    example: "/sys/power/disk",
    mode: "0644",
    source: "kernel/power/hibernate.c disk_show/disk_store",
    read: diskShow,
    write: diskStore,
  },
  {
    pattern: /^\/sys\/power\/pm_test$/,
    example: "/sys/power/pm_test",
    mode: "0644",
    source: "kernel/power/main.c pm_test_show/pm_test_store (CONFIG_PM_DEBUG)",
    exists: (k) => hasPmTest(k),
    read: pmTestShow,
    write: pmTestStore,
  },
  {
    pattern: /^\/sys\/power\/resume$/,
    example: "/sys/power/resume",
    mode: "0644",
    source: "kernel/power/hibernate.c resume_show/resume_store (software_resume())",
    hotplug: true,
    read: resumeShow,
    write: resumeStore,
  },
  {
    pattern: /^\/sys\/power\/image_size$/,
    example: "/sys/power/image_size",
    mode: "0644",
    source: "kernel/power/hibernate.c image_size_show/image_size_store",
    read: imageSizeShow,
    write: imageSizeStore,
  },
  {
    pattern: /^\/sys\/block\/vda\/dev$/,
    example: "/sys/block/vda/dev",
    mode: "0444",
    source: "block/genhd.c disk_devt (dev attribute); drivers/block/virtio_blk.c",
    exists: (k) => hasVda(k),
    read: vdaDevShow,
  },
];
