// Alerts as one step: the policy's decision stored as pending, then every pending alert delivered
// (earlier runs' leftovers included). Leases carry the instance id, so this run resumed after a crash
// takes its own over at once (every instance resumes when the host restarts); alerts another run holds
// are that run's to send, and left pending for the next run should it never come back. A failure is
// reported in the result, never thrown: the scan it follows is recorded already, and undelivered alerts
// stay pending for the next run.

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
    const delivery = yield* callActivity(context, ACTIVITIES.deliverAlerts, {
      holder: context.df.instanceId,
    });
    return { kind: "done", decision, delivery };
  } catch (error) {
    return { kind: "failed", stage: "deliver", error: errorMessage(error), decision };
  }
}
