// GET /api/reports/compliance: where the fleet stands against the lifecycle calendar. Every pool by state,
// the pools past end of support and for how long, every migration with its outcome and whether its audit
// chain verifies, and, per removal date, whether a rollout under the default policy meets it.

import { daysSince, type IsoDate, utcDayOf } from "../domain/lifecycle/calendar-date.ts";
import {
  assessFleet,
  type PoolAssessment,
  type PoolState,
  URGENCY_ORDER,
} from "../domain/lifecycle/pool-assessment.ts";
import type { Outcome } from "../domain/migration/migration-record.ts";
import type { ScanSummary } from "../domain/ports/inventory.ts";
import type { AuditRepository } from "../domain/ports/migrations.ts";
import { verifyChain } from "../domain/records/audit-chain.ts";
import type { Unplanned } from "../domain/rollout/pool-selection.ts";
import type { Miss, RolloutPlan } from "../domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY } from "../domain/rollout/rollout-policy.ts";
import { currentFleet, NO_INVENTORY, planOnFleet, type RolloutPlanPorts } from "../rollout/plan-rollout.ts";

export interface CompliancePool {
  cluster: string;
  clusterId: string;
  pool: string;
  osSku: string | null;
  kubernetesVersion: string;
  endOfSupport: IsoDate | null;
  imageRemoval: IsoDate | null;
}

export interface PastEndOfSupport extends CompliancePool {
  state: PoolState;
  daysPastEndOfSupport: number;
}

export interface MigrationCompliance {
  id: string;
  cluster: string;
  pool: string;
  targetOsSku: string;
  outcome: Outcome | "active";
  requestedAt: string;
  updatedAt: string;
  audit: { url: string; records: number; verified: boolean; problem?: string };
}

export interface RemovalDate {
  date: IsoDate;
  /** Pools whose deadline it is: placed in a wave, or missed. */
  pools: number;
  onTrack: boolean;
  misses: Miss[];
}

export interface ComplianceReport {
  generatedAt: string;
  scan: ScanSummary;
  countsByState: Partial<Record<PoolState, number>>;
  /** Most urgent state first. */
  poolsByState: Partial<Record<PoolState, CompliancePool[]>>;
  pastEndOfSupport: PastEndOfSupport[];
  migrations: MigrationCompliance[];
  removalDates: RemovalDate[];
  /** What the removal dates were judged by. */
  plan: { assumed: string; start: IsoDate; waves: number; unplanned: Unplanned[]; notes: string[] };
}

export type ComplianceResult =
  | { kind: "report"; report: ComplianceReport }
  | { kind: "no-inventory"; reason: string };

export type CompliancePorts = RolloutPlanPorts & { audit: AuditRepository };

export function auditUrl(migrationId: string): string {
  return `/api/migrations/${encodeURIComponent(migrationId)}/audit`;
}

const ASSUMED = `the default rollout policy, starting today: the retiring and retired pools, to the calendar's recommended targets, a wave every ${DEFAULT_ROLLOUT_POLICY.cadenceDays} days, at most ${DEFAULT_ROLLOUT_POLICY.maxClustersPerWave} clusters per wave and ${DEFAULT_ROLLOUT_POLICY.maxPoolsInFlight} pools in flight, no windows, freezes or budget`;

/** Deadlines the plan placed or missed, each with its misses. */
function removalDates(plan: RolloutPlan): RemovalDate[] {
  const dates = new Map<IsoDate, RemovalDate>();
  const at = (date: IsoDate) => {
    const entry = dates.get(date) ?? { date, pools: 0, onTrack: true, misses: [] };
    dates.set(date, entry);
    return entry;
  };
  for (const migration of plan.waves.flatMap((wave) => wave.migrations)) {
    if (migration.deadline !== null) at(migration.deadline).pools++;
  }
  for (const miss of plan.misses) {
    if (miss.deadline === null) continue;
    const entry = at(miss.deadline);
    // A pool in no wave is counted here; a late one was counted with its wave.
    if (miss.daysLate === null) entry.pools++;
    entry.misses.push(miss);
    entry.onTrack = false;
  }
  return [...dates.values()].sort((a, b) => a.date.localeCompare(b.date));
}

async function auditOf(audit: AuditRepository, migrationId: string): Promise<MigrationCompliance["audit"]> {
  // The head first: a record appended meanwhile is then one more, not a missing one.
  const head = (await audit.head(migrationId)) ?? null;
  const records = await audit.list(migrationId);
  const verification = verifyChain(records, head);
  return {
    url: auditUrl(migrationId),
    records: records.length,
    verified: verification.ok,
    ...(!verification.ok && {
      problem: `${verification.problem} at record ${verification.index + 1} (${verification.id}): ${verification.detail}`,
    }),
  };
}

function compliancePool(a: PoolAssessment): CompliancePool {
  return {
    cluster: a.ref.cluster,
    clusterId: a.ref.clusterId,
    pool: a.ref.pool,
    osSku: a.osSku ?? null,
    kubernetesVersion: a.kubernetesVersion,
    endOfSupport: a.endOfSupport ?? null,
    imageRemoval: a.imageRemoval ?? null,
  };
}

export async function complianceReport(ports: CompliancePorts, now: Date): Promise<ComplianceResult> {
  const fleet = await currentFleet(ports);
  if (!fleet) return { kind: "no-inventory", reason: NO_INVENTORY };
  const assessments = assessFleet(fleet.clusters, fleet.calendar, now);
  const today = utcDayOf(now);

  const countsByState: Partial<Record<PoolState, number>> = {};
  const poolsByState: Partial<Record<PoolState, CompliancePool[]>> = {};
  for (const state of URGENCY_ORDER) {
    const inState = assessments.filter((a) => a.state === state);
    if (inState.length === 0) continue;
    countsByState[state] = inState.length;
    poolsByState[state] = inState.map(compliancePool);
  }
  const pastEndOfSupport = assessments
    .filter((a) => a.endOfSupport !== undefined && a.endOfSupport <= today)
    .map((a) => ({
      ...compliancePool(a),
      state: a.state,
      daysPastEndOfSupport: daysSince(a.endOfSupport as IsoDate, now),
    }))
    .sort((a, b) => b.daysPastEndOfSupport - a.daysPastEndOfSupport);

  const history = await ports.migrations.list();
  const migrations: MigrationCompliance[] = [];
  for (const record of history) {
    migrations.push({
      id: record.id,
      cluster: record.cluster,
      pool: record.pool,
      targetOsSku: record.targetOsSku,
      outcome: record.outcome ?? "active",
      requestedAt: record.requestedAt,
      updatedAt: record.updatedAt,
      audit: await auditOf(ports.audit, record.id),
    });
  }

  const plan = await planOnFleet(ports, fleet, history, DEFAULT_ROLLOUT_POLICY, now);
  return {
    kind: "report",
    report: {
      generatedAt: now.toISOString(),
      scan: fleet.scan,
      countsByState,
      poolsByState,
      pastEndOfSupport,
      migrations,
      removalDates: removalDates(plan),
      plan: {
        assumed: ASSUMED,
        start: plan.start,
        waves: plan.waves.length,
        unplanned: plan.unplanned,
        notes: plan.notes,
      },
    },
  };
}
