// One message of the retirement-notices queue, read and recorded: the notice (once by id and content),
// the cluster event (once by event id), or the rejection with its reason. The queue trigger completes
// the message after this returns, a rejected one included (it is recorded, not retried); a transient
// storage error throws, so the message is delivered again and nothing is lost.

import { BASE_CALENDAR } from "../domain/lifecycle/data/base-calendar.ts";
import { noticeProblems } from "../domain/lifecycle/lifecycle-calendar.ts";
import type {
  NoticeAcceptance,
  NoticeRecord,
  NoticeRejection,
  NoticeRepository,
} from "../domain/ports/notices.ts";
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
  if (result.kind === "rejected") return refused(repository, result.rejection);
  if (result.kind === "cluster-event") {
    return {
      kind: "cluster-event",
      eventId: result.event.id,
      recorded: await repository.recordClusterEvent(result.event),
    };
  }
  // What AKS said about the cluster holds even when the calendar refuses the notice that came with it.
  const clusterEvent = result.clusterEvent && {
    id: result.clusterEvent.id,
    recorded: await repository.recordClusterEvent(result.clusterEvent),
  };
  const problems = await calendarProblems(repository, result.record);
  if (problems.length > 0) {
    const reason = `lifecycle notice refused: ${problems.length === 1 ? problems[0] : `${problems.length} problems`}`;
    return refused(repository, refusal(message, result.record, reason, problems));
  }
  const acceptance = await repository.acceptNotice(result.record);
  if (acceptance.kind === "id-conflict") {
    const rejection = refusal(
      message,
      result.record,
      `lifecycle notice refused: id ${acceptance.noticeId} was accepted before with other content`,
      [
        `id: ${acceptance.noticeId} is taken; give a correction an id of its own (the earlier notice is kept)`,
      ],
    );
    return refused(repository, rejection);
  }
  return {
    kind: "notice",
    noticeId: acceptance.noticeId,
    acceptance: acceptance.kind,
    storedNoticeId:
      acceptance.kind === "duplicate-content" ? acceptance.existingNoticeId : acceptance.noticeId,
    ...(clusterEvent && { clusterEvent }),
  };
}

/**
 * What the notice would break in the calendar as accepted so far (noticeProblems). One stored already
 * (redelivered, or the same statement under another id) is left to acceptNotice, which counts it once,
 * unless it restates a withdrawn notice: counted once, it would stay withdrawn without a word.
 */
async function calendarProblems(repository: NoticeRepository, record: NoticeRecord): Promise<string[]> {
  const accepted = await repository.notices();
  const { id } = record.notice;
  const same = accepted.find((stored) => stored.notice.id === id || stored.contentKey === record.contentKey);
  if (!same) {
    return noticeProblems(
      BASE_CALENDAR,
      accepted.map((stored) => stored.notice),
      record.notice,
    );
  }
  if (same.notice.id === id) return [];
  const withdrawal = accepted.find((stored) => stored.notice.withdraws === same.notice.id);
  return withdrawal
    ? [
        `states what notice ${same.notice.id} stated, which notice ${withdrawal.notice.id} withdrew: ` +
          "to state it again, say why in a note of its own",
      ]
    : [];
}

function refusal(
  message: NoticeMessage,
  record: NoticeRecord,
  reason: string,
  problems: string[],
): NoticeRejection {
  return {
    key: message.messageId ?? `notice:${record.notice.id}`,
    ...(message.messageId && { messageId: message.messageId }),
    receivedAt: message.receivedAt,
    reason,
    problems,
    bodyExcerpt: JSON.stringify(record.notice),
  };
}

async function refused(repository: NoticeRepository, rejection: NoticeRejection): Promise<IngestOutcome> {
  return { kind: "rejected", rejection, recorded: await repository.recordRejection(rejection) };
}
