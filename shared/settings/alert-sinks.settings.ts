// Where alerts go, each optional:
//   ALERT_WEBHOOK_URL          generic webhook for alerts
//   ALERT_TEAMS_WEBHOOK_URL    Microsoft Teams incoming webhook (needs STATUS_BASE_URL)
//   ALERT_TOPIC                Service Bus topic for alerts (needs a Service Bus connection)
//   STATUS_BASE_URL            public base URL of the product, for links to a pool's status

import { z } from "zod";
import {
  ENTITY_NAME,
  SERVICE_BUS_CONNECTION,
  SERVICE_BUS_NAMESPACE,
  serviceBusConfigured,
} from "./service-bus.settings.ts";
import { type Env, isSet, optionalText, serviceUrl, settingsGroup } from "./settings-group.ts";

export interface AlertSinkSettings {
  webhookUrl?: string;
  teamsWebhookUrl?: string;
  topic?: string;
  statusBaseUrl?: string;
}

function sinkNeeds(env: Env): string[] {
  const problems: string[] = [];
  if (isSet(env, "ALERT_TOPIC") && !serviceBusConfigured(env)) {
    problems.push(
      `ALERT_TOPIC needs a Service Bus connection: set ${SERVICE_BUS_CONNECTION} or ${SERVICE_BUS_NAMESPACE}`,
    );
  }
  if (isSet(env, "ALERT_TEAMS_WEBHOOK_URL") && !isSet(env, "STATUS_BASE_URL")) {
    problems.push("ALERT_TEAMS_WEBHOOK_URL needs STATUS_BASE_URL: the Teams card links to the pool's status");
  }
  return problems;
}

export const alertSinkSettings = settingsGroup({
  name: "alert sinks",
  schema: z.object({
    ALERT_WEBHOOK_URL: serviceUrl,
    ALERT_TEAMS_WEBHOOK_URL: serviceUrl,
    ALERT_TOPIC: optionalText.refine((value) => value === undefined || ENTITY_NAME.test(value), {
      message: "expected a Service Bus topic name: letters, digits, '.', '-', '_' or '/'",
    }),
    STATUS_BASE_URL: serviceUrl,
  }),
  checks: sinkNeeds,
  build: (env): AlertSinkSettings => ({
    ...(env.ALERT_WEBHOOK_URL && { webhookUrl: env.ALERT_WEBHOOK_URL }),
    ...(env.ALERT_TEAMS_WEBHOOK_URL && { teamsWebhookUrl: env.ALERT_TEAMS_WEBHOOK_URL }),
    ...(env.ALERT_TOPIC && { topic: env.ALERT_TOPIC }),
    ...(env.STATUS_BASE_URL && { statusBaseUrl: env.STATUS_BASE_URL }),
  }),
});
