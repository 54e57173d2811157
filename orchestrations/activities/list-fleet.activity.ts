// Lists the fleet through Resource Graph and records every cluster and pool in the scan's snapshot
// (the scan begun again if its row is missing); returns the clusters' ids and pool names for the
// fan-out, not the clusters themselves.
import { capabilities } from "../../shared/composition.ts";
import { listAndRecordFleet } from "../../shared/inventory/list-fleet.ts";
import type { ListFleetInput, ListFleetOutput } from "../contracts/inventory-scan.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.listFleet, {
  handler: ({ now, ...scan }: ListFleetInput): Promise<ListFleetOutput> =>
    listAndRecordFleet(capabilities("state", "fleet"), scan, new Date(now)),
});
