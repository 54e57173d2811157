// Records that a scan began; a retried call finds the scan already begun and returns it.
import { capabilities } from "../../shared/composition.ts";
import type { ScanSummary } from "../../shared/domain/ports/inventory.ts";
import type { BeginScanInput } from "../contracts/inventory-scan.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.beginScan, {
  handler: (input: BeginScanInput): Promise<ScanSummary> =>
    capabilities("state").inventory.beginScan(input.scanId, input.startedAt),
});
