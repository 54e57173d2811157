// client-node's CoreV1Api and PolicyV1Api whose pod and budget lists are the API server's JSON, parsed and
// no more: client-node's walk of every field through its models (timestamps made Dates) was most of the
// client's time in a 200-node migration. The lists are typed with the domain's types, timestamps as text.

import {
  type Configuration,
  CoreV1Api,
  HttpInfo,
  PolicyV1Api,
  type ResponseContext,
  type V1ListMeta,
  type V1PodDisruptionBudgetList,
  type V1PodList,
} from "@kubernetes/client-node";
import { CoreV1ApiResponseProcessor } from "@kubernetes/client-node/dist/gen/apis/CoreV1Api.js";
import { PolicyV1ApiResponseProcessor } from "@kubernetes/client-node/dist/gen/apis/PolicyV1Api.js";
import type { KubePod, KubePodDisruptionBudget } from "../domain/workloads/cluster-facts.ts";

/** A list as these clients give it. */
interface JsonList<T> {
  items: T[];
  metadata?: V1ListMeta;
}

/** CoreV1Api as its pod lists really are: the domain's pods, whose timestamps are text. */
export type CoreV1JsonApi = Omit<CoreV1Api, "listPodForAllNamespaces" | "listNamespacedPod"> & {
  listPodForAllNamespaces(
    ...args: Parameters<CoreV1Api["listPodForAllNamespaces"]>
  ): Promise<JsonList<KubePod>>;
  listNamespacedPod(...args: Parameters<CoreV1Api["listNamespacedPod"]>): Promise<JsonList<KubePod>>;
};

/** PolicyV1Api as its budget lists really are. */
export type PolicyV1JsonApi = Omit<PolicyV1Api, "listPodDisruptionBudgetForAllNamespaces"> & {
  listPodDisruptionBudgetForAllNamespaces(
    ...args: Parameters<PolicyV1Api["listPodDisruptionBudgetForAllNamespaces"]>
  ): Promise<JsonList<KubePodDisruptionBudget>>;
};

/**
 * The list as parsed, `metadata.continue` also under client-node's name for it (`_continue`, the only
 * field these lists' models rename). An error answer goes to client-node's own processor, which throws
 * its ApiException. A success that is not JSON fails: client-node would make an empty list of it.
 */
async function parsedList<T>(
  response: ResponseContext,
  errorAnswer: (response: ResponseContext) => Promise<HttpInfo<T>>,
): Promise<HttpInfo<T>> {
  if (response.httpStatusCode < 200 || response.httpStatusCode > 299) return errorAnswer(response);
  const contentType = response.headers["content-type"];
  if (contentType?.split(";")[0]?.trim().toLowerCase() !== "application/json")
    throw new Error(`the API server answered a list as ${contentType ?? "no content type"}, not JSON`);
  const list = JSON.parse(await response.body.text());
  if (list?.metadata?.continue !== undefined) list.metadata._continue = list.metadata.continue;
  return new HttpInfo(response.httpStatusCode, response.headers, response.body, list as T);
}

class CoreV1JsonLists extends CoreV1ApiResponseProcessor {
  override listPodForAllNamespacesWithHttpInfo(response: ResponseContext): Promise<HttpInfo<V1PodList>> {
    return parsedList(response, (r) => super.listPodForAllNamespacesWithHttpInfo(r));
  }

  override listNamespacedPodWithHttpInfo(response: ResponseContext): Promise<HttpInfo<V1PodList>> {
    return parsedList(response, (r) => super.listNamespacedPodWithHttpInfo(r));
  }
}

class PolicyV1JsonLists extends PolicyV1ApiResponseProcessor {
  override listPodDisruptionBudgetForAllNamespacesWithHttpInfo(
    response: ResponseContext,
  ): Promise<HttpInfo<V1PodDisruptionBudgetList>> {
    return parsedList(response, (r) => super.listPodDisruptionBudgetForAllNamespacesWithHttpInfo(r));
  }
}

/** For `kubeConfig.makeApiClient`; seen as CoreV1JsonApi. */
export class CoreV1ApiJsonLists extends CoreV1Api {
  constructor(configuration: Configuration) {
    super(configuration, undefined, new CoreV1JsonLists());
  }
}

/** For `kubeConfig.makeApiClient`; seen as PolicyV1JsonApi. */
export class PolicyV1ApiJsonLists extends PolicyV1Api {
  constructor(configuration: Configuration) {
    super(configuration, undefined, new PolicyV1JsonLists());
  }
}
