// What the nightly inventory scans, and when:
//   INVENTORY_SUBSCRIPTIONS       subscription ids to inventory, separated by commas or spaces
//   INVENTORY_MANAGEMENT_GROUPS   management group ids to inventory; with neither, every subscription the
//                                 identity can see
//   INVENTORY_SCHEDULE            NCRONTAB schedule of the nightly scan (default "0 0 2 * * *", 02:00 UTC)
//   SCAN_CONCURRENCY              clusters whose workloads are scanned at once (default 8)
//   SCAN_DEPENDENCIES_EVERY       nights between two scans of a cluster's workloads (default 1, every
//                                 night); a large fleet spreads its clusters over that many nights

import { z } from "zod";
import {
  boundedInteger,
  type Env,
  optionalText,
  parseSettingsGroup,
  settingsGroup,
} from "./settings-group.ts";

const DEFAULT_INVENTORY_SCHEDULE = "0 0 2 * * *";

export interface InventorySettings {
  scope: { subscriptions: string[]; managementGroups: string[] };
  schedule: string;
  scanConcurrency: number;
  dependencyRotationNights: number;
}

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MANAGEMENT_GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9_().-]{0,89}$/;

const idList = (pattern: RegExp, what: string) =>
  optionalText
    .transform((value) => (value === undefined ? [] : value.split(/[\s,;]+/).filter((id) => id !== "")))
    .superRefine((ids, ctx) => {
      const bad = ids.filter((id) => !pattern.test(id));
      if (bad.length > 0)
        ctx.addIssue({ code: "custom", message: `expected ${what}, got ${bad.join(", ")}` });
    });

/** Six NCRONTAB fields (seconds first), or a TimeSpan such as 01:00:00, as timer triggers take them. */
const schedule = optionalText
  .transform((value) => value ?? DEFAULT_INVENTORY_SCHEDULE)
  .refine((value) => value.split(/\s+/).length === 6 || /^(\d+\.)?\d{1,2}:\d{2}:\d{2}$/.test(value), {
    message: 'expected an NCRONTAB expression with six fields, e.g. "0 0 2 * * *"',
  });

export const inventorySettings = settingsGroup({
  name: "inventory",
  schema: z.object({
    INVENTORY_SUBSCRIPTIONS: idList(SUBSCRIPTION_ID, "subscription ids (GUIDs)"),
    INVENTORY_MANAGEMENT_GROUPS: idList(MANAGEMENT_GROUP_ID, "management group ids"),
    INVENTORY_SCHEDULE: schedule,
    SCAN_CONCURRENCY: boundedInteger(8, 1, 64),
    SCAN_DEPENDENCIES_EVERY: boundedInteger(1, 1, 90),
  }),
  build: (env): InventorySettings => ({
    scope: { subscriptions: env.INVENTORY_SUBSCRIPTIONS, managementGroups: env.INVENTORY_MANAGEMENT_GROUPS },
    schedule: env.INVENTORY_SCHEDULE,
    scanConcurrency: env.SCAN_CONCURRENCY,
    dependencyRotationNights: env.SCAN_DEPENDENCIES_EVERY,
  }),
});

/**
 * Only the schedule: the timer trigger reads it when the app registers its functions, where any other
 * problem would stop the whole app from loading (the rest is checked on first use and answered by name).
 */
export function loadInventorySchedule(env: Env): string {
  return parseSettingsGroup(
    settingsGroup({
      name: inventorySettings.name,
      schema: z.object({ INVENTORY_SCHEDULE: schedule }),
      build: (parsed) => parsed.INVENTORY_SCHEDULE,
    }),
    env,
  );
}
