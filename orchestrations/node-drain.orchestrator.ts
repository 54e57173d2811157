// Drains one node, as `kubectl drain --ignore-daemonsets --delete-emptydir-data` would, one
// sub-orchestration per node so the migration's history stays small whatever the pool's size. Pods are
// evicted through the eviction API (daemonset, mirror and finished pods are left); a 429 is retried with
// backoff on durable timers up to the deadline and never becomes a delete. A pod is deleted only when a
// person chose that for it, by its uid. What cannot go on (refused, blocked past the deadline,
// Terminating past its grace period, a pod no controller would bring back) is returned as stuck, once
// every other pod is gone, for the migration to ask a person; an API that keeps failing until the
// deadline is returned as failed, never thrown, so the migration hears from every node of a batch.
// Asked to (leaveShuttingDown), it ends once every pod left is an evicted one shutting down within its
// grace period: the next batch need not wait for it; whatever deletes the machine waits for it. Asked to
// (handOverHeld), it also ends once the pods left are only those their budgets refused this round: the
// migration drains the node on with its next batch.

import type { OrchestrationContext, Task } from "durable-functions";
import { besideInNamespace } from "../shared/domain/migration/drain-batches.ts";
import type { NodePod, StuckPod, StuckReason } from "../shared/domain/migration/drain-progress.ts";
import type { PodName } from "../shared/domain/migration/migration-record.ts";
import type { EvictionOutcome } from "../shared/domain/ports/node-operations.ts";
import {
  MIGRATION_EVENTS,
  type NodeDrainInput,
  type NodeDrainResult,
  type StopDrainEvent,
} from "./contracts/pool-migration.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./contracts.ts";
import { callActivity, errorMessage, retriedActivityTask } from "./steps/call-activity.ts";
import { EventChannel } from "./steps/migration/event-channel.ts";
import { registerOrchestration } from "./steps/register.ts";

/** Seconds between rounds: from the first to the longest, doubling while nothing moves. */
const FIRST_ROUND_SECONDS = 5;
const LONGEST_ROUND_SECONDS = 60;
/** While pods are only shutting down, the next look comes at least this soon: they leave on their own. */
const TERMINATING_ROUND_SECONDS = 10;
/** While a budget refuses a pod, the next look comes at least this soon: a replacement may be ready. */
const REFUSED_ROUND_SECONDS = 20;
/** A Terminating pod gets this long past its grace period before it counts as stuck. */
const TERMINATING_MARGIN_SECONDS = 30;

interface Round {
  evicted: number;
  deleted: number;
  /** Seconds until the next round. */
  waitSeconds: number;
  moved: boolean;
}

