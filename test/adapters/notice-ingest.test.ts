import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TableNoticeRepository } from "../../shared/azure/tables/notice-repository.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { findEntry, resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { currentCalendar } from "../../shared/inventory/current-calendar.ts";
import { ingestNoticeMessage } from "../../shared/notices/ingest-notice.ts";
import { useAzuriteTables } from "../support/table-fixture.ts";

const tables = useAzuriteTables();
const FIXTURES = join(import.meta.dirname, "../fixtures/notices");
const body = (name: string) => readFileSync(join(FIXTURES, name));
const SAMPLE = join(import.meta.dirname, "../../local/notices/azure-linux-2-removal-moved.notice.json");
const WITHDRAWAL = join(
  import.meta.dirname,
  "../../local/notices/azure-linux-2-removal-moved.withdrawal.json",
);
const AZURE_LINUX_2 = { kind: "osSku", value: "AzureLinux2" } as const;
const ingest = (repo: TableNoticeRepository, body: unknown, messageId: string, receivedAt: string) =>
  ingestNoticeMessage(repo, { body, messageId, receivedAt });
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

  it.each([
    [
      "invalid/notice-os-sku-path.json",
      /^lifecycle notice refused: subject\.value: expected an osSku as AKS names them.*, got "\.\.\/\.\.\/etc"$/,
    ],
    [
      "invalid/notice-removal-before-end-of-support.json",
      /^lifecycle notice refused: imageRemoval: must be on or after endOfSupport 2028-04-30/,
    ],
  ])("records %s as rejected, with the rule it breaks", async (name, reason) => {
    const repo = new TableNoticeRepository(tables.store());
    const outcome = await ingest(repo, body(name), "bad", "2026-11-25T08:00:00Z");
    expect(outcome).toMatchObject({ kind: "rejected", recorded: "recorded" });
    expect(await repo.notices()).toEqual([]);
    expect((await repo.rejections()).map((r) => r.reason)).toEqual([expect.stringMatching(reason)]);
  });
});

