// Alerts published to a Service Bus topic. The message id is the alert id, so the topic's duplicate
// detection drops a repeat (a send whose acknowledgement was lost, a re-run); Service Bus caps message
// ids at 128 characters, so a longer alert id is replaced by its SHA-256 (the full id travels in
// applicationProperties.alertId). Subscribers filter on subject (the stage) and the properties.

import { isServiceBusError, type ServiceBusMessage, type ServiceBusSender } from "@azure/service-bus";
import type { LifecycleAlert } from "../domain/alerts/alert-policy.ts";
import { type AlertSink, SinkError } from "../domain/ports/alert-sinks.ts";
import { sha256 } from "../domain/support/sha256.ts";

const MAX_MESSAGE_ID = 128;

export function topicMessageId(alertId: string): string {
  return alertId.length <= MAX_MESSAGE_ID ? alertId : `sha256:${sha256(alertId)}`;
}

export function alertMessage(alert: LifecycleAlert): ServiceBusMessage {
  return {
    body: alert,
    contentType: "application/json",
    messageId: topicMessageId(alert.id),
    subject: alert.stage ?? alert.kind,
    applicationProperties: {
      alertId: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      stage: alert.stage ?? alert.kind,
      state: alert.state,
      poolKey: alert.poolKey,
      pool: alert.pool.pool,
      cluster: alert.pool.cluster,
      clusterId: alert.pool.clusterId,
      subscriptionId: alert.pool.subscriptionId,
      lifecycleSubject: alert.subject,
    },
  };
}

export function serviceBusTopicSink(sender: ServiceBusSender, name = "topic"): AlertSink {
  return {
    name,
    async send(alert) {
      try {
        await sender.sendMessages(alertMessage(alert));
      } catch (error) {
        // The client has retried already; what it calls retryable may still pass on the next run.
        const transient = isServiceBusError(error) ? error.retryable : true;
        const message = error instanceof Error ? error.message : String(error);
        throw new SinkError(`Service Bus topic ${sender.entityPath}: ${message}`, {
          transient,
          cause: error,
        });
      }
    },
  };
}
