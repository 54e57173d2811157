// Alerts as one step: the policy's decision stored as pending, then every pending alert delivered
// (earlier runs' leftovers included). Alerts another run held are delivered once more after its lease
// runs out: a run killed midway (the host was killed) leaves its lease behind, and this run, resumed, is
// what is left to send them. A failure is reported in the result, never thrown: the scan it follows is
// recorded already, and undelivered alerts stay pending for the next run.

import type { OrchestrationContext, Task } from "durable-functions";
import type { AlertsRunResult, DecideAlertsInput, DecideAlertsOutput } from "../contracts/alerts.contract.ts";
import { ACTIVITIES } from "../contracts.ts";
import { callActivity, errorMessage } from "./call-activity.ts";

export function* decideAndDeliverAlerts(
  context: OrchestrationContext,
  scanId: string | undefined,
): Generator<Task, AlertsRunResult, unknown> {
  const input: DecideAlertsInput = {
    ...(scanId !== undefined && { scanId }),
    now: context.df.currentUtcDateTime.toISOString(),
  };
  let decision: DecideAlertsOutput;
  try {
    decision = yield* callActivity(context, ACTIVITIES.decideAlerts, input);
  } catch (error) {
    return { kind: "failed", stage: "decide", error: errorMessage(error) };
  }
  if (decision.kind === "no-scan") return { kind: "done", decision };
  try {
    const delivery = yield* callActivity(context, ACTIVITIES.deliverAlerts, {});
    if (delivery.kind !== "sent" || delivery.heldUntil === undefined)
      return { kind: "done", decision, delivery };
    yield context.df.createTimer(new Date(delivery.heldUntil));
    const afterLease = yield* callActivity(context, ACTIVITIES.deliverAlerts, {});
    return { kind: "done", decision, delivery, afterLease };
  } catch (error) {
    return { kind: "failed", stage: "deliver", error: errorMessage(error), decision };
  }
}
