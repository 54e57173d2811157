// Drains one node, as `kubectl drain --ignore-daemonsets --delete-emptydir-data` would, one
// sub-orchestration per node so the migration's history stays small whatever the pool's size. Pods are
// evicted through the eviction API (daemonset, mirror and finished pods are left); a 429 is retried with
// backoff on durable timers up to the deadline and never becomes a delete. A pod is deleted only when a
// person chose that for it. What cannot go on (refused, blocked past the deadline, Terminating past its
// grace period) is returned as stuck, once every other pod is gone, for the migration to ask a person.

import type { OrchestrationContext, Task } from "durable-functions";
import type { NodePod, StuckPod } from "../shared/domain/migration/drain-progress.ts";
import type { PodName } from "../shared/domain/migration/migration-record.ts";
import type { EvictionOutcome } from "../shared/domain/ports/node-operations.ts";
import type { NodeDrainInput, NodeDrainResult } from "./contracts/pool-migration.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./contracts.ts";
import { activityTask, callActivity } from "./steps/call-activity.ts";
import { registerOrchestration } from "./steps/register.ts";

/** Seconds between rounds: from the first to the longest, doubling while nothing moves. */
const FIRST_ROUND_SECONDS = 5;
const LONGEST_ROUND_SECONDS = 60;
/** A Terminating pod gets this long past its grace period before it counts as stuck. */
const TERMINATING_MARGIN_SECONDS = 30;

export function* nodeDrain(
  context: OrchestrationContext,
  input: NodeDrainInput,
): Generator<Task, NodeDrainResult, unknown> {
  const deadline = Date.parse(input.deadline);
  const skipped = new Set(input.skip.map(podKey));
  const toDelete = new Set(input.delete.map(podKey));
  const stuck = new Map<string, StuckPod>();
  /** Why each blocked pod's last eviction was refused (429), for the stuck report. */
  const lastRefusal = new Map<string, string>();
  // The instance's own part ("drain-3.1") keeps audit steps of a retried node apart.
  const part = context.df.instanceId.slice(input.migrationId.length + 1);
  let evicted = 0;
  let deleted = 0;
  let delaySeconds = FIRST_ROUND_SECONDS;
  for (let round = 0; ; round++) {
    const now = context.df.currentUtcDateTime.getTime();
    const pods = yield* callActivity(context, ACTIVITIES.nodePods, {
      clusterId: input.clusterId,
      node: input.node,
    });
    const remaining = pods.filter((pod) => pod.verdict !== "skip" && !skipped.has(podKey(pod.ref)));
    const moving = remaining.filter((pod) => !stuck.has(podKey(pod.ref)));
    if (remaining.length === 0) {
      return { kind: "drained", evicted, skipped: pods.length, deleted };
    }
    if (moving.length === 0) return { kind: "stuck", evicted, stuck: [...stuck.values()] };

    const evictions: NodePod[] = [];
    for (const pod of moving) {
      const key = podKey(pod.ref);
      if (toDelete.has(key)) {
        const outcome = yield* callActivity(context, ACTIVITIES.deletePod, {
          migrationId: input.migrationId,
          step: `${part}:delete:${pod.ref.namespace}:${pod.ref.name}:${round}`,
          actor: input.decidedBy ?? "pool-migration",
          reason: "a person chose to delete this pod",
          clusterId: input.clusterId,
          pod: pod.ref,
        });
        if (outcome === "deleted") deleted += 1;
        toDelete.delete(key);
        continue;
      }
      if (pod.terminatingSince !== undefined) {
        const overdueAt =
          Date.parse(pod.terminatingSince) + (pod.gracePeriodSeconds + TERMINATING_MARGIN_SECONDS) * 1000;
        if (now > overdueAt) {
          stuck.set(key, {
            pod: nameOf(pod),
            reason: "terminating-past-grace",
            detail: `Terminating since ${pod.terminatingSince}, past its grace period of ${pod.gracePeriodSeconds} s`,
            protectedByBudget: pod.protectedByBudget,
          });
        }
        continue;
      }
      if (now >= deadline) {
        // Evicted before (or blocked) and still not leaving at the deadline: a person looks at it.
        stuck.set(key, {
          pod: nameOf(pod),
          reason: "blocked-past-deadline",
          detail: `still on ${input.node} at the drain deadline ${input.deadline}${lastRefusal.get(key) ? `: ${lastRefusal.get(key)}` : ""}`,
          protectedByBudget: pod.protectedByBudget,
        });
        continue;
      }
      evictions.push(pod);
    }

    // Task.all refuses an empty list: a round may have nothing to evict (pods terminating, stuck).
    const outcomes =
      evictions.length === 0
        ? []
        : ((yield context.df.Task.all(
            evictions.map((pod) =>
              activityTask(context, ACTIVITIES.evictPod, {
                migrationId: input.migrationId,
                step: `${part}:evict:${pod.ref.namespace}:${pod.ref.name}:${round}`,
                actor: "pool-migration",
                reason: `draining node ${input.node}`,
                clusterId: input.clusterId,
                node: input.node,
                pod: pod.ref,
              }),
            ),
          )) as EvictionOutcome[]);
    let waitSeconds = delaySeconds;
    let moved = false;
    outcomes.forEach((outcome, index) => {
      const pod = evictions[index] as NodePod;
      if (outcome.kind === "evicted") {
        evicted += 1;
        moved = true;
      } else if (outcome.kind === "blocked") {
        waitSeconds = Math.max(waitSeconds, outcome.retryAfterSeconds);
        lastRefusal.set(podKey(pod.ref), `its eviction is refused: ${outcome.reason}`);
      } else if (outcome.kind === "refused") {
        stuck.set(podKey(pod.ref), {
          pod: nameOf(pod),
          reason: "refused",
          detail: `the eviction API answered ${outcome.status}: ${outcome.reason}`,
          protectedByBudget: pod.protectedByBudget,
        });
      } else {
        moved = true;
      }
    });
    delaySeconds = moved ? FIRST_ROUND_SECONDS : Math.min(LONGEST_ROUND_SECONDS, delaySeconds * 2);
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + waitSeconds * 1000));
  }
}

function podKey(pod: PodName): string {
  return `${pod.namespace}/${pod.name}`;
}

function nameOf(pod: NodePod): PodName {
  return { namespace: pod.ref.namespace, name: pod.ref.name };
}

registerOrchestration(ORCHESTRATIONS.nodeDrain, nodeDrain);
