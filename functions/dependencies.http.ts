// GET /api/clusters/{id}/dependencies: the latest dependency scan of one cluster (each pool's migration
// risk with its reasons and fixes), by URL-encoded ARM id or by name. Unknown clusters are 404; a name
// shared by clusters in several subscriptions is 409 with their ids.

import { composition } from "../shared/composition.ts";
import { jsonError, jsonOk, readEndpoint } from "./http-json.ts";

readEndpoint("cluster-dependencies", "clusters/{id}/dependencies", [], async (request) => {
  const given = request.params.id ?? "";
  // Hosts differ in whether an encoded slash reaches the route value decoded.
  const key = /%2f/i.test(given) ? decodeURIComponent(given) : given;
  const { inventory, dependencies } = composition();
  let clusterId = key;
  if (!key.startsWith("/")) {
    const latest = await inventory.latestScan();
    const named = latest
      ? (await inventory.listClusters(latest.scanId)).filter(
          (c) => c.cluster.name.toLowerCase() === key.toLowerCase(),
        )
      : [];
    if (named.length === 0) {
      return jsonError(
        404,
        `no cluster named "${key}" in the latest scan${latest ? ` (${latest.scanId})` : ""}`,
      );
    }
    if (named.length > 1) {
      return jsonError(409, `${named.length} clusters are named "${key}": ask by ARM id`, {
        clusterIds: named.map((c) => c.cluster.id),
      });
    }
    clusterId = (named[0] as (typeof named)[number]).cluster.id;
  }
  const found = await dependencies.clusterDependencies(clusterId);
  if (!found) return jsonError(404, `no dependency scan is recorded for cluster ${clusterId}`);
  return jsonOk(found);
});
