// Records that a scan began; a retried call finds the scan already begun and returns it.
import * as df from "durable-functions";
import { capabilities } from "../../shared/composition.ts";
import type { ScanSummary } from "../../shared/domain/ports.ts";
import { ACTIVITIES, type BeginScanInput } from "../contracts.ts";

df.app.activity(ACTIVITIES.beginScan, {
  handler: (input: BeginScanInput): Promise<ScanSummary> =>
    capabilities("state").inventory.beginScan(input.scanId, input.startedAt),
});
