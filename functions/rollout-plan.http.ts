// POST /api/rollouts/plan: the fleet rollout plan for a policy (the body: the policy file's schema, every
// bad field named, plus an optional `now`, YYYY-MM-DD), from the latest inventory. The same JSON as
// `plan --format json`; operators ask for it, as for a migration's plan. 409 before any scan has finished.

import { capabilities } from "../shared/composition.ts";
import { ROLES } from "../shared/domain/access/principal.ts";
import { isIsoDate, utcMidnight } from "../shared/domain/lifecycle/calendar-date.ts";
import type { RolloutPolicy } from "../shared/domain/rollout/rollout-policy.ts";
import { parseRolloutPolicy } from "../shared/formats/rollout-policy.ts";
import type { Checked } from "../shared/migration/migration-requests.ts";
import { planFleetRollout } from "../shared/rollout/plan-rollout.ts";
import { jsonBody, writeRoute } from "./api-routes.ts";
import { jsonError, jsonOk } from "./http-json.ts";

export interface PlanRequest {
  policy: RolloutPolicy;
  /** A day to plan as of (UTC midnight); absent: the clock. */
  now?: Date;
}

/** The policy with `now` taken out of it: the policy's schema knows no such field. */
export function checkPlanRequest(value: unknown): Checked<PlanRequest> {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  const { now, ...policy } = isObject ? (value as Record<string, unknown>) : {};
  const badNow = now !== undefined && (typeof now !== "string" || !isIsoDate(now));
  const parsed = parseRolloutPolicy(isObject ? policy : value);
  if (badNow || !parsed.ok) {
    return {
      problems: [
        ...(badNow ? [`now: expected a calendar date YYYY-MM-DD, got ${JSON.stringify(now)}`] : []),
        ...(parsed.ok ? [] : parsed.problems),
      ],
    };
  }
  return {
    value: { policy: parsed.policy, ...(now !== undefined && { now: new Date(utcMidnight(now as string)) }) },
  };
}

writeRoute("rollout-plan", "rollouts/plan", ROLES.operator, async ({ request }) => {
  const checked = await jsonBody(request, checkPlanRequest);
  if ("refusal" in checked) return checked.refusal;
  const { inventory, notices, dependencies, migrations, clock, prices } = capabilities(
    "state",
    "clock",
    "prices",
  );
  const now = checked.value.now ?? new Date(clock.now());
  const result = await planFleetRollout(
    { inventory, notices, dependencies, migrations, prices },
    checked.value.policy,
    now,
  );
  if (result.kind === "no-inventory") return jsonError(409, result.reason);
  return jsonOk(result.plan);
});
