// Lists the fleet through Resource Graph and records every cluster and pool in the scan's snapshot
// (the scan begun again if its row is missing); returns the ids and pool names of the clusters whose
// workloads this scan scans (SCAN_DEPENDENCIES_EVERY), not the clusters themselves.
import { capabilities } from "../../shared/composition.ts";
import { listAndRecordFleet } from "../../shared/inventory/list-fleet.ts";
import type { ListFleetInput, ListFleetOutput } from "../contracts/inventory-scan.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.listFleet, {
  handler: ({ now, ...scan }: ListFleetInput): Promise<ListFleetOutput> => {
    const product = capabilities("state", "fleet", "inventorySettings");
    const { dependencyRotationNights } = product.inventorySettings;
    return listAndRecordFleet(product, scan, new Date(now), dependencyRotationNights);
  },
});
