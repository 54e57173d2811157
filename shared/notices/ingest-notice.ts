// One message of the retirement-notices queue, read and recorded: the notice (once by id and content),
// the cluster event (once by event id), or the rejection with its reason. The queue trigger completes
// the message after this returns, a rejected one included (it is recorded, not retried); a transient
// storage error throws, so the message is delivered again and nothing is lost.

import type { NoticeAcceptance, NoticeRejection, NoticeRepository } from "../domain/ports.ts";
import { type NoticeMessage, readNoticeMessage } from "./notice-intake.ts";

export type IngestOutcome =
  | {
      kind: "notice";
      noticeId: string;
      acceptance: Exclude<NoticeAcceptance["kind"], "id-conflict">;
      /**
       * The stored notice the message states: itself, or the earlier one with the same content. Alerts
       * are evaluated again once per stored notice; a duplicate still names it, since the delivery that
       * stored it may have failed before that started.
       */
      storedNoticeId: string;
      clusterEvent?: { id: string; recorded: "recorded" | "duplicate" };
    }
  | { kind: "cluster-event"; eventId: string; recorded: "recorded" | "duplicate" }
  | { kind: "rejected"; rejection: NoticeRejection; recorded: "recorded" | "duplicate" };

export async function ingestNoticeMessage(
  repository: NoticeRepository,
  message: NoticeMessage,
): Promise<IngestOutcome> {
  const result = readNoticeMessage(message);
  if (result.kind === "rejected") {
    return {
      kind: "rejected",
      rejection: result.rejection,
      recorded: await repository.recordRejection(result.rejection),
    };
  }
  if (result.kind === "cluster-event") {
    return {
      kind: "cluster-event",
      eventId: result.event.id,
      recorded: await repository.recordClusterEvent(result.event),
    };
  }
  const acceptance = await repository.acceptNotice(result.record);
  if (acceptance.kind === "id-conflict") {
    const rejection: NoticeRejection = {
      key: message.messageId ?? `notice:${acceptance.noticeId}`,
      ...(message.messageId && { messageId: message.messageId }),
      receivedAt: message.receivedAt,
      reason: `lifecycle notice refused: id ${acceptance.noticeId} was accepted before with other content`,
      problems: [
        `id: ${acceptance.noticeId} is taken; give a correction an id of its own (the earlier notice is kept)`,
      ],
      bodyExcerpt: JSON.stringify(result.record.notice),
    };
    return { kind: "rejected", rejection, recorded: await repository.recordRejection(rejection) };
  }
  const clusterEvent = result.clusterEvent && {
    id: result.clusterEvent.id,
    recorded: await repository.recordClusterEvent(result.clusterEvent),
  };
  return {
    kind: "notice",
    noticeId: acceptance.noticeId,
    acceptance: acceptance.kind,
    storedNoticeId:
      acceptance.kind === "duplicate-content" ? acceptance.existingNoticeId : acceptance.noticeId,
    ...(clusterEvent && { clusterEvent }),
  };
}
