// One cluster's dependency scan. Never throws: a cluster that fails is an outcome (recorded with its
// error), and should even recording fail, the failure is returned for finish-scan to record.
import * as df from "durable-functions";
import { capabilities } from "../../shared/composition.ts";
import { scanClusterDependencies } from "../../shared/inventory/scan-dependencies.ts";
import { ACTIVITIES, type ScanDependenciesInput, type ScanDependenciesOutput } from "../contracts.ts";
import { errorMessage } from "../steps/call-activity.ts";

df.app.activity(ACTIVITIES.scanDependencies, {
  handler: async (input: ScanDependenciesInput): Promise<ScanDependenciesOutput> => {
    try {
      return await scanClusterDependencies(capabilities("state", "kube", "clock"), input);
    } catch (error) {
      return { kind: "failed", clusterId: input.clusterId, error: errorMessage(error), recorded: false };
    }
  },
});
