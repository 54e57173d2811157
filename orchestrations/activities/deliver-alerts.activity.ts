// Sends every pending alert to every configured sink, with backoff on the app's clock.
import * as df from "durable-functions";
import { capabilities } from "../../shared/composition.ts";
import { deliverAlerts } from "../../shared/inventory/scan-alerts.ts";
import { ACTIVITIES, type DeliverAlertsOutput } from "../contracts.ts";

df.app.activity(ACTIVITIES.deliverAlerts, {
  handler: (): Promise<DeliverAlertsOutput> => deliverAlerts(capabilities("state", "alertSinks", "clock")),
});
