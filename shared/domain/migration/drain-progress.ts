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
}

export type StuckReason = "terminating-past-grace" | "blocked-past-deadline" | "refused";

export interface StuckPod {
  pod: PodName;
  reason: StuckReason;
  detail: string;
  /** A budget protects it: it is never deleted without a person's decision. */
  protectedByBudget: boolean;
}
