import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { findEntry, resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { sha256 } from "../../shared/domain/support/sha256.ts";
import {
  type IntakeResult,
  type NoticeMessage,
  readNoticeMessage,
} from "../../shared/notices/notice-intake.ts";
import { EVENT_SOURCES } from "../../shared/notices/notice-sources.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/notices");
/** The sample operators are shown (npm start, README). */
const SAMPLE = join(import.meta.dirname, "../../local/notices/azure-linux-2-removal-moved.notice.json");
/** Its withdrawal, also shown to operators. */
const WITHDRAWAL = join(
  import.meta.dirname,
  "../../local/notices/azure-linux-2-removal-moved.withdrawal.json",
);
const CLUSTER =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod-weu";
const RECEIVED = "2026-11-25T08:00:00.000Z";

function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES, name), "utf8");
}

function read(name: string, message: Partial<NoticeMessage> = {}): IntakeResult {
  return readNoticeMessage({ body: fixture(name), messageId: "msg-1", receivedAt: RECEIVED, ...message });
}

function readBody(body: unknown): IntakeResult {
  return readNoticeMessage({ body, receivedAt: RECEIVED });
}

function rejected(result: IntakeResult) {
  if (result.kind !== "rejected") throw new Error(`expected a rejection, got ${result.kind}`);
  return result.rejection;
}

