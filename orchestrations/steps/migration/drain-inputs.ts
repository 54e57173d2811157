// What a node drain is given beside its node: shared by the drain's batches and a rollback's drain back.

import { type BudgetLoad, unbudgetedBeside } from "../../../shared/domain/migration/drain-batches.ts";
import type { NodeDrainInput } from "../../contracts/pool-migration.contract.ts";

/** What the other nodes drained with `node` hold of workloads no budget covers, when they hold any. */
export function besideIn(
  budgets: Pick<BudgetLoad, "perNode"> | undefined,
  node: string,
  batch: readonly string[],
): Pick<NodeDrainInput, "unbudgetedBeside"> {
  const beside = unbudgetedBeside(budgets, node, batch);
  return Object.keys(beside).length > 0 ? { unbudgetedBeside: beside } : {};
}
