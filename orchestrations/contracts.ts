// Every orchestration and activity by name, with what it takes and returns: the workflows' contract
// modules (contracts/*.contract.ts) merged into one map each. callActivity, callSubOrchestrator and the
// registration helpers (steps/) are typed by these maps, so a wrong name, input or output does not
// compile. Contracts import only domain types.

import type { AlertsActivities, AlertsOrchestrations } from "./contracts/alerts.contract.ts";
import type {
  FleetRolloutActivities,
  FleetRolloutOrchestrations,
} from "./contracts/fleet-rollout.contract.ts";
import type {
  InventoryScanActivities,
  InventoryScanOrchestrations,
} from "./contracts/inventory-scan.contract.ts";
import type {
  PoolMigrationActivities,
  PoolMigrationOrchestrations,
} from "./contracts/pool-migration.contract.ts";

export interface ActivityTypes
  extends InventoryScanActivities,
    AlertsActivities,
    PoolMigrationActivities,
    FleetRolloutActivities {}

export interface OrchestrationTypes
  extends InventoryScanOrchestrations,
    AlertsOrchestrations,
    PoolMigrationOrchestrations,
    FleetRolloutOrchestrations {}

export type ActivityName = keyof ActivityTypes;
export type ActivityInput<K extends ActivityName> = ActivityTypes[K]["input"];
export type ActivityOutput<K extends ActivityName> = ActivityTypes[K]["output"];

export type OrchestrationName = keyof OrchestrationTypes;
export type OrchestrationInput<K extends OrchestrationName> = OrchestrationTypes[K]["input"];
export type OrchestrationOutput<K extends OrchestrationName> = OrchestrationTypes[K]["output"];

export const ORCHESTRATIONS = {
  inventoryScan: "inventory-scan",
  dependencyScans: "dependency-scans",
  alertsReevaluation: "alerts-reevaluation",
  poolMigration: "pool-migration",
  nodeDrain: "node-drain",
  fleetRollout: "fleet-rollout",
} as const satisfies Record<string, OrchestrationName>;

export const ACTIVITIES = {
  beginScan: "begin-scan",
  listFleet: "list-fleet",
  scanDependencies: "scan-dependencies",
  finishScan: "finish-scan",
  decideAlerts: "decide-alerts",
  deliverAlerts: "deliver-alerts",
  planMigration: "plan-migration",
  surveyPool: "survey-pool",
  saveMigration: "save-migration",
  recordAudit: "record-audit",
  notifyMigration: "notify-migration",
  requestPoolChange: "request-pool-change",
  pollPool: "poll-pool",
  validatePool: "validate-pool",
  setTaints: "set-taints",
  scaleWorkloads: "scale-workloads",
  workloadsReady: "workloads-ready",
  observeHealth: "observe-health",
  nodePods: "node-pods",
  evictPod: "evict-pod",
  deletePod: "delete-pod",
  accountMigration: "account-migration",
  saveRollout: "save-rollout",
  checkRolloutPool: "check-rollout-pool",
  notifyRollout: "notify-rollout",
} as const satisfies Record<string, ActivityName>;

/** Compiles only when `Named` lists every name of the contracts (a contract entry nobody can call is a slip). */
type EveryName<Named, Contracted> = [Exclude<Contracted, Named>] extends [never] ? true : never;
export const EVERY_ACTIVITY_NAMED: EveryName<(typeof ACTIVITIES)[keyof typeof ACTIVITIES], ActivityName> =
  true;
export const EVERY_ORCHESTRATION_NAMED: EveryName<
  (typeof ORCHESTRATIONS)[keyof typeof ORCHESTRATIONS],
  OrchestrationName
> = true;
