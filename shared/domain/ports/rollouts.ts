// Fleet rollouts' product state: the record people read. The audit chain of a rollout is the
// AuditRepository's, keyed by the rollout id. Adapters: shared/azure/tables and shared/sqlite; one
// contract suite runs against both.

import type { RolloutRecord, RolloutStatus } from "../rollout/rollout-record.ts";

export interface RolloutRepository {
  /** Keeps the record with the highest revision: writing a lower or equal one changes nothing. */
  save(record: RolloutRecord): Promise<void>;
  get(id: string): Promise<RolloutRecord | undefined>;
  /** Newest request first. */
  list(filter?: { status?: RolloutStatus }): Promise<RolloutRecord[]>;
}
