// The JSON-list clients (shared/kube/json-lists.ts) through client-node's own generated API classes, over
// an HTTP library that answers with a given response: what a success, a non-JSON answer and an error give.

import {
  ApiException,
  createConfiguration,
  Observable,
  ResponseContext,
  ServerConfiguration,
} from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { CoreV1ApiJsonLists, PolicyV1ApiJsonLists } from "../../shared/kube/json-lists.ts";

/** A configuration whose every request is answered with `status`, `contentType` and `body`. */
function answering(status: number, contentType: string, body: string) {
  return createConfiguration({
    baseServer: new ServerConfiguration("https://api.test", {}),
    httpApi: {
      send: () =>
        new Observable(
          Promise.resolve(
            new ResponseContext(
              status,
              { "content-type": contentType },
              {
                text: async () => body,
                binary: async () => Buffer.from(body),
                stream: () => null,
              },
            ),
          ),
        ),
    },
  });
}

const POD_LIST = JSON.stringify({
  kind: "PodList",
  apiVersion: "v1",
  metadata: { resourceVersion: "7", continue: "page-2" },
  items: [{ metadata: { name: "web-0", namespace: "shop", creationTimestamp: "2026-03-01T10:00:00Z" } }],
});

describe("pod and budget lists as parsed JSON", () => {
  it("gives the list as sent, timestamps as text, the continue token under client-node's name too", async () => {
    const core = new CoreV1ApiJsonLists(answering(200, "application/json; charset=utf-8", POD_LIST));
    for (const list of [
      await core.listPodForAllNamespaces({}),
      await core.listNamespacedPod({ namespace: "shop" }),
    ]) {
      expect(list.items[0]?.metadata?.creationTimestamp).toBe("2026-03-01T10:00:00Z");
      expect(list.metadata?._continue).toBe("page-2");
    }
    const policy = new PolicyV1ApiJsonLists(
      answering(200, "application/json", POD_LIST.replace("PodList", "PodDisruptionBudgetList")),
    );
    const budgets = await policy.listPodDisruptionBudgetForAllNamespaces({});
    expect(budgets.items[0]?.metadata?.creationTimestamp).toBe("2026-03-01T10:00:00Z");
  });

  it("leaves other lists to client-node, which makes Dates of their timestamps", async () => {
    const core = new CoreV1ApiJsonLists(
      answering(200, "application/json", POD_LIST.replace("PodList", "NodeList")),
    );
    const nodes = await core.listNode({});
    expect(nodes.items[0]?.metadata?.creationTimestamp).toBeInstanceOf(Date);
  });

  it("throws client-node's ApiException, with the status as its code, for an error answer", async () => {
    for (const status of [410, 429, 500]) {
      const core = new CoreV1ApiJsonLists(
        answering(status, "application/json", JSON.stringify({ kind: "Status", code: status })),
      );
      const error = await core.listPodForAllNamespaces({}).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ApiException);
      expect((error as ApiException<unknown>).code).toBe(status);
    }
  });

  it("fails a success that is not JSON, where client-node would give an empty list", async () => {
    const core = new CoreV1ApiJsonLists(answering(200, "text/plain", "not a list"));
    await expect(core.listPodForAllNamespaces({})).rejects.toThrow(
      "the API server answered a list as text/plain, not JSON",
    );
  });
});
