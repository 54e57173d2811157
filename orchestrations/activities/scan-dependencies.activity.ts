// One cluster's dependency scan. Never throws: a cluster that fails is an outcome (recorded with its
// error), and should even recording fail, the failure is returned for finish-scan to record.
import { capabilities } from "../../shared/composition.ts";
import { scanClusterDependencies } from "../../shared/inventory/scan-dependencies.ts";
import type { ScanDependenciesInput, ScanDependenciesOutput } from "../contracts/inventory-scan.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { errorMessage } from "../steps/call-activity.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.scanDependencies, {
  handler: async (input: ScanDependenciesInput): Promise<ScanDependenciesOutput> => {
    try {
      return await scanClusterDependencies(capabilities("state", "kube", "clock"), input);
    } catch (error) {
      return { kind: "failed", clusterId: input.clusterId, error: errorMessage(error), recorded: false };
    }
  },
});
