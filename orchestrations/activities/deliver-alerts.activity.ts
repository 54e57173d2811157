// Sends every pending alert to every configured sink, with backoff on the app's clock.

import { deliverAlerts } from "../../shared/alerts/deliver-alerts.ts";
import { capabilities } from "../../shared/composition.ts";
import type { DeliverAlertsInput, DeliverAlertsOutput } from "../contracts/alerts.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.deliverAlerts, {
  handler: (input: DeliverAlertsInput): Promise<DeliverAlertsOutput> =>
    deliverAlerts(capabilities("state", "alertSinks", "clock"), input.holder),
});
