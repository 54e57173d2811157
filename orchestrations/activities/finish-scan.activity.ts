// Finishes the scan: begun again if its row is missing, the listing's missing writes redone, what the
// fan-out could not store recorded, then counted complete or incomplete. A scan already finished (a
// retried call) is returned as it was.
import { capabilities } from "../../shared/composition.ts";
import type { ScanSummary } from "../../shared/domain/ports/inventory.ts";
import { finishInventoryScan } from "../../shared/inventory/finish-scan.ts";
import type { FinishScanInput } from "../contracts/inventory-scan.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.finishScan, {
  handler: (input: FinishScanInput): Promise<ScanSummary> =>
    finishInventoryScan(capabilities("state", "fleet"), input),
});
