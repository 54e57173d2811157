// Records what the fan-out could not, then counts the scan and marks it complete or incomplete. A scan
// already finished (a retried call) is returned as it was.
import * as df from "durable-functions";
import { composition } from "../../shared/composition.ts";
import type { ScanSummary } from "../../shared/domain/ports.ts";
import { recordDependencyFailure } from "../../shared/inventory/scan-dependencies.ts";
import { ACTIVITIES, type FinishScanInput } from "../contracts.ts";

df.app.activity(ACTIVITIES.finishScan, {
  handler: async (input: FinishScanInput): Promise<ScanSummary> => {
    const product = composition();
    const scan = await product.inventory.getScan(input.scanId);
    if (scan && scan.status !== "running") return scan;
    for (const { clusterId, error } of input.unrecorded) {
      await recordDependencyFailure(product, clusterId, {
        scanId: input.scanId,
        at: input.finishedAt,
        message: error,
      });
    }
    return product.inventory.finishScan(input.scanId, {
      finishedAt: input.finishedAt,
      incompleteReasons: input.incompleteReasons,
    });
  },
});
