// The simulator's list bodies come from item JSON it keeps per object: what a list sends must stay
// exactly what serializing the objects gives, however the kept JSON is reused, dropped or evicted.

import { describe, expect, it } from "vitest";
import { ListJson } from "../../local/sim/kube/list-json.ts";
import { KubeStore } from "../../local/sim/model/kube-store.ts";
import type { KubeObject } from "../../local/sim/model/kube-types.ts";

/** Events are namespaced objects no controller reads: `note` makes each as large as a test needs. */
function addEvents(store: KubeStore, count: number, noteChars: number): KubeObject[] {
  return Array.from({ length: count }, (_, i) =>
    store.create("events", {
      kind: "Event",
      apiVersion: "v1",
      metadata: {
        name: `event-${String(i).padStart(3, "0")}`,
        namespace: "default",
        uid: `uid-${i}`,
        resourceVersion: "",
        creationTimestamp: "2026-12-04T00:00:00Z",
      },
      spec: { note: `${i}:`.padEnd(noteChars, "x") },
    }),
  );
}

function listed(json: ListJson, objects: KubeObject[]) {
  return JSON.parse(json.body("EventList", "v1", { resourceVersion: "1" }, objects).text);
}

function expected(objects: KubeObject[]) {
  return {
    kind: "EventList",
    apiVersion: "v1",
    metadata: { resourceVersion: "1" },
    items: objects.map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item),
  };
}

describe("list bodies from kept item JSON", () => {
  it("stays within its cap past a cluster's worth of objects, and lists stay exact", () => {
    const store = new KubeStore();
    const json = new ListJson(store);
    // About 3 MB of items against a cap of about 2 MB.
    const events = addEvents(store, 30, 100_000);

    expect(listed(json, events)).toEqual(expected(events));
    expect(json.keptChars).toBeGreaterThan(1_500_000);
    expect(json.keptChars).toBeLessThanOrEqual(2 * 1024 * 1024);
    // The earliest items were evicted, the latest kept: listed again, both come out exact.
    expect(listed(json, events)).toEqual(expected(events));
    expect(listed(json, events.slice(0, 5))).toEqual(expected(events.slice(0, 5)));
    expect(json.keptChars).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it("shows a change told by the store, and one made with only a new resourceVersion", () => {
    const store = new KubeStore();
    const json = new ListJson(store);
    const [first, second] = addEvents(store, 2, 10) as [KubeObject, KubeObject];
    listed(json, [first, second]);

    first.spec.note = "changed and told";
    store.touch("events", first);
    second.spec.note = "changed quietly";
    second.metadata.resourceVersion = "99999";

    expect(listed(json, [first, second]).items.map((item: KubeObject) => item.spec.note)).toEqual([
      "changed and told",
      "changed quietly",
    ]);
  });

  it("lets go of a removed object's JSON", () => {
    const store = new KubeStore();
    const json = new ListJson(store);
    const events = addEvents(store, 3, 1_000);
    listed(json, events);
    const before = json.keptChars;

    store.remove("events", events[0] as KubeObject);

    expect(json.keptChars).toBeLessThan(before);
    expect(listed(json, events.slice(1))).toEqual(expected(events.slice(1)));
  });
});
