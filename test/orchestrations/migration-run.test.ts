// The migration's record keeps its history bounded, whatever the migration lives through: the oldest
// lines after the first give way to one line that counts them.
import type { OrchestrationContext } from "durable-functions";
import { describe, expect, it } from "vitest";
import { MigrationRun } from "../../orchestrations/steps/migration/migration-run.ts";
import { DEFAULT_MIGRATION_OPTIONS } from "../../shared/domain/migration/migration-options.ts";

function runAt(instant: string): MigrationRun {
  const context = {
    df: {
      currentUtcDateTime: new Date(instant),
      waitForExternalEvent: () => ({ isCompleted: false }),
      setCustomStatus: () => undefined,
    },
  } as unknown as OrchestrationContext;
  return new MigrationRun(context, {
    migrationId: "migration:aks:batch:0123456789abcdef:1",
    clusterId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
    pool: "batch",
    targetOsSku: "AzureLinux3",
    requestedBy: { id: "rita", name: "rita", roles: [], identityProvider: "local" },
    requestedAt: instant,
    options: DEFAULT_MIGRATION_OPTIONS,
  });
}

describe("a migration's history", () => {
  it("keeps its first line and the latest ones, counting what it left out", () => {
    const run = runAt("2026-03-02T08:00:00Z");
    for (let i = 0; i < 1000; i++) run.note(`line ${i}`);
    const history = run.record.history;
    expect(history.length).toBeLessThanOrEqual(400);
    expect(history[0]?.event).toBe("line 0");
    expect(history.at(-1)?.event).toBe("line 999");
    const left = Number(/^(\d+) earlier lines left out/.exec(history[1]?.event ?? "")?.[1]);
    // Every line is either kept or counted.
    expect(left + history.length - 1).toBe(1000);
    expect(history.filter((h) => /earlier lines left out/.test(h.event))).toHaveLength(1);
  });

  it("cuts a long line, so a comment cannot make the record large", () => {
    const run = runAt("2026-03-02T08:00:00Z");
    run.note("x".repeat(10_000), "ana");
    expect(run.record.history[0]?.event).toHaveLength(500);
    expect(run.record.history[0]?.by).toBe("ana");
  });
});
