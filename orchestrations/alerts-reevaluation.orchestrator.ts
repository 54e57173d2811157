// After a notice changed the lifecycle calendar: the latest scan's pools evaluated again against the new
// calendar (a moved date gives one dates-changed alert per affected pool and subject), then delivered.
// Started with an instance id derived from the notice, so a redelivered notice starts nothing twice.

import type { OrchestrationContext, Task } from "durable-functions";
import type { AlertsReevaluationInput, AlertsReevaluationResult } from "./contracts/alerts.contract.ts";
import { ORCHESTRATIONS } from "./contracts.ts";
import { decideAndDeliverAlerts } from "./steps/alerts-run.ts";
import { registerOrchestration } from "./steps/register.ts";

export function* alertsReevaluation(
  context: OrchestrationContext,
  { noticeId }: AlertsReevaluationInput,
): Generator<Task, AlertsReevaluationResult, unknown> {
  context.df.setCustomStatus({ noticeId, stage: "alerts" });
  const alerts = yield* decideAndDeliverAlerts(context, undefined);
  return { noticeId, alerts };
}

registerOrchestration(ORCHESTRATIONS.alertsReevaluation, alertsReevaluation);
