// List continue tokens as the apiserver makes them (base64 of {v, rv, start}), and which revisions they
// may still name: the apiserver compacts etcd every 5 minutes, so a token whose revision was superseded
// longer ago than that gets 410 Expired.

import type { SimCluster } from "../model/cluster.ts";

export interface ContinueToken {
  rv: string;
  after: string;
}

const COMPACTION_MS = 5 * 60_000;

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(
    JSON.stringify({ v: "meta.k8s.io/v1", rv: Number(token.rv), start: token.after }),
  ).toString("base64");
}

export function decodeContinue(text: string): ContinueToken | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    return value.v === "meta.k8s.io/v1" && typeof value.start === "string"
      ? { rv: String(value.rv), after: value.start }
      : undefined;
  } catch {
    return undefined;
  }
}

export class TokenRevisions {
  private readonly cluster: SimCluster;
  /** Revisions continue tokens carry that are still current. */
  private readonly current = new Set<string>();
  /** When the store moved past the revision of a continue token (oldest first). */
  private readonly supersededAt = new Map<string, number>();

  constructor(cluster: SimCluster) {
    this.cluster = cluster;
    cluster.store.watch(() => {
      if (this.current.size === 0) return;
      for (const revision of this.current) this.supersededAt.set(revision, cluster.now());
      this.current.clear();
    });
  }

  /** A first page's token was issued at `revision`; revisions compacted away by now are forgotten. */
  issuedAt(revision: string): void {
    const now = this.cluster.now();
    for (const [known, at] of this.supersededAt) {
      if (now - at <= COMPACTION_MS) break;
      this.supersededAt.delete(known);
    }
    if (revision === this.cluster.store.resourceVersion) this.current.add(revision);
  }

  /** Whether the revision a continue token carries is compacted away (or was never issued here). */
  compacted(revision: string): boolean {
    if (this.current.has(revision)) return false;
    const supersededAt = this.supersededAt.get(revision);
    return supersededAt === undefined || this.cluster.now() - supersededAt > COMPACTION_MS;
  }
}