describe("withdrawals through ingest into Table Storage", () => {
  const sample = () => readFileSync(SAMPLE);
  const withdrawal = () => JSON.parse(readFileSync(WITHDRAWAL, "utf8"));
  const removal = async (repo: TableNoticeRepository) =>
    findEntry(await currentCalendar(repo), AZURE_LINUX_2)?.imageRemoval;

  async function withSample() {
    const repo = new TableNoticeRepository(tables.store());
    await ingest(repo, sample(), "n", "2026-11-25T08:00:00Z");
    expect((await removal(repo))?.date).toBe("2026-06-30");
    return repo;
  }

  it("records a withdrawal like any notice and takes the withdrawn date out; a redelivery changes nothing", async () => {
    const repo = await withSample();
    const message = { body: withdrawal(), messageId: "w", receivedAt: "2026-11-26T08:00:00Z" };
    expect(await ingestNoticeMessage(repo, message)).toEqual({
      kind: "notice",
      noticeId: "azl2-removal-2026-06-30-withdrawn",
      acceptance: "accepted",
      storedNoticeId: "azl2-removal-2026-06-30-withdrawn",
    });
    const base = findEntry(resolveCalendar(BASE_CALENDAR, []), AZURE_LINUX_2)?.imageRemoval;
    expect(await removal(repo)).toEqual(base);
    const stored = await repo.notices();
    expect(stored.map((n) => [n.notice.id, n.notice.withdraws])).toEqual([
      ["azl2-removal-2026-06-30", undefined],
      ["azl2-removal-2026-06-30-withdrawn", "azl2-removal-2026-06-30"],
    ]);

    // Redelivered (the same message, or the file sent again under another message id): counted once.
    expect(await ingestNoticeMessage(repo, { ...message, receivedAt: "2026-11-26T08:01:00Z" })).toMatchObject(
      {
        acceptance: "duplicate-id",
        storedNoticeId: "azl2-removal-2026-06-30-withdrawn",
      },
    );
    expect(await ingestNoticeMessage(repo, { ...message, messageId: "w-again" })).toMatchObject({
      acceptance: "duplicate-id",
    });
    expect(await repo.notices()).toEqual(stored);
    expect(await repo.rejections()).toEqual([]);
    expect(await removal(repo)).toEqual(base);
  });

  it("refuses withdrawing an unknown notice, a withdrawal, or a notice withdrawn already, and records why", async () => {
    const repo = await withSample();
    await ingest(repo, withdrawal(), "w", "2026-11-26T08:00:00Z");
    const stored = await repo.notices();
    const attempts = [
      ["unknown", { ...withdrawal(), id: "w-unknown", withdraws: "no-such-notice" }],
      ["of-withdrawal", { ...withdrawal(), id: "w-of-w", withdraws: "azl2-removal-2026-06-30-withdrawn" }],
      ["twice", { ...withdrawal(), id: "w-twice", note: "withdrawn again" }],
      ["other-subject", { ...withdrawal(), id: "w-other", subject: { kind: "osSku", value: "Ubuntu2204" } }],
    ] as const;
    for (const [messageId, attempt] of attempts) {
      const outcome = await ingestNoticeMessage(repo, {
        body: attempt,
        messageId,
        receivedAt: "2026-11-27T08:00:00Z",
      });
      expect(outcome, messageId).toMatchObject({ kind: "rejected", recorded: "recorded" });
    }
    expect(await repo.notices()).toEqual(stored);
    expect((await repo.rejections()).map((r) => [r.key, r.reason])).toEqual(
      [
        [
          "of-withdrawal",
          "notice azl2-removal-2026-06-30-withdrawn is itself a withdrawal, which cannot be withdrawn: to state dates again, send a notice",
        ],
        ["other-subject", "notice azl2-removal-2026-06-30 is about osSku AzureLinux2, not osSku Ubuntu2204"],
        [
          "twice",
          "notice azl2-removal-2026-06-30 was withdrawn already, by notice azl2-removal-2026-06-30-withdrawn",
        ],
        ["unknown", "no notice no-such-notice has been accepted"],
      ].map(([key, problem]) => [key, `lifecycle notice refused: withdraws: ${problem}`]),
    );
  });

  it("refuses the withdrawn statement under a new id, and takes it with a note of its own", async () => {
    const repo = await withSample();
    await ingest(repo, withdrawal(), "w", "2026-11-26T08:00:00Z");
    const restated = { ...JSON.parse(sample().toString()), id: "azl2-removal-again" };
    const outcome = await ingest(repo, restated, "again", "2026-11-27T08:00:00Z");
    expect(outcome).toMatchObject({
      kind: "rejected",
      rejection: {
        reason:
          "lifecycle notice refused: states what notice azl2-removal-2026-06-30 stated, which notice " +
          "azl2-removal-2026-06-30-withdrawn withdrew: to state it again, say why in a note of its own",
      },
    });
    const withNote = { ...restated, note: "Confirmed after all." };
    expect(await ingest(repo, withNote, "again-2", "2026-11-28T08:00:00Z")).toMatchObject({
      kind: "notice",
      acceptance: "accepted",
    });
    expect(await removal(repo)).toMatchObject({ date: "2026-06-30", noticeId: "azl2-removal-again" });
  });

  it("checks a notice stating one date against the other as the stored calendar has it", async () => {
    const repo = await withSample();
    const endOfSupportLater = {
      id: "azl2-eos-later",
      subject: AZURE_LINUX_2,
      endOfSupport: "2026-05-31",
      sourceUrl: "https://github.com/Azure/AKS/issues/4988",
    };
    // Fits the removal the sample moved to 2026-06-30 ...
    expect(await ingest(repo, endOfSupportLater, "e", "2026-11-26T08:00:00Z")).toMatchObject({
      kind: "notice",
      acceptance: "accepted",
    });
    // ... so the sample can no longer be withdrawn: the base removal, 2026-03-31, would come first.
    const outcome = await ingest(repo, withdrawal(), "w", "2026-11-27T08:00:00Z");
    expect(outcome).toMatchObject({
      kind: "rejected",
      rejection: {
        problems: [
          "withdraws: without notice azl2-removal-2026-06-30, osSku AzureLinux2 would lose its images on 2026-03-31 " +
            "(the base calendar), before its end of support on 2026-05-31 (notice azl2-eos-later); send a notice that states both dates instead",
        ],
      },
    });
    expect((await repo.notices()).map((n) => n.notice.id)).toEqual([
      "azl2-removal-2026-06-30",
      "azl2-eos-later",
    ]);
  });

  it("keeps an AKS event's word about its cluster when the calendar refuses the notice it carries", async () => {
    const repo = new TableNoticeRepository(tables.store());
    const event = JSON.parse(body("event-grid-scheduled-event-eol.json").toString());
    await ingest(repo, event, "e1", "2025-11-25T03:00:05Z");
    const withdrawn = `scheduled-event:${event.id}`;
    const withdrawing = {
      id: "eol-withdrawn",
      withdraws: withdrawn,
      subject: { kind: "kubernetesVersion", value: "1.31" },
      sourceUrl: "https://github.com/Azure/AKS/issues/4988",
    };
    expect(await ingest(repo, withdrawing, "w", "2025-11-26T00:00:00Z")).toMatchObject({
      kind: "notice",
      acceptance: "accepted",
    });
    // A week later AKS says the same of the same version in a new event.
    const again = { ...event, id: "9e4f5a6b-0000-4000-8000-000000000001" };
    const outcome = await ingest(repo, again, "e2", "2025-12-02T03:00:05Z");
    expect(outcome).toMatchObject({
      kind: "rejected",
      rejection: { reason: expect.stringContaining(`which notice eol-withdrawn withdrew`) },
    });
    expect((await repo.clusterEvents(CLUSTER)).map((e) => e.id)).toEqual([event.id, again.id]);
    expect((await repo.notices()).map((n) => n.notice.id)).toEqual([withdrawn, "eol-withdrawn"]);
  });

  it("sets aside a stored notice that breaks today's rules, so the calendar and the intake keep working", async () => {
    const repo = await withSample();
    // Accepted before osSku names were checked.
    const legacy = {
      id: "legacy",
      subject: { kind: "osSku" as const, value: "../../etc" },
      endOfSupport: "2027-06-30",
      sourceUrl: "https://example.com/legacy",
      note: "",
      receivedAt: "2026-11-25T09:00:00Z",
    };
    await repo.acceptNotice({ notice: legacy, origin: "operator", contentKey: "legacy" });
    const calendar = await currentCalendar(repo);
    expect(calendar.setAside).toEqual([
      {
        notice: legacy,
        reason: expect.stringMatching(
          /^lifecycle notice "legacy": subject\.value "\.\.\/\.\.\/etc": expected an osSku/,
        ),
      },
    ]);
    expect(findEntry(calendar, AZURE_LINUX_2)?.imageRemoval?.date).toBe("2026-06-30");
    expect(await ingest(repo, withdrawal(), "w", "2026-11-26T08:00:00Z")).toMatchObject({
      acceptance: "accepted",
    });
    expect(findEntry(await currentCalendar(repo), AZURE_LINUX_2)?.imageRemoval?.noticeId).toBeUndefined();
  });
});
