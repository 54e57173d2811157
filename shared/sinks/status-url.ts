// Where a person sees what a message is about, under the product's public base URL from settings: one
// pool's status (the inventory API filtered to the pool), or one migration's (a path the notice gives).
import type { PoolRef } from "../domain/fleet/model.ts";

/** `path` starts with "/"; the base URL may end with one. */
export function statusUrl(baseUrl: string, path: string): string {
  return new URL(`${baseUrl.replace(/\/+$/, "")}${path}`).toString();
}

export function poolStatusUrl(baseUrl: string, ref: Pick<PoolRef, "clusterId" | "pool">): string {
  const url = new URL(statusUrl(baseUrl, "/api/inventory"));
  url.searchParams.set("cluster", ref.clusterId);
  url.searchParams.set("pool", ref.pool);
  return url.toString();
}