export function* nodeDrain(
  context: OrchestrationContext,
  input: NodeDrainInput,
): Generator<Task, NodeDrainResult, unknown> {
  const deadline = Date.parse(input.deadline);
  const skipped = new Set(input.skip.map(podKey));
  const toDelete = new Map(input.delete.map((pod) => [podKey(pod), pod]));
  const stuck = new Map<string, StuckPod>();
  /** Why each blocked pod's last eviction was refused (429), for the stuck report. */
  const lastRefusal = new Map<string, string>();
  // The instance's own part ("drain-3.1") keeps audit steps of a retried node apart.
  const part = context.df.instanceId.slice(input.migrationId.length + 1);
  let evicted = 0;
  let deleted = 0;
  let delaySeconds = FIRST_ROUND_SECONDS;
  const stops = new EventChannel<StopDrainEvent>(context, MIGRATION_EVENTS.stop);
  for (let round = 0; ; round++) {
    if (stops.take()) return { kind: "stopped", evicted };
    const now = context.df.currentUtcDateTime.getTime();
    let pods: NodePod[];
    try {
      pods = yield* callActivity(context, ACTIVITIES.nodePods, {
        clusterId: input.clusterId,
        node: input.node,
      });
    } catch (error) {
      if (now >= deadline) return { kind: "failed", evicted, error: errorMessage(error) };
      yield* wait(context, LONGEST_ROUND_SECONDS, stops);
      continue;
    }
    const remaining = pods.filter((pod) => pod.verdict !== "skip" && !skipped.has(podKey(pod.ref)));
    const moving = remaining.filter((pod) => !stuck.has(podKey(pod.ref)));
    if (remaining.length === 0) return { kind: "drained", evicted, skipped: pods.length, deleted };
    if (moving.length === 0) return { kind: "stuck", evicted, stuck: [...stuck.values()] };

    const markStuck = (pod: NodePod, reason: StuckReason, detail: string) =>
      stuck.set(podKey(pod.ref), {
        pod: nameOf(pod),
        uid: pod.ref.uid,
        reason,
        detail,
        protectedByBudget: pod.protectedByBudget,
      });
    const deletions: { pod: NodePod; force: boolean }[] = [];
    const evictions: NodePod[] = [];
    for (const pod of moving) {
      const key = podKey(pod.ref);
      const chosen = toDelete.get(key);
      if (pod.refusal !== undefined) {
        markStuck(pod, "refused", pod.refusal);
      } else if (chosen?.uid === pod.ref.uid) {
        deletions.push({ pod, force: chosen.force === true });
      } else if (pod.terminatingSince !== undefined) {
        const overdueAt =
          Date.parse(pod.terminatingSince) + (pod.gracePeriodSeconds + TERMINATING_MARGIN_SECONDS) * 1000;
        if (now > overdueAt) {
          // A person is told what removing it takes, and what that risks for a StatefulSet's pod.
          const identity = pod.statefulSet
            ? `; it is a pod of StatefulSet ${pod.ref.namespace}/${pod.statefulSet}: while ${input.node} still runs it, its replacement may run beside it with the same identity and volumes`
            : "";
          markStuck(
            pod,
            "terminating-past-grace",
            `Terminating since ${pod.terminatingSince}, past its grace period of ${pod.gracePeriodSeconds} s: only force-delete-pod removes it, at once (grace period 0, as kubectl delete --force)${identity}`,
          );
        }
      } else if (pod.unmanaged) {
        markStuck(pod, "no-controller", "no controller owns it: evicted, it would not come back");
      } else if (now >= deadline) {
        // Evicted before (or blocked) and still not leaving at the deadline: a person looks at it.
        const refusal = lastRefusal.get(key);
        markStuck(
          pod,
          "blocked-past-deadline",
          `still on ${input.node} at the drain deadline ${input.deadline}${refusal ? `: ${refusal}` : ""}`,
        );
      } else {
        evictions.push(pod);
      }
    }

    const leaving = moving.filter((pod) => pod.terminatingSince !== undefined && !stuck.has(podKey(pod.ref)));
    if (
      input.leaveShuttingDown &&
      stuck.size === 0 &&
      leaving.length === moving.length &&
      deletions.length === 0
    )
      return {
        kind: "drained",
        evicted,
        skipped: pods.length - remaining.length,
        deleted,
        shuttingDown: leaving.length,
      };

    let outcome: Round;
    const blockedNow = new Set<string>();
    try {
      outcome = yield* act(context, input, part, round, deletions, evictions, delaySeconds, (pod, result) => {
        if (result.kind === "blocked") {
          blockedNow.add(podKey(pod.ref));
          lastRefusal.set(podKey(pod.ref), `its eviction is refused: ${result.reason}`);
        }
        if (result.kind === "refused")
          markStuck(pod, "refused", `the eviction API answered ${result.status}: ${result.reason}`);
      });
    } catch (error) {
      // The API failed past the activity's retries: try again next round, until the deadline.
      if (now >= deadline) return { kind: "failed", evicted, error: errorMessage(error) };
      outcome = { evicted: 0, deleted: 0, waitSeconds: LONGEST_ROUND_SECONDS, moved: false };
    }
    for (const { pod } of deletions) toDelete.delete(podKey(pod.ref));
    evicted += outcome.evicted;
    deleted += outcome.deleted;
    const held = moving.filter((pod) => blockedNow.has(podKey(pod.ref)));
    if (
      input.handOverHeld &&
      held.length > 0 &&
      stuck.size === 0 &&
      outcome.evicted + outcome.deleted === 0 &&
      moving.every((pod) => blockedNow.has(podKey(pod.ref)) || pod.terminatingSince !== undefined)
    )
      return { kind: "held", evicted, held: held.map(nameOf) };
    const shuttingDown = moving.some((pod) => pod.terminatingSince !== undefined);
    const longest = shuttingDown
      ? TERMINATING_ROUND_SECONDS
      : held.length > 0
        ? REFUSED_ROUND_SECONDS
        : LONGEST_ROUND_SECONDS;
    delaySeconds = outcome.moved ? FIRST_ROUND_SECONDS : Math.min(longest, delaySeconds * 2);
    yield* wait(context, outcome.waitSeconds, stops);
  }
}

