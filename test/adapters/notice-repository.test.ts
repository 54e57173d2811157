import { describe, expect, it } from "vitest";
import type { ClusterEvent, NoticeRecord, NoticeRejection } from "../../shared/domain/ports/notices.ts";
import { useStateStores } from "../support/state-stores.ts";

const { stores } = useStateStores();

function record(
  id: string,
  removal: string,
  receivedAt: string,
  contentKey = `content-${removal}`,
): NoticeRecord {
  return {
    notice: {
      id,
      subject: { kind: "osSku", value: "AzureLinux2" },
      imageRemoval: removal,
      sourceUrl: "https://github.com/Azure/AKS/issues/4988",
      note: "moved",
      receivedAt,
    },
    origin: "operator",
    messageId: `m-${id}`,
    contentKey,
  };
}

describe.each(stores)("NoticeRepository on $name", (store) => {
  it("accepts a notice once by id and once by content, refuses an id reused for other content, keeps history", async () => {
    const repo = store.fresh().notices;
    const first = record("operator:azl2/removal#1", "2026-03-31", "2026-01-02T10:00:00Z");
    expect(await repo.acceptNotice(first)).toEqual({ kind: "accepted", noticeId: first.notice.id });
    expect(await repo.acceptNotice(first)).toEqual({ kind: "duplicate-id", noticeId: first.notice.id });
    const resent = record("message:other", "2026-03-31", "2026-01-03T10:00:00Z");
    expect(await repo.acceptNotice(resent)).toEqual({
      kind: "duplicate-content",
      noticeId: "message:other",
      existingNoticeId: first.notice.id,
    });
    const reused = record(first.notice.id, "2026-06-30", "2026-01-04T10:00:00Z");
    expect(await repo.acceptNotice(reused)).toEqual({ kind: "id-conflict", noticeId: first.notice.id });
    const correction = record("operator:azl2-removal-2", "2026-06-30", "2026-01-01T09:00:00Z");
    expect((await repo.acceptNotice(correction)).kind).toBe("accepted");

    // Every accepted notice, in the order received (the correction was received first).
    expect(await repo.notices()).toEqual([correction, first]);
  });

  it("records a cluster event once, listed per cluster in time order", async () => {
    const repo = store.fresh().notices;
    const clusterId =
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod";
    const event = (id: string, occurredAt: string): ClusterEvent => ({
      id,
      kind: "pool-rolling-started",
      eventType: "Microsoft.ContainerService.NodePoolRollingStarted",
      clusterId,
      cluster: "prod",
      occurredAt,
      receivedAt: occurredAt,
      summary: "pool apps started rolling",
      sourceUrl: "https://learn.microsoft.com/azure/event-grid/event-schema-aks",
      nodePool: "apps",
      details: { nodePoolName: "apps" },
    });
    expect(await repo.recordClusterEvent(event("e/2", "2026-01-02T00:00:00Z"))).toBe("recorded");
    expect(await repo.recordClusterEvent(event("e?1", "2026-01-01T00:00:00Z"))).toBe("recorded");
    expect(await repo.recordClusterEvent(event("e/2", "2026-01-02T00:00:00Z"))).toBe("duplicate");
    expect((await repo.clusterEvents(clusterId.toUpperCase())).map((e) => e.id)).toEqual(["e?1", "e/2"]);
    expect(await repo.clusterEvents("/subscriptions/s/other")).toEqual([]);
  });

  it("records a rejected message once, with its reason", async () => {
    const repo = store.fresh().notices;
    const rejection: NoticeRejection = {
      key: "msg#1",
      messageId: "msg#1",
      receivedAt: "2026-01-02T10:00:00Z",
      reason: "product notice: 1 problem",
      problems: ['subject.kind: expected osSku, imageFamily or kubernetesVersion, got "os"'],
      bodyExcerpt: '{"subject":{"kind":"os"}}',
    };
    expect(await repo.recordRejection(rejection)).toBe("recorded");
    expect(await repo.recordRejection(rejection)).toBe("duplicate");
    expect(await repo.rejections()).toEqual([rejection]);
  });

  it("accepts a notice once when several writers receive it at once", async () => {
    const state = store.fresh();
    const notice = record("operator:azl2-removal", "2026-06-30", "2026-01-02T10:00:00Z");
    const results = await Promise.all(
      [state, state.another(), state.another()].map((writer) => writer.notices.acceptNotice(notice)),
    );
    expect(results.map((result) => result.kind).sort()).toEqual(["accepted", "duplicate-id", "duplicate-id"]);
    expect(await state.another().notices.notices()).toEqual([notice]);
  });
});
