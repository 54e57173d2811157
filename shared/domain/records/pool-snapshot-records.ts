// The stored form of a pool snapshot, alike in every InventoryRepository adapter. A fleet's nightly scan
// writes one per pool, and most of an assessment's bytes repeat others: its ref is the snapshot's, and its
// reasons list the OS's, Kubernetes' and the recommendation's reasons again (each with source URLs). The
// stored form keeps each once; a row written in full before reads as it is.

import type { PoolRef } from "../fleet/model.ts";
import type { PoolAssessment } from "../lifecycle/pool-assessment.ts";
import type { PoolSnapshot } from "../ports/inventory.ts";

/** A reason stored as a pointer to the same text elsewhere in the assessment. */
type SameReason = { same: "os" } | { same: "kubernetes" } | { same: "recommendation"; index: number };

type StoredAssessment = Omit<PoolAssessment, "ref" | "reasons"> & {
  ref?: PoolAssessment["ref"];
  reasons: (string | SameReason)[];
};

export interface StoredPoolSnapshot extends Omit<PoolSnapshot, "assessment"> {
  assessment: StoredAssessment;
}

export function storedPoolSnapshot(snapshot: PoolSnapshot): StoredPoolSnapshot {
  const { ref, reasons, ...assessment } = snapshot.assessment;
  const { os, kubernetes, recommendation } = assessment;
  const stored = (reason: string): string | SameReason => {
    if (reason === os.reason) return { same: "os" };
    if (reason === kubernetes.reason) return { same: "kubernetes" };
    const index = recommendation?.reasons.indexOf(reason) ?? -1;
    return index >= 0 ? { same: "recommendation", index } : reason;
  };
  // An assessment of another pool than its snapshot's keeps its own ref.
  const ownRef = sameRef(ref, snapshot.ref) ? {} : { ref };
  return { ...snapshot, assessment: { ...ownRef, ...assessment, reasons: reasons.map(stored) } };
}

export function poolSnapshotFromStored(stored: StoredPoolSnapshot): PoolSnapshot {
  const { ref = stored.ref, reasons, ...assessment } = stored.assessment;
  const reason = (entry: string | SameReason): string => {
    if (typeof entry === "string") return entry;
    if (entry.same === "os") return assessment.os.reason;
    if (entry.same === "kubernetes") return assessment.kubernetes.reason;
    const text = assessment.recommendation?.reasons[entry.index];
    if (text === undefined)
      throw new Error(`pool ${stored.ref.pool}: stored reason ${entry.index} has no text`);
    return text;
  };
  return { ...stored, assessment: { ref, ...assessment, reasons: reasons.map(reason) } };
}

function sameRef(a: PoolRef, b: PoolRef): boolean {
  return (
    a.clusterId === b.clusterId &&
    a.cluster === b.cluster &&
    a.subscriptionId === b.subscriptionId &&
    a.resourceGroup === b.resourceGroup &&
    a.pool === b.pool
  );
}
