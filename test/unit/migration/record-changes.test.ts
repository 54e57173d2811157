// A migration's record built from the changes its workflow sends: a revision applies once, in order,
// and the history is kept alike on both sides whatever its length.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MIGRATION_OPTIONS } from "../../../shared/domain/migration/migration-options.ts";
import type { HistoryEntry, MigrationRecord } from "../../../shared/domain/migration/migration-record.ts";
import {
  appendHistoryLine,
  applyRecordChange,
  MAX_HISTORY,
  type RecordChange,
} from "../../../shared/domain/migration/record-changes.ts";

const first: RecordChange = {
  id: "migration:aks:batch:0123456789abcdef:1",
  revision: 1,
  set: {
    clusterId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
    cluster: "aks",
    pool: "batch",
    targetOsSku: "AzureLinux3",
    phase: "preflight",
    awaiting: null,
    nodes: { drained: 0, total: 0 },
    blockers: [],
    outcome: null,
    requestedBy: { id: "rita", name: "rita", roles: [], groups: [], identityProvider: "local" },
    requestedAt: "2026-03-02T08:00:00.000Z",
    options: DEFAULT_MIGRATION_OPTIONS,
    updatedAt: "2026-03-02T08:00:00.000Z",
  },
  append: [{ at: "2026-03-02T08:00:00.000Z", phase: "preflight", event: "requested" }],
};

const line = (event: string): HistoryEntry => ({ at: "2026-03-02T08:00:00.000Z", phase: "draining", event });

describe("applyRecordChange", () => {
  it("builds the record from its first change, then applies later ones over it", () => {
    const created = applyRecordChange(undefined, first) as MigrationRecord;
    expect(created).toMatchObject({ id: first.id, revision: 1, phase: "preflight", history: first.append });
    const next = applyRecordChange(created, {
      id: first.id,
      revision: 2,
      set: { phase: "draining" },
      append: [line("go")],
    });
    expect(next).toMatchObject({ revision: 2, phase: "draining", pool: "batch" });
    expect(next?.history.map((h) => h.event)).toEqual(["requested", "go"]);
  });

  it("changes nothing for a revision the record has (an activity run twice) or an older one", () => {
    const created = applyRecordChange(undefined, first) as MigrationRecord;
    const second = applyRecordChange(created, {
      id: first.id,
      revision: 2,
      set: {},
      append: [line("x")],
    }) as MigrationRecord;
    expect(
      applyRecordChange(second, { id: first.id, revision: 2, set: {}, append: [line("x")] }),
    ).toBeUndefined();
    expect(applyRecordChange(second, { id: first.id, revision: 1, set: {}, append: [] })).toBeUndefined();
  });

  it("refuses a later change with no record to apply it to", () => {
    expect(() => applyRecordChange(undefined, { id: first.id, revision: 5, set: {}, append: [] })).toThrow(
      /no record/,
    );
  });

  it("keeps the history the workflow keeps, however the lines are split into changes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const workflow: HistoryEntry[] = [];
        let record = applyRecordChange(undefined, { ...first, append: [] }) as MigrationRecord;
        let n = 0;
        sizes.forEach((size, index) => {
          const lines = Array.from({ length: size }, () => line(`line ${n++}`));
          for (const entry of lines) appendHistoryLine(workflow, entry);
          record = applyRecordChange(record, {
            id: first.id,
            revision: index + 2,
            set: {},
            append: lines,
          }) as MigrationRecord;
        });
        expect(record.history).toEqual(workflow);
        expect(record.history.length).toBeLessThanOrEqual(MAX_HISTORY);
      }),
      { numRuns: 50 },
    );
  });
});
