import { describe, expect, it } from "vitest";
import { DEFAULT_MIGRATION_OPTIONS } from "../../../shared/domain/migration/migration-options.ts";
import { parseMigrationOptions } from "../../../shared/domain/migration/options-request.ts";

function problemsOf(value: unknown): string[] {
  const parsed = parseMigrationOptions(value);
  return "problems" in parsed ? parsed.problems : [];
}

describe("parseMigrationOptions", () => {
  it("gives the defaults for absent or empty options", () => {
    expect(parseMigrationOptions(undefined)).toEqual({ options: DEFAULT_MIGRATION_OPTIONS });
    expect(parseMigrationOptions({})).toEqual({ options: DEFAULT_MIGRATION_OPTIONS });
  });

  it("lays a request's options over the defaults, thresholds field by field", () => {
    const parsed = parseMigrationOptions({
      batchSize: 2,
      preferredStrategy: "in-place",
      thresholds: { persistSeconds: 600 },
      maintenanceWindow: { start: "22:30", durationHours: 4 },
      newPoolName: "batchnew",
    });
    expect(parsed).toEqual({
      options: {
        ...DEFAULT_MIGRATION_OPTIONS,
        batchSize: 2,
        preferredStrategy: "in-place",
        thresholds: { ...DEFAULT_MIGRATION_OPTIONS.thresholds, persistSeconds: 600 },
        maintenanceWindow: { days: [], start: "22:30", durationHours: 4 },
        newPoolName: "batchnew",
      },
    });
  });

  it("names the field and the allowed values in every problem, and reports them all", () => {
    expect(
      problemsOf({
        batchSize: 0,
        rollback: "never",
        smokePod: "yes",
        thresholds: { pendingPodSeconds: 1.5, unknown: 1 },
      }),
    ).toEqual([
      'options.batchSize must be "auto" or a whole number from 1 to 10, not 0',
      'options.rollback must be one of "automatic", "approval", not "never"',
      'options.smokePod must be true or false, not "yes"',
      "options.thresholds.pendingPodSeconds must be a whole number from 10 to 86400, not 1.5",
      "options.thresholds.unknown is not an option (known: restartsPerNodePerHour, pendingPodSeconds, persistSeconds)",
    ]);
  });

  it("refuses unknown fields and what is not an object (fail closed)", () => {
    expect(problemsOf({ batchsize: 2 })[0]).toMatch(/^options\.batchsize is not an option \(known: /);
    expect(problemsOf([1])).toEqual(["options must be an object, not [1]"]);
    expect(problemsOf(null)).toEqual(["options must be an object, not null"]);
    expect(problemsOf({ thresholds: 5 })).toEqual(["options.thresholds must be an object, not 5"]);
    // An inherited name is not an option either.
    expect(problemsOf(JSON.parse('{"__proto__": {"batchSize": 3}}'))[0]).toMatch(
      /__proto__ is not an option/,
    );
  });

  it("checks the maintenance window: days 0-6, HH:MM, 1 to 24 hours, start and duration required", () => {
    expect(problemsOf({ maintenanceWindow: { days: [0, 7, 0], start: "24:00", durationHours: 0 } })).toEqual([
      "options.maintenanceWindow.days must list distinct days from 0 (Sunday) to 6 (Saturday), not [0,7,0]",
      'options.maintenanceWindow.start must be a UTC time "HH:MM" from "00:00" to "23:59", not "24:00"',
      "options.maintenanceWindow.durationHours must be a whole number from 1 to 24, not 0",
    ]);
    expect(problemsOf({ maintenanceWindow: { days: [6] } })).toEqual([
      "options.maintenanceWindow.start is required",
      "options.maintenanceWindow.durationHours is required",
    ]);
    expect(problemsOf({ maintenanceWindow: { start: "2:00", durationHours: 4 } })[0]).toMatch(
      /start must be/,
    );
    const parsed = parseMigrationOptions({
      maintenanceWindow: { days: [6, 0], start: "02:00", durationHours: 4 },
    });
    expect("options" in parsed && parsed.options.maintenanceWindow).toEqual({
      days: [0, 6],
      start: "02:00",
      durationHours: 4,
    });
  });

  it("checks a requested pool name as AKS does, and that the gate expiry is not before its timeout", () => {
    expect(problemsOf({ newPoolName: "Batch-2" })).toEqual([
      'options.newPoolName must be 1 to 12 lowercase letters and digits starting with a letter (a Linux pool name), not "Batch-2"',
    ]);
    expect(problemsOf({ gateTimeoutSeconds: 7200, gateExpirySeconds: 3600 })).toEqual([
      "options.gateExpirySeconds (3600) must not be less than options.gateTimeoutSeconds (7200)",
    ]);
  });

  it('reads the drain\'s strategy: batchSize "auto", how the pools grow and shrink, naming what is wrong', () => {
    const parsed = parseMigrationOptions({
      batchSize: "auto",
      newPoolGrowth: "with-drain",
      oldPoolShrink: "with-drain",
    });
    expect("options" in parsed && parsed.options).toMatchObject({
      batchSize: "auto",
      newPoolGrowth: "with-drain",
      oldPoolShrink: "with-drain",
    });
    expect(problemsOf({ batchSize: "max", newPoolGrowth: "lazy", oldPoolShrink: true })).toEqual([
      'options.batchSize must be "auto" or a whole number from 1 to 10, not "max"',
      'options.newPoolGrowth must be one of "up-front", "with-drain", not "lazy"',
      'options.oldPoolShrink must be one of "at-end", "with-drain", not true',
    ]);
  });
});