describe("readNoticeMessage: the product's own notice", () => {
  it("reads a notice into a calendar notice with the file's id, normalised subject and a content key", () => {
    const result = read(SAMPLE);
    expect(result.kind).toBe("notice");
    if (result.kind !== "notice") return;
    expect(result.shape).toBe("product-notice");
    expect(result.record).toMatchObject({
      notice: {
        id: "azl2-removal-2026-06-30",
        subject: { kind: "osSku", value: "AzureLinux2" },
        imageRemoval: "2026-06-30",
        sourceUrl: "https://github.com/Azure/AKS/issues/4988",
        receivedAt: RECEIVED,
      },
      origin: "operator",
      messageId: "msg-1",
    });
    expect(result.record.contentKey).toMatch(/^[0-9a-f]{64}$/);
    // The notice applies to the calendar as it is.
    const calendar = resolveCalendar(BASE_CALENDAR, [result.record.notice]);
    expect(findEntry(calendar, { kind: "osSku", value: "AzureLinux2" })?.imageRemoval?.date).toBe(
      "2026-06-30",
    );
  });

  it("derives the id from the message id, so a redelivered message is the same notice", () => {
    const first = read("kubernetes-1-33-end-of-support.notice.json", { messageId: "abc" });
    const again = read("kubernetes-1-33-end-of-support.notice.json", {
      messageId: "abc",
      receivedAt: "2026-11-26T00:00:00Z",
    });
    if (first.kind !== "notice" || again.kind !== "notice") throw new Error("expected notices");
    expect(first.record.notice.id).toBe("message:abc");
    expect(again.record.notice.id).toBe(first.record.notice.id);
    expect(again.record.contentKey).toBe(first.record.contentKey);
    expect(first.record.notice.note).toBe("");
  });

  it("gives the same content key to the same statement, whatever its id, spacing or version spelling", () => {
    const a = readNoticeMessage({
      body: {
        id: "a",
        subject: { kind: "kubernetesVersion", value: "1.33.4" },
        endOfSupport: "2026-08-31",
        sourceUrl: "https://x.test/a",
      },
      receivedAt: RECEIVED,
    });
    const b = readNoticeMessage({
      body: Buffer.from(
        '\uFEFF{"id":"b","subject":{"kind":"kubernetesVersion","value":" 1.33 "},"endOfSupport":"2026-08-31","sourceUrl":"https://x.test/a"}',
      ),
      receivedAt: RECEIVED,
    });
    if (a.kind !== "notice" || b.kind !== "notice") throw new Error("expected notices");
    expect(a.record.notice.subject).toEqual({ kind: "kubernetesVersion", value: "1.33" });
    expect(b.record.contentKey).toBe(a.record.contentKey);
  });

  it("names every problem: impossible date and a source that is not https", () => {
    const rejection = rejected(read("invalid/notice-bad-date-and-http-source.json"));
    expect(rejection.reason).toBe("lifecycle notice refused: 2 problems");
    expect(rejection.problems).toEqual([
      'imageRemoval: expected a calendar date YYYY-MM-DD, got "2026-02-30"',
      'sourceUrl: expected an https URL, got "http://example.com/retirement"',
    ]);
    expect(rejection).toMatchObject({ key: "msg-1", messageId: "msg-1", receivedAt: RECEIVED });
    expect(rejection.bodyExcerpt).toContain("2026-02-30");
  });

  it("refuses a misspelt field rather than ignoring it, and a notice without any date", () => {
    const rejection = rejected(read("invalid/notice-misspelt-field.json"));
    expect(rejection.problems).toEqual([
      "(body): unknown field(s) endOfSuport",
      "(body): states neither endOfSupport nor imageRemoval: give at least one date",
    ]);
  });

  it("refuses an unknown subject kind, saying which kinds there are", () => {
    const rejection = rejected(read("invalid/notice-unknown-subject-kind.json"));
    expect(rejection.problems).toHaveLength(1);
    expect(rejection.problems[0]).toMatch(
      /^subject\.kind: .*"osSku".*"imageFamily".*"kubernetesVersion".*, got "os"$/,
    );
  });

  it("applies the calendar's own rules: an osSku that means different OS versions is refused", () => {
    const rejection = rejected(read("invalid/notice-unversioned-os-sku.json", { messageId: undefined }));
    expect(rejection.reason).toMatch(
      /osSku AzureLinux gives different OS versions by Kubernetes version; name the versioned OS/,
    );
    expect(rejection.key).toMatch(/^sha256:[0-9a-f]{64}$/);
    const badVersion = readBody({
      subject: { kind: "kubernetesVersion", value: "latest" },
      endOfSupport: "2026-01-01",
      sourceUrl: "https://x.test",
    });
    expect(rejected(badVersion).reason).toBe(
      'lifecycle notice refused: subject.value: expected a Kubernetes version such as 1.33, got "latest"',
    );
  });

  it("refuses an osSku that is not a name AKS could give (letters and digits, starting with a letter)", () => {
    expect(rejected(read("invalid/notice-os-sku-path.json")).problems).toEqual([
      "subject.value: expected an osSku as AKS names them: letters and digits, starting with a letter " +
        '(AzureLinux3, Ubuntu2204, Windows2022), got "../../etc"',
    ]);
    for (const value of ["Ubuntu 2204", "2204Ubuntu", "Azure_Linux3", "AzureLinux3;"]) {
      const result = readBody({
        subject: { kind: "osSku", value },
        endOfSupport: "2027-01-01",
        sourceUrl: "https://x.test",
      });
      expect(rejected(result).reason, value).toMatch(
        /^lifecycle notice refused: subject\.value: expected an osSku/,
      );
    }
    const family = readBody({
      subject: { kind: "imageFamily", value: "AKSUbuntu/../2204" },
      imageRemoval: "2027-01-01",
      sourceUrl: "https://x.test",
    });
    expect(rejected(family).problems).toEqual([
      "subject.value: expected the start of a node image name: letters, digits and '-', starting with a letter " +
        '(AKSUbuntu-2204gen2fips), got "AKSUbuntu/../2204"',
    ]);
  });

  it("refuses an image removal before the end of support in the same notice", () => {
    expect(rejected(read("invalid/notice-removal-before-end-of-support.json")).reason).toBe(
      "lifecycle notice refused: imageRemoval: must be on or after endOfSupport 2028-04-30 " +
        '(images are removed once support has ended), got "2027-06-30"',
    );
    const sameDay = readBody({
      subject: { kind: "osSku", value: "Ubuntu2204" },
      endOfSupport: "2028-04-30",
      imageRemoval: "2028-04-30",
      sourceUrl: "https://x.test",
    });
    expect(sameDay.kind).toBe("notice");
  });
});

