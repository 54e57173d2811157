// client-node's API clients whose pod and PodDisruptionBudget lists come back as the API server's JSON,
// parsed and nothing more. client-node walks every field of a list through its model types (timestamps
// made Dates) after parsing it: for the health watch's lists of every pod of a cluster that walk was most of
// the client's time in profiles of a 200-node migration. The product reads these lists through the domain's
// types (shared/domain/workloads/cluster-facts.ts), which take a timestamp as Date or text, so the walk
// bought nothing. Through the generated clients' own extension point, a response processor; errors and
// answers that are not JSON still go to client-node's.

import {
  type Configuration,
  CoreV1Api,
  HttpInfo,
  PolicyV1Api,
  type ResponseContext,
  type V1PodDisruptionBudgetList,
  type V1PodList,
} from "@kubernetes/client-node";
import { CoreV1ApiResponseProcessor } from "@kubernetes/client-node/dist/gen/apis/CoreV1Api.js";
import { PolicyV1ApiResponseProcessor } from "@kubernetes/client-node/dist/gen/apis/PolicyV1Api.js";

/**
 * The list as parsed, `metadata.continue` also under client-node's name for it (`_continue`, the only
 * field a list's models rename). Typed as the model client-node declares, though its timestamps are text:
 * callers read it through the domain's types. Anything but a JSON success goes to client-node's own.
 */
async function parsedList<T>(
  response: ResponseContext,
  otherwise: (response: ResponseContext) => Promise<HttpInfo<T>>,
): Promise<HttpInfo<T>> {
  const json = response.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() === "application/json";
  if (!json || response.httpStatusCode < 200 || response.httpStatusCode > 299) return otherwise(response);
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

/** CoreV1Api whose pod lists are parsed JSON; for `kubeConfig.makeApiClient`. */
export class CoreV1ApiJsonLists extends CoreV1Api {
  constructor(configuration: Configuration) {
    super(configuration, undefined, new CoreV1JsonLists());
  }
}

/** PolicyV1Api whose PodDisruptionBudget lists are parsed JSON; for `kubeConfig.makeApiClient`. */
export class PolicyV1ApiJsonLists extends PolicyV1Api {
  constructor(configuration: Configuration) {
    super(configuration, undefined, new PolicyV1JsonLists());
  }
}