/** One round's effects: the deletions people chose, then every eviction at once (as kubectl does). */
function* act(
  context: OrchestrationContext,
  input: NodeDrainInput,
  part: string,
  round: number,
  deletions: { pod: NodePod; force: boolean }[],
  evictions: NodePod[],
  delaySeconds: number,
  onOutcome: (pod: NodePod, outcome: EvictionOutcome) => void,
): Generator<Task, Round, unknown> {
  let deleted = 0;
  for (const { pod, force } of deletions) {
    const result = yield* callActivity(context, ACTIVITIES.deletePod, {
      migrationId: input.migrationId,
      step: `${part}:delete:${pod.ref.namespace}:${pod.ref.name}:${round}`,
      actor: input.decidedBy ?? "pool-migration",
      reason: "a person chose to delete this pod",
      clusterId: input.clusterId,
      pod: pod.ref,
      force,
    });
    if (result === "deleted") deleted += 1;
  }
  // Pods no budget covers, evicted in one round: each one's check counts those of its workload before it
  // (its read of the workload's Ready replicas may not see them go yet).
  const before: NodePod[] = [];
  const unbudgeted = (pod: NodePod) => {
    if (!pod.unbudgeted) return {};
    const alongside = before
      .filter((other) => other.ref.namespace === pod.ref.namespace)
      .flatMap((other) => (other.unbudgeted ? [other.unbudgeted.controller] : []));
    // Unready at the look, it may be Ready by its eviction: it counts for those after it all the same.
    before.push(pod);
    const beside = besideInNamespace(input.unbudgetedBeside ?? {}, pod.ref.namespace);
    return {
      unbudgeted: {
        ...pod.unbudgeted,
        alongside,
        ...(Object.keys(beside).length > 0 && { beside }),
      },
    };
  };
  // Task.all refuses an empty list: a round may have nothing to evict (pods terminating, stuck).
  const outcomes =
    evictions.length === 0
      ? []
      : ((yield context.df.Task.all(
          evictions.map((pod) =>
            retriedActivityTask(context, ACTIVITIES.evictPod, {
              migrationId: input.migrationId,
              step: `${part}:evict:${pod.ref.namespace}:${pod.ref.name}:${round}`,
              actor: "pool-migration",
              reason: `draining node ${input.node}`,
              clusterId: input.clusterId,
              node: input.node,
              pod: pod.ref,
              ...unbudgeted(pod),
            }),
          ),
        )) as EvictionOutcome[]);
  let waitSeconds = delaySeconds;
  let evicted = 0;
  let moved = deleted > 0;
  outcomes.forEach((outcome, index) => {
    const pod = evictions[index] as NodePod;
    onOutcome(pod, outcome);
    if (outcome.kind === "blocked") waitSeconds = Math.max(waitSeconds, outcome.retryAfterSeconds);
    // The API server's own hint, within the longest round: it says when, not that nothing moves.
    if (outcome.kind === "throttled")
      waitSeconds = Math.max(waitSeconds, Math.min(outcome.retryAfterSeconds, LONGEST_ROUND_SECONDS));
    if (outcome.kind === "evicted") evicted += 1;
    if (outcome.kind === "evicted" || outcome.kind === "gone") moved = true;
  });
  return { evicted, deleted, waitSeconds, moved };
}

/** Waits between rounds; a stop cuts the wait short (taken at the next round's start). */
function* wait(
  context: OrchestrationContext,
  seconds: number,
  stops: EventChannel<StopDrainEvent>,
): Generator<Task, void, unknown> {
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000));
  const winner = yield context.df.Task.any([timer, stops.waiter()]);
  if (winner !== timer) timer.cancel();
}

function podKey(pod: PodName): string {
  return `${pod.namespace}/${pod.name}`;
}

function nameOf(pod: NodePod): PodName {
  return { namespace: pod.ref.namespace, name: pod.ref.name };
}

registerOrchestration(ORCHESTRATIONS.nodeDrain, nodeDrain);
