// Migration records, gate answers and audit records as the workflow writes them, for the repositories'
// contract suites; plans as preflight makes them, for the workflows' fake activities.

import type { PoolMigrationInput } from "../../orchestrations/contracts/pool-migration.contract.ts";
import { approvalPolicyOf } from "../../shared/domain/access/approval-policy.ts";
import { ROLES } from "../../shared/domain/access/principal.ts";
import {
  DEFAULT_MIGRATION_OPTIONS,
  type MigrationOptions,
} from "../../shared/domain/migration/migration-options.ts";
import type { MigrationPlan } from "../../shared/domain/migration/migration-plan.ts";
import type { MigrationRecord } from "../../shared/domain/migration/migration-record.ts";
import type { AuditRecord, GateAnswer } from "../../shared/domain/ports/migrations.ts";

export const PROD_EUS =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-eus";

export function aMigrationRecord(overrides: Partial<MigrationRecord> = {}): MigrationRecord {
  return {
    id: "migration:aks-prod-eus:batch:0a1b2c3d",
    clusterId: PROD_EUS,
    cluster: "aks-prod-eus",
    pool: "batch",
    targetOsSku: "AzureLinux3",
    phase: "preflight",
    awaiting: null,
    nodes: { drained: 0, total: 3 },
    blockers: [],
    outcome: null,
    requestedBy: {
      id: "0c6f-operator",
      name: "olga@contoso.com",
      roles: [ROLES.operator],
      groups: [],
      identityProvider: "aad",
    },
    requestedAt: "2026-01-10T09:00:00.000Z",
    options: DEFAULT_MIGRATION_OPTIONS,
    history: [{ at: "2026-01-10T09:00:00.000Z", phase: "preflight", event: "requested by olga@contoso.com" }],
    revision: 1,
    updatedAt: "2026-01-10T09:00:00.000Z",
    ...overrides,
  };
}

export function aGateAnswer(overrides: Partial<GateAnswer> = {}): GateAnswer {
  return {
    migrationId: "migration:aks-prod-eus:batch:0a1b2c3d",
    gate: "start",
    nonce: "4f1c2a9e-0000-4000-8000-000000000001",
    answer: { decision: "approve" },
    by: "ana@contoso.com",
    byId: "0d1a-ana",
    comment: "go",
    at: "2026-01-10T10:00:00.000Z",
    ...overrides,
  };
}

export function anAuditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: "migration:aks-prod-eus:batch:0a1b2c3d|create-pool|intent",
    migrationId: "migration:aks-prod-eus:batch:0a1b2c3d",
    stage: "intent",
    at: "2026-01-10T10:05:00.000Z",
    actor: "pool-migration",
    action: "create-pool",
    target: "batchal3",
    reason: "gate start approved by ana@contoso.com",
    ...overrides,
  };
}

/** A pod a drain is stuck on because its budget allows no disruption, as a decision wait's evidence lists it. */
export function aStuckPod(name: string, namespace = "batch") {
  return {
    pod: { namespace, name },
    reason: "eviction-blocked",
    detail: "the budget allows no disruption",
    protectedByBudget: true,
  };
}

/** A plan as preflight makes it: a new pool of two nodes, nothing blocking (override what a test needs). */
export function aMigrationPlan(overrides: Partial<MigrationPlan> = {}): MigrationPlan {
  return {
    clusterId: PROD_EUS,
    cluster: "aks-prod-eus",
    pool: "batch",
    targetOsSku: "AzureLinux3",
    strategy: { chosen: "new-pool", reasons: ["the default"] },
    newPool: {
      name: "batchal3",
      mode: "User",
      osType: "Linux",
      osSku: "AzureLinux3",
      vmSize: "Standard_E8s_v5",
      count: 2,
      orchestratorVersion: "1.30.12",
      availabilityZones: [],
      nodeLabels: {},
      nodeTaints: [],
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 4,
    },
    drainOrder: ["aks-batch-0", "aks-batch-1"],
    batches: [["aks-batch-0"], ["aks-batch-1"]],
    pods: { evict: 2, skipped: {}, blocked: [] },
    controllers: [],
    findings: [],
    blocked: false,
    steps: [],
    runbook: [],
    thresholds: DEFAULT_MIGRATION_OPTIONS.thresholds,
    rollback: [],
    cost: {
      overlapNodeHours: 0,
      durationHours: 0,
      estimate: {
        currency: "USD",
        prices: { source: "t", asOf: "2026-01-01" },
        kind: "known",
        amount: 0,
      } as never,
    },
    approvals: approvalPolicyOf({}, []),
    ...overrides,
  };
}

/** The workflow's input for a migration of pool "batch" of `clusterId`, asked by an operator. */
export function aMigrationInput(
  migrationId: string,
  clusterId: string,
  options: Partial<MigrationOptions> = {},
): PoolMigrationInput {
  return {
    migrationId,
    clusterId,
    pool: "batch",
    targetOsSku: "AzureLinux3",
    requestedBy: {
      id: "oid-requester",
      name: "rita@contoso.com",
      roles: ["LifecycleOperator"],
      groups: [],
      identityProvider: "aad",
    },
    requestedAt: "2026-03-02T08:00:00.000Z",
    options: { ...DEFAULT_MIGRATION_OPTIONS, ...options },
  };
}
