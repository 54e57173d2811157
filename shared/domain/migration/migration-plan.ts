// The preflight's result: what the migration will do, what stands in its way, and how a person would do
// it by hand. Built by a pure function from facts read without changing anything.

import type { ApprovalPolicy, TagSelector } from "../access/approval-policy.ts";
import type { Cost, PriceTable } from "../cost/cost.ts";
import type { Cluster, NodePool, NodePoolMode, OsType } from "../fleet/model.ts";
import type { DatedFact } from "../lifecycle/lifecycle-calendar.ts";
import type { WorkloadRef } from "../risk/migration-risk.ts";
import type { ClusterFacts } from "../workloads/cluster-facts.ts";
import type { HealthThresholds, MigrationOptions, MigrationStrategy } from "./migration-options.ts";
import type { PodName } from "./migration-record.ts";

/** The vCPU quota of a VM family in the cluster's region, where ARM tells. */
export interface VcpuQuota {
  family: string;
  limit: number;
  used: number;
}

export interface PreflightFacts {
  cluster: Cluster;
  pool: NodePool;
  targetOsSku: string;
  /** The cluster's workloads, as the inventory reads them. */
  workloads: ClusterFacts;
  /** Undefined when ARM does not tell (no permission, no such API): a warning, not a block. */
  quota?: VcpuQuota;
  /** vCPUs of the pool's VM size, when known. */
  vcpusPerNode?: number;
  prices: PriceTable;
  options: MigrationOptions;
  now: string;
  /** The app's policy: cluster tags that ask for two approvers. */
  twoApproversWhere: readonly TagSelector[];
  /** When the old pool's node images are removed, per the lifecycle calendar (after it, it cannot scale). */
  oldImageRemoval?: DatedFact;
}

/** blocking holds the migration at gate "override"; warning and info are shown. */
export type FindingSeverity = "blocking" | "warning" | "info";

export interface Finding {
  code: string;
  severity: FindingSeverity;
  detail: string;
  fix?: string;
  /** The pod, workload, budget or node it is about. */
  subject?: string;
}

/** The new pool as ARM is asked to create it: the old pool's shape with the target osSku. */
export interface PoolSpec {
  name: string;
  mode: NodePoolMode;
  osType: OsType;
  osSku: string;
  vmSize: string;
  count: number;
  orchestratorVersion: string;
  availabilityZones: string[];
  nodeLabels: Record<string, string>;
  nodeTaints: string[];
  maxPods?: number;
  vnetSubnetId?: string;
  enableAutoScaling: boolean;
  minCount?: number;
  maxCount?: number;
  /** ARM tags on the agent pool; the migration names itself in MIGRATION_TAG. */
  tags?: Record<string, string>;
}

/** The tag a migration puts on the pool it creates: a pool of that name it did not create is not its own. */
export const MIGRATION_TAG = "aks-image-lifecycle-migration";

export interface RunbookStep {
  title: string;
  /** The real az and kubectl commands, with this cluster's names filled in. */
  commands: string[];
  note?: string;
}

export interface MigrationPlan {
  clusterId: string;
  cluster: string;
  pool: string;
  targetOsSku: string;
  strategy: { chosen: MigrationStrategy; reasons: string[] };
  /** Absent for an in-place update. */
  newPool?: PoolSpec;
  /** The old pool's nodes, least critical first: the drain's order. */
  drainOrder: string[];
  /** The drain order cut into the batches that drain at once (options.batchSize; "auto" by budgets). */
  batches: string[][];
  pods: { evict: number; skipped: Record<string, number>; blocked: PodName[] };
  /** Deployments and statefulsets with pods on the pool, and their replicas now (pre-positioning). */
  controllers: { workload: WorkloadRef; replicas: number }[];
  findings: Finding[];
  /** True when a finding is blocking: the migration waits at gate "override". */
  blocked: boolean;
  steps: string[];
  runbook: RunbookStep[];
  thresholds: HealthThresholds;
  rollback: RunbookStep[];
  cost: { overlapNodeHours: number; durationHours: number; estimate: Cost };
  /** Who may approve this migration's gates: the cluster's tags and the app's policy at preflight. */
  approvals: ApprovalPolicy;
  /**
   * Whether the drain deletes the old pool's drained machines: the option, unless the old image is removed
   * before the migration would end (a rollback could not scale the pool back). Absent in older plans.
   */
  oldPoolShrinks?: boolean;
  /** When the old pool's node images are removed, if the calendar says: looked at again when the drain begins. */
  oldImageRemoval?: DatedFact;
}
