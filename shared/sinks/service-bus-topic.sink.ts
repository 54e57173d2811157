// Alerts and migration notices published to a Service Bus topic. The message id is the alert's or
// notice's id, so the topic's duplicate detection drops a repeat (a send whose acknowledgement was lost,
// a re-run); Service Bus caps message ids at 128 characters, so a longer id is replaced by its SHA-256
// (the full id travels in applicationProperties.alertId or noticeId). Subscribers filter on subject (an
// alert's stage, or "migration") and the properties.

import { isServiceBusError, type ServiceBusMessage, type ServiceBusSender } from "@azure/service-bus";
import type { LifecycleAlert } from "../domain/alerts/alert-policy.ts";
import {
  MIGRATION_NOTICE_KIND,
  type MigrationNotice,
  migrationNoticeBody,
} from "../domain/migration/migration-notice.ts";
import { type AlertSink, SinkError } from "../domain/ports/alert-sinks.ts";
import { sha256 } from "../domain/support/sha256.ts";

const MAX_MESSAGE_ID = 128;

export function topicMessageId(id: string): string {
  return id.length <= MAX_MESSAGE_ID ? id : `sha256:${sha256(id)}`;
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

export function noticeMessage(notice: MigrationNotice): ServiceBusMessage {
  return {
    body: migrationNoticeBody(notice),
    contentType: "application/json",
    messageId: topicMessageId(notice.id),
    subject: MIGRATION_NOTICE_KIND,
    applicationProperties: {
      noticeId: notice.id,
      kind: MIGRATION_NOTICE_KIND,
      migrationId: notice.migrationId,
      cluster: notice.cluster,
      pool: notice.pool,
      severity: notice.severity,
    },
  };
}

export function serviceBusTopicSink(sender: ServiceBusSender, name = "topic"): AlertSink {
  const publish = async (message: ServiceBusMessage) => {
    try {
      await sender.sendMessages(message);
    } catch (error) {
      // The client has retried already; what it calls retryable may still pass on the next run.
      const transient = isServiceBusError(error) ? error.retryable : true;
      const text = error instanceof Error ? error.message : String(error);
      throw new SinkError(`Service Bus topic ${sender.entityPath}: ${text}`, { transient, cause: error });
    }
  };
  return {
    name,
    send: (alert) => publish(alertMessage(alert)),
    sendNotice: (notice) => publish(noticeMessage(notice)),
  };
}
