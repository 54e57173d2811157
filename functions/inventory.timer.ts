// The nightly inventory: starts inventory-scan under one instance id per UTC day, so a second firing the
// same day (a restart, a missed occurrence caught up) starts nothing.

import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { nightlyScanInstanceId } from "../orchestrations/contracts/instance-ids.ts";
import { capabilities } from "../shared/composition.ts";
import { loadInventorySchedule } from "../shared/settings.ts";
import { startScanOnce } from "./scan-starter.ts";

app.timer("inventory-timer", {
  schedule: loadInventorySchedule(process.env),
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: unknown, context: InvocationContext) => {
    const { clock } = capabilities("clock");
    const instanceId = nightlyScanInstanceId(new Date(clock.now()));
    const start = await startScanOnce(df.getClient(context), instanceId, "timer");
    if (start.kind === "started") context.log(`Started the nightly inventory scan ${instanceId}.`);
    else
      context.log(`The inventory scan ${instanceId} exists already (${start.runtimeStatus}): nothing to do.`);
  },
});
