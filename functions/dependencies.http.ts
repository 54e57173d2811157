// GET /api/clusters/{id}/dependencies: the latest dependency scan of one cluster (each pool's migration
// risk with its reasons and fixes), by URL-encoded ARM id or by name. A name is looked up among the
// clusters of the known pools, those an incomplete scan carried forward included. Unknown clusters are
// 404; a name shared by clusters in several subscriptions is 409 with their ids.

import { capabilities } from "../shared/composition.ts";
import { jsonError, jsonOk, readEndpoint } from "./http-json.ts";

readEndpoint("cluster-dependencies", "clusters/{id}/dependencies", [], async (request) => {
  const given = request.params.id ?? "";
  // Hosts differ in whether an encoded slash reaches the route value decoded.
  const key = /%2f/i.test(given) ? decodeURIComponent(given) : given;
  const { inventory, dependencies } = capabilities("state");
  let clusterId = key;
  if (!key.startsWith("/")) {
    const named = [
      ...new Set(
        (await inventory.latestKnownPools())
          .filter((pool) => pool.ref.cluster.toLowerCase() === key.toLowerCase())
          .map((pool) => pool.ref.clusterId),
      ),
    ];
    if (named.length === 0) return jsonError(404, `no cluster named "${key}" is in the inventory`);
    if (named.length > 1) {
      return jsonError(409, `${named.length} clusters are named "${key}": ask by ARM id`, {
        clusterIds: named,
      });
    }
    clusterId = named[0] as string;
  }
  const found = await dependencies.clusterDependencies(clusterId);
  if (!found) return jsonError(404, `no dependency scan is recorded for cluster ${clusterId}`);
  return jsonOk(found);
});
