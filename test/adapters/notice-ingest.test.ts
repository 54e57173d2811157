import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TableNoticeRepository } from "../../shared/azure/tables/notice-repository.ts";
import { BASE_CALENDAR } from "../../shared/domain/data/base-calendar.ts";
import { findEntry, resolveCalendar } from "../../shared/domain/lifecycle-calendar.ts";
import { ingestNoticeMessage } from "../../shared/notices/ingest-notice.ts";
import { useAzuriteTables } from "./table-fixture.ts";

const tables = useAzuriteTables();
const FIXTURES = join(import.meta.dirname, "../fixtures/notices");
const body = (name: string) => readFileSync(join(FIXTURES, name));
const SAMPLE = join(import.meta.dirname, "../../local/notices/azure-linux-2-removal-moved.notice.json");
const CLUSTER =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod-weu";

describe("ingestNoticeMessage into Table Storage", () => {
  it("records a notice once: a redelivery and the same notice under another message id change nothing", async () => {
    const repo = new TableNoticeRepository(tables.store());
    const message = {
      body: body("kubernetes-1-33-end-of-support.notice.json"),
      messageId: "m1",
      receivedAt: "2026-11-25T08:00:00Z",
    };
    expect(await ingestNoticeMessage(repo, message)).toEqual({
      kind: "notice",
      noticeId: "message:m1",
      acceptance: "accepted",
      storedNoticeId: "message:m1",
    });
    expect(await ingestNoticeMessage(repo, { ...message, receivedAt: "2026-11-25T08:05:00Z" })).toMatchObject(
      {
        acceptance: "duplicate-id",
        storedNoticeId: "message:m1",
      },
    );
    expect(await ingestNoticeMessage(repo, { ...message, messageId: "m2" })).toMatchObject({
      noticeId: "message:m2",
      acceptance: "duplicate-content",
      storedNoticeId: "message:m1",
    });
    const notices = await repo.notices();
    expect(notices.map((n) => n.notice.id)).toEqual(["message:m1"]);
    const calendar = resolveCalendar(
      BASE_CALENDAR,
      notices.map((n) => n.notice),
    );
    expect(findEntry(calendar, { kind: "kubernetesVersion", value: "1.33" })?.endOfSupport).toMatchObject({
      date: "2026-08-31",
      noticeId: "message:m1",
    });
  });

  it("records an end-of-support scheduled event as a notice and a cluster event, each once", async () => {
    const repo = new TableNoticeRepository(tables.store());
    const message = {
      body: body("event-grid-scheduled-event-eol.json"),
      messageId: "7b2c",
      receivedAt: "2025-11-25T03:00:05Z",
    };
    const first = await ingestNoticeMessage(repo, message);
    expect(first).toMatchObject({
      kind: "notice",
      acceptance: "accepted",
      clusterEvent: { recorded: "recorded" },
    });
    const again = await ingestNoticeMessage(repo, message);
    expect(again).toMatchObject({ acceptance: "duplicate-id", clusterEvent: { recorded: "duplicate" } });
    expect((await repo.clusterEvents(CLUSTER)).map((e) => e.kind)).toEqual(["end-of-support-notification"]);
  });

  it("records a cluster event once per event id", async () => {
    const repo = new TableNoticeRepository(tables.store());
    const message = {
      body: body("cloud-event-node-pool-rolling-failed.json"),
      receivedAt: "2026-11-03T10:00:01Z",
    };
    expect(await ingestNoticeMessage(repo, message)).toEqual({
      kind: "cluster-event",
      eventId: "8c1f3d5e-0c7e-4c3b-9a51-3c2d1b8f0a04",
      recorded: "recorded",
    });
    expect((await ingestNoticeMessage(repo, message)).kind).toBe("cluster-event");
    expect(await repo.clusterEvents(CLUSTER)).toHaveLength(1);
  });

  it("records a rejected message with its reason and applies nothing of it", async () => {
    const repo = new TableNoticeRepository(tables.store());
    const message = {
      body: body("invalid/notice-bad-date-and-http-source.json"),
      messageId: "bad-1",
      receivedAt: "2026-11-25T08:00:00Z",
    };
    const outcome = await ingestNoticeMessage(repo, message);
    if (outcome.kind !== "rejected") throw new Error(`expected a rejection, got ${outcome.kind}`);
    expect(outcome.recorded).toBe("recorded");
    expect(await repo.notices()).toEqual([]);
    expect((await repo.rejections()).map((r) => r.reason)).toEqual(["lifecycle notice refused: 2 problems"]);
    expect((await repo.rejections())[0]?.problems).toEqual([
      'imageRemoval: expected a calendar date YYYY-MM-DD, got "2026-02-30"',
      'sourceUrl: expected an https URL, got "http://example.com/retirement"',
    ]);
    expect((await ingestNoticeMessage(repo, message)).kind).toBe("rejected");
    expect(await repo.rejections()).toHaveLength(1);
  });

  it("refuses a notice that reuses an accepted id for other content, keeping the first", async () => {
    const repo = new TableNoticeRepository(tables.store());
    const original = JSON.parse(readFileSync(SAMPLE, "utf8"));
    await ingestNoticeMessage(repo, { body: original, messageId: "a", receivedAt: "2026-11-25T08:00:00Z" });
    const reused = { ...original, imageRemoval: "2026-09-30" };
    const outcome = await ingestNoticeMessage(repo, {
      body: reused,
      messageId: "b",
      receivedAt: "2026-11-26T08:00:00Z",
    });
    expect(outcome).toMatchObject({
      kind: "rejected",
      rejection: {
        reason: "lifecycle notice refused: id azl2-removal-2026-06-30 was accepted before with other content",
      },
    });
    expect((await repo.notices()).map((n) => n.notice.imageRemoval)).toEqual(["2026-06-30"]);
  });
});
