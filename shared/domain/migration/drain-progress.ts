// A node drain as it goes: what each pod on the node is for the drain now, and the pods it cannot move
// without a person.

import type { PodRef } from "../ports/node-operations.ts";
import type { PodName } from "./migration-record.ts";

/** What the drain does with each pod on the node now, decided by the domain's drain filters. */
export interface NodePod {
  ref: PodRef;
  verdict: "okay" | "skip" | "block";
  reason: string;
  gracePeriodSeconds: number;
  /** When its deletion began (Terminating), if it did. */
  terminatingSince?: string;
  protectedByBudget: boolean;
  /** No controller owns it: evicted, it would be gone for good (kubectl drain refuses it without --force). */
  unmanaged: boolean;
}

export type StuckReason = "terminating-past-grace" | "blocked-past-deadline" | "refused" | "no-controller";

export interface StuckPod {
  pod: PodName;
  /** The pod a decision is about: a new pod of the same name is another pod. */
  uid: string;
  reason: StuckReason;
  detail: string;
  /** A budget protects it: it is never deleted without a person's decision. */
  protectedByBudget: boolean;
}
