// The sinks the settings configure, in the order they are tried.
import type { ServiceBusSender } from "@azure/service-bus";
import type { AlertSink } from "../domain/ports/alert-sinks.ts";
import type { AlertSinkSettings } from "../settings/alert-sinks.settings.ts";
import { serviceBusTopicSink } from "./service-bus-topic.sink.ts";
import { teamsSink } from "./teams.sink.ts";
import { webhookSink } from "./webhook.sink.ts";

/** `topicSender` is the composition root's sender for settings.topic (required when a topic is set). */
export function alertSinksFor(settings: AlertSinkSettings, topicSender?: ServiceBusSender): AlertSink[] {
  const sinks: AlertSink[] = [];
  if (settings.webhookUrl) sinks.push(webhookSink({ url: settings.webhookUrl }));
  if (settings.teamsWebhookUrl) {
    if (!settings.statusBaseUrl) throw new Error("the Teams sink needs STATUS_BASE_URL for its status links");
    sinks.push(teamsSink({ url: settings.teamsWebhookUrl, statusBaseUrl: settings.statusBaseUrl }));
  }
  if (settings.topic) {
    if (!topicSender)
      throw new Error(`alert topic ${settings.topic} is configured but no Service Bus sender was given`);
    if (topicSender.entityPath !== settings.topic) {
      throw new Error(
        `the sender given is for ${topicSender.entityPath}, not the alert topic ${settings.topic}`,
      );
    }
    sinks.push(serviceBusTopicSink(topicSender));
  }
  return sinks;
}
