// Sending a notice file to the retirement-notices queue (the operator's `notices send`): the file is
// read with the queue's own intake first, so a bad file is refused on the operator's machine with the
// same reason the service would give, and nothing is sent. The message id is the file's id when it has
// one that Service Bus accepts (a notice's id, an event's id), else a hash of its content (keys sorted,
// so layout does not matter): the same file sent twice is dropped by the queue's duplicate detection
// and recorded once by the service.

import type { ServiceBusMessage } from "@azure/service-bus";
import type { NoticeRejection } from "../../shared/domain/ports/notices.ts";
import { canonicalJson } from "../../shared/domain/support/canonical-json.ts";
import { sha256 } from "../../shared/domain/support/sha256.ts";
import { type IntakeResult, readNoticeMessage } from "../../shared/notices/notice-intake.ts";

const MAX_MESSAGE_ID = 128;

export type PreparedNotice =
  | { ok: true; message: ServiceBusMessage & { messageId: string }; description: string }
  | { ok: false; rejection: NoticeRejection };

function messageIdOf(body: unknown): string {
  const id = (body as { id?: unknown } | null)?.id;
  if (typeof id === "string" && id.length > 0 && id.length <= MAX_MESSAGE_ID) return id;
  return sha256(canonicalJson(body));
}

function describe(result: Exclude<IntakeResult, { kind: "rejected" }>): string {
  if (result.kind === "cluster-event") return `cluster event: ${result.event.summary}`;
  const { notice } = result.record;
  const about = `${notice.subject.kind} ${notice.subject.value}`;
  if (notice.withdraws !== undefined) {
    return `withdrawal of notice ${notice.withdraws} about ${about} (source ${notice.sourceUrl})`;
  }
  const dates = [
    notice.endOfSupport && `end of support ${notice.endOfSupport}`,
    notice.imageRemoval && `images removed ${notice.imageRemoval}`,
  ].filter(Boolean);
  return `notice for ${about}: ${dates.join(", ")} (source ${notice.sourceUrl})`;
}

export function prepareNotice(text: string, now: Date): PreparedNotice {
  let body: unknown;
  try {
    body = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    // The intake says what is wrong with text that is not JSON.
    const result = readNoticeMessage({ body: text, receivedAt: now.toISOString() });
    if (result.kind === "rejected") return { ok: false, rejection: result.rejection };
  }
  const messageId = messageIdOf(body);
  const result = readNoticeMessage({ body, messageId, receivedAt: now.toISOString() });
  if (result.kind === "rejected") return { ok: false, rejection: result.rejection };
  return {
    ok: true,
    message: {
      body,
      messageId,
      contentType: "application/json",
      subject: result.shape,
      applicationProperties: { shape: result.shape },
    },
    description: describe(result),
  };
}
