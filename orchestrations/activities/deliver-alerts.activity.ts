// Sends every pending alert to every configured sink, with backoff on the app's clock.
import * as df from "durable-functions";
import { composition } from "../../shared/composition.ts";
import { deliverAlerts } from "../../shared/inventory/scan-alerts.ts";
import { ACTIVITIES, type DeliverAlertsInput, type DeliverAlertsOutput } from "../contracts.ts";

df.app.activity(ACTIVITIES.deliverAlerts, {
  handler: (input: DeliverAlertsInput): Promise<DeliverAlertsOutput> =>
    deliverAlerts(composition(), input.holder),
});