describe("readNoticeMessage: a withdrawal", () => {
  it("reads a withdrawal into a notice that names the withdrawn one and states no dates", () => {
    const result = read(WITHDRAWAL);
    if (result.kind !== "notice") throw new Error(`expected a notice, got ${result.kind}`);
    expect(result.shape).toBe("product-notice");
    expect(result.record).toEqual({
      notice: {
        id: "azl2-removal-2026-06-30-withdrawn",
        withdraws: "azl2-removal-2026-06-30",
        subject: { kind: "osSku", value: "AzureLinux2" },
        sourceUrl: "https://github.com/Azure/AKS/issues/4988",
        note: expect.stringMatching(/^Demo withdrawal/),
        receivedAt: RECEIVED,
      },
      origin: "operator",
      messageId: "msg-1",
      contentKey: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("keys its content by what it withdraws, and keeps the keys notices had before withdrawals", () => {
    const withdrawing = (withdraws: string) => {
      const result = readBody({
        withdraws,
        subject: { kind: "osSku", value: "AzureLinux2" },
        sourceUrl: "https://x.test",
      });
      if (result.kind !== "notice") throw new Error(`expected a notice, got ${result.kind}`);
      return result.record;
    };
    expect(withdrawing("a").contentKey).not.toBe(withdrawing("b").contentKey);
    expect(withdrawing("a").notice.id).toBe(`content:${withdrawing("a").contentKey.slice(0, 32)}`);
    const sample = read(SAMPLE);
    if (sample.kind !== "notice") throw new Error(`expected a notice, got ${sample.kind}`);
    const { subject, imageRemoval, sourceUrl, note } = sample.record.notice;
    expect(sample.record.contentKey).toBe(
      sha256(JSON.stringify([subject.kind, "azurelinux2", null, imageRemoval, sourceUrl, note])),
    );
  });

  it("refuses a withdrawal that states a date", () => {
    expect(rejected(read("invalid/withdrawal-with-date.json")).problems).toEqual([
      'imageRemoval: a withdrawal states no dates: send a notice to state them, got "2026-03-31"',
    ]);
  });

  it("refuses a withdrawal without the subject, or of itself", () => {
    const noSubject = readBody({ withdraws: "n1", sourceUrl: "https://x.test" });
    expect(rejected(noSubject).problems).toEqual(["subject: expected the subject, {kind, value}"]);
    const itself = readBody({
      id: "w",
      withdraws: "w",
      subject: { kind: "osSku", value: "AzureLinux2" },
      sourceUrl: "https://x.test",
    });
    expect(rejected(itself).problems).toEqual(['lifecycle notice "w": withdraws itself']);
  });
});

describe("readNoticeMessage: AKS events (Event Grid and CloudEvents schemas)", () => {
  it.each([
    [
      "event-grid-cluster-support-ending.json",
      "event-grid",
      "support-ending",
      { kubernetesVersion: "1.31.9" },
    ],
    [
      "cloud-event-cluster-support-ended.json",
      "cloud-event",
      "support-ended",
      { kubernetesVersion: "1.31.9" },
    ],
    ["event-grid-new-kubernetes-version.json", "event-grid", "new-kubernetes-versions", {}],
    ["event-grid-node-pool-rolling-started.json", "event-grid", "pool-rolling-started", { nodePool: "apps" }],
    [
      "event-grid-node-pool-rolling-succeeded.json",
      "event-grid",
      "pool-rolling-succeeded",
      { nodePool: "apps" },
    ],
    ["cloud-event-node-pool-rolling-failed.json", "cloud-event", "pool-rolling-failed", { nodePool: "apps" }],
  ])("%s is a %s cluster event of kind %s", (file, shape, kind, extra) => {
    const result = read(file);
    if (result.kind !== "cluster-event")
      throw new Error(`expected a cluster event, got ${JSON.stringify(result)}`);
    const body = JSON.parse(fixture(file));
    expect(result.shape).toBe(shape);
    expect(result.event).toMatchObject({
      id: body.id,
      kind,
      eventType: body.eventType ?? body.type,
      clusterId: CLUSTER,
      cluster: "prod-weu",
      occurredAt: new Date(body.eventTime ?? body.time).toISOString(),
      receivedAt: RECEIVED,
      sourceUrl: EVENT_SOURCES.aksEventGridSchema,
      details: body.data,
      ...extra,
    });
  });

  it("says what each event means in a line", () => {
    const summaries = [
      "event-grid-cluster-support-ending.json",
      "event-grid-new-kubernetes-version.json",
      "cloud-event-node-pool-rolling-failed.json",
    ].map((file) => {
      const result = read(file);
      return result.kind === "cluster-event" ? result.event.summary : result.kind;
    });
    expect(summaries).toEqual([
      "Kubernetes 1.31.9 on cluster prod-weu is going out of support soon",
      "New Kubernetes versions for cluster prod-weu: latest supported 1.37.1, latest stable 1.36.4, lowest minor 1.34.8, latest preview 1.38.0",
      "Node pool apps of cluster prod-weu: rolling its nodes (upgrade or update) failed",
    ]);
  });

  it("refuses an event type the queue does not take, listing those it does", () => {
    const rejection = rejected(read("invalid/event-grid-unknown-type.json"));
    expect(rejection.reason).toMatch(
      /^Event Grid event refused: eventType: Microsoft\.Storage\.BlobCreated is not an event this queue takes \(expected one of Microsoft\.ContainerService\.NewKubernetesVersionAvailable, .*ScheduledEventEmitted\)$/,
    );
  });

  it("refuses an AKS event whose topic is not a cluster and whose data lacks the pool, naming both", () => {
    const rejection = rejected(read("invalid/event-grid-rolling-without-pool.json"));
    expect(rejection.problems).toHaveLength(1);
    expect(rejection.problems[0]).toMatch(/^topic: expected a managed cluster resource id/);
    const fixedTopic = {
      ...JSON.parse(fixture("invalid/event-grid-rolling-without-pool.json")),
      topic: CLUSTER,
    };
    const again = rejected(readNoticeMessage({ body: fixedTopic, receivedAt: RECEIVED }));
    expect(again.problems).toEqual(["data.nodePoolName: Invalid input: expected string, received undefined"]);
  });

  it("refuses an envelope without its required fields", () => {
    const rejection = rejected(
      readNoticeMessage({
        body: { eventType: "Microsoft.ContainerService.ClusterSupportEnded", data: {} },
        receivedAt: RECEIVED,
      }),
    );
    expect(rejection.reason).toBe("Event Grid event refused: 4 problems");
    expect(rejection.problems.map((p) => p.split(":")[0])).toEqual([
      "id",
      "subject",
      "eventTime",
      "dataVersion",
    ]);
  });
});

describe("readNoticeMessage: AKS scheduled events (Resource Graph rows and the system topic's events)", () => {
  it("reads an end-of-support notification into a Kubernetes notice and a cluster event", () => {
    const result = read("resource-graph-eol-one-week.json");
    if (result.kind !== "notice") throw new Error(`expected a notice, got ${result.kind}`);
    expect(result.shape).toBe("resource-graph");
    expect(result.record.origin).toBe("resource-graph");
    expect(result.record.notice).toEqual({
      id: "scheduled-event:5f0e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b|KubernetesVersionEOLOneWeek|Scheduled",
      subject: { kind: "kubernetesVersion", value: "1.34" },
      endOfSupport: "2026-11-30",
      sourceUrl: EVENT_SOURCES.aksScheduledEvents,
      note: "AKS end-of-support notifications give 2026-11-30 as the end of support of Kubernetes 1.34 (eventDetails.eolDate).",
      receivedAt: RECEIVED,
    });
    expect(result.clusterEvent).toMatchObject({
      kind: "end-of-support-notification",
      clusterId: CLUSTER,
      cluster: "prod-weu",
      kubernetesVersion: "1.34.6",
      eolDate: "2026-11-30",
      summary:
        "KubernetesVersionEOLOneWeek: Kubernetes 1.34.6 on cluster prod-weu reaches end of support on 2026-11-30",
      sourceUrl: EVENT_SOURCES.aksScheduledEvents,
    });
  });

  it("reads a row without eventId or resources (the cluster from its id) the same on every nightly query", () => {
    const row = JSON.parse(fixture("resource-graph-eol-one-week.json"));
    row.id = row.id.replace("/resourceGroups/", "/resourcegroups/");
    delete row.properties.eventId;
    delete row.properties.resources;
    const tonight = readNoticeMessage({ body: row, receivedAt: RECEIVED });
    row.properties.lastUpdateTime = "2026-11-25T03:00:00Z";
    const tomorrow = readNoticeMessage({ body: row, receivedAt: "2026-11-26T08:00:00Z" });
    if (tonight.kind !== "notice" || tomorrow.kind !== "notice") throw new Error("expected notices");
    expect(tonight.clusterEvent?.clusterId).toBe(CLUSTER.replace("/resourceGroups/", "/resourcegroups/"));
    expect(tomorrow.clusterEvent?.id).toBe(tonight.clusterEvent?.id);
    expect(tomorrow.record.notice.id).toBe(tonight.record.notice.id);
  });

  it("reads the system topic's ScheduledEventEmitted (Event Grid schema) the same way, keyed by the event id", () => {
    const result = read("event-grid-scheduled-event-eol.json");
    if (result.kind !== "notice") throw new Error(`expected a notice, got ${result.kind}`);
    expect(result.shape).toBe("event-grid");
    expect(result.record.origin).toBe("event-grid");
    expect(result.record.notice.id).toBe("scheduled-event:7b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e");
    expect(result.record.notice).toMatchObject({ subject: { value: "1.31" }, endOfSupport: "2025-11-01" });
    expect(result.clusterEvent?.occurredAt).toBe("2025-11-25T03:00:00.000Z");
  });

  it("gives the same content key to the same date from different clusters and weeks", () => {
    const oneWeek = JSON.parse(fixture("resource-graph-eol-one-week.json"));
    const other = structuredClone(oneWeek);
    other.id = other.id.replace("prod-weu", "dev-neu").replace("5f0e", "ffff");
    other.properties.eventId = "ffff1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
    other.properties.description = "KubernetesVersionEOLTwoWeeks";
    other.properties.resources = [CLUSTER.replace("prod-weu", "dev-neu")];
    const [a, b] = [oneWeek, other].map((body) => readNoticeMessage({ body, receivedAt: RECEIVED }));
    if (a?.kind !== "notice" || b?.kind !== "notice") throw new Error("expected notices");
    expect(b.record.contentKey).toBe(a.record.contentKey);
    expect(b.record.notice.id).not.toBe(a.record.notice.id);
    expect(b.clusterEvent?.cluster).toBe("dev-neu");
  });

  it("records a long-term support end as a cluster event only: notices do not set LTS dates", () => {
    const result = read("resource-graph-eol-lts.json");
    if (result.kind !== "cluster-event") throw new Error(`expected a cluster event, got ${result.kind}`);
    expect(result.event).toMatchObject({ eolDate: "2026-07-31", kubernetesVersion: "1.30.14" });
    expect(result.event.summary).toContain("reaches end of long-term support on 2026-07-31");
  });

  it("records a maintenance scheduled event (CloudEvents) as a cluster event", () => {
    const result = read("cloud-event-scheduled-event-maintenance.json");
    if (result.kind !== "cluster-event") throw new Error(`expected a cluster event, got ${result.kind}`);
    expect(result.event).toMatchObject({
      id: "8c3d4e5f-6a7b-4c8d-0e9f-1a2b3c4d5e6f",
      kind: "maintenance",
      clusterId: CLUSTER,
      summary: "Maintenance on cluster prod-weu: ScheduledEvents (Started): Start to upgrade security vhd",
      sourceUrl: EVENT_SOURCES.aksScheduledEvents,
    });
  });

  it("refuses end-of-support details that are not dates, naming the field", () => {
    const rejection = rejected(read("invalid/resource-graph-eol-bad-details.json"));
    expect(rejection.reason).toBe(
      'Resource Graph scheduled event refused: properties.eventDetails.eolDate: expected a calendar date YYYY-MM-DD or an ISO 8601 instant, got "soon"',
    );
  });
});

describe("readNoticeMessage: bodies that are no message at all", () => {
  it.each([
    ["not json", "message refused: the body is not JSON ("],
    ["[]", "message refused: the body is a JSON array: send one notice or event per message"],
    ["42", "message refused: the body is a number, not a JSON object"],
    ['{"hello":"world"}', "message refused: the body is none of the accepted shapes: a lifecycle notice"],
  ])("%s", (body, reason) => {
    expect(rejected(readNoticeMessage({ body, receivedAt: RECEIVED })).reason.startsWith(reason)).toBe(true);
  });
});
