// Where a person sees one pool's status: the product's inventory API filtered to the pool, under the
// public base URL from settings. The HTTP read side serves /api/inventory with cluster and pool filters.
import type { PoolRef } from "../domain/fleet/model.ts";

export function poolStatusUrl(baseUrl: string, ref: Pick<PoolRef, "clusterId" | "pool">): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}/api/inventory`);
  url.searchParams.set("cluster", ref.clusterId);
  url.searchParams.set("pool", ref.pool);
  return url.toString();
}
