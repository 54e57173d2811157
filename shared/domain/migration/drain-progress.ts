// A node drain as it goes: what each pod on the node is for the drain now, and the pods it cannot move
// without a person.

import type { PodController, PodRef } from "../ports/node-operations.ts";
import type { PodDecision, PodName } from "./migration-record.ts";

/** What the drain does with each pod on the node now, decided by the domain's drain filters. */
export interface NodePod {
  ref: PodRef;
  verdict: "okay" | "skip" | "block";
  reason: string;
  gracePeriodSeconds: number;
  /** When its deletion began (Terminating), if it did. */
  terminatingSince?: string;
  protectedByBudget: boolean;
  /**
   * Its controller, when no budget covers it: its eviction waits while it is its workload's last Ready
   * replica, as the budget the batches give it (absent from a look before that rule).
   */
  unbudgeted?: UnbudgetedPod;
  /** The StatefulSet that owns it: forced off a node still running it, its replacement may run beside it. */
  statefulSet?: string;
  /** No controller owns it: evicted, it would be gone for good (kubectl drain refuses it without --force). */
  unmanaged: boolean;
  /** Why the drain may not act on it at all: it is stuck at once, for a person. */
  refusal?: string;
}

/** A pod no budget covers, as its eviction checks it. */
export interface UnbudgetedPod {
  controller: PodController;
}

/** What an eviction of such a pod checks against: the controllers of pods its round evicts before it. */
export interface UnbudgetedEviction extends UnbudgetedPod {
  /** Of the same namespace: ones of its workload count as gone. */
  alongside: PodController[];
  /** Pods other nodes of the batch may be evicting at the same time, by workload: counted as gone. */
  beside?: Record<string, number>;
}

export type StuckReason = "terminating-past-grace" | "blocked-past-deadline" | "refused" | "no-controller";

/**
 * What a person may decide for a stuck pod: one stuck Terminating ignores a delete with its grace period,
 * so it is force-deleted (grace period 0) or skipped; only it is ever force-deleted.
 */
export function stuckPodDecisions(reason: StuckReason): PodDecision[] {
  return reason === "terminating-past-grace" ? ["skip-pod", "force-delete-pod"] : ["skip-pod", "delete-pod"];
}

export interface StuckPod {
  pod: PodName;
  /** The pod a decision is about: a new pod of the same name is another pod. */
  uid: string;
  reason: StuckReason;
  detail: string;
  /** A budget protects it: it is never deleted without a person's decision. */
  protectedByBudget: boolean;
}
