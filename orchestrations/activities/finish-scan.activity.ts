// Finishes the scan: begun again if its row is missing, the listing's missing writes redone, what the
// fan-out could not store recorded, then counted complete or incomplete. A scan already finished (a
// retried call) is returned as it was.
import * as df from "durable-functions";
import { capabilities } from "../../shared/composition.ts";
import type { ScanSummary } from "../../shared/domain/ports.ts";
import { finishInventoryScan } from "../../shared/inventory/finish-scan.ts";
import { ACTIVITIES, type FinishScanInput } from "../contracts.ts";

df.app.activity(ACTIVITIES.finishScan, {
  handler: (input: FinishScanInput): Promise<ScanSummary> =>
    finishInventoryScan(capabilities("state", "fleet"), input),
});
