// Decides the alerts for a scan's pools (the latest scan's when none is named) and stores them pending.
import { capabilities } from "../../shared/composition.ts";
import { decideScanAlerts } from "../../shared/inventory/scan-alerts.ts";
import type { DecideAlertsInput, DecideAlertsOutput } from "../contracts/alerts.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.decideAlerts, {
  handler: async (input: DecideAlertsInput): Promise<DecideAlertsOutput> => {
    const product = capabilities("state");
    const scanId = input.scanId ?? (await product.inventory.latestScan())?.scanId;
    if (scanId === undefined) return { kind: "no-scan" };
    return { kind: "decided", ...(await decideScanAlerts(product, scanId, new Date(input.now))) };
  },
});
