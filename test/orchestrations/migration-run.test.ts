// A migration's history lines stay short whatever a person writes (the history's length is bounded by
// record-changes.ts, tested in test/unit/migration/record-changes.test.ts).
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
    requestedBy: { id: "rita", name: "rita", roles: [], groups: [], identityProvider: "local" },
    requestedAt: instant,
    options: DEFAULT_MIGRATION_OPTIONS,
  });
}

describe("a migration's history", () => {
  it("cuts a long line, so a comment cannot make the record large", () => {
    const run = runAt("2026-03-02T08:00:00Z");
    run.note("x".repeat(10_000), "ana");
    expect(run.record.history[0]?.event).toHaveLength(500);
    expect(run.record.history[0]?.by).toBe("ana");
  });
});
