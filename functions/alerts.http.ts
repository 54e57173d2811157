// GET /api/alerts: alerts decided so far with their delivery per sink (filter: status=pending|delivered),
// newest decision first.

import { capabilities } from "../shared/composition.ts";
import type { OutboxAlert } from "../shared/domain/ports/alerts.ts";
import { jsonError, jsonOk, readEndpoint } from "./http-json.ts";

const STATUSES: readonly OutboxAlert["status"][] = ["pending", "delivered"];

readEndpoint("alerts", "alerts", ["status"], async (request) => {
  const status = request.query.get("status") ?? undefined;
  if (status !== undefined && !STATUSES.includes(status as OutboxAlert["status"])) {
    return jsonError(400, `status "${status}" is not one of ${STATUSES.join(", ")}`);
  }
  const alerts = await capabilities("state").alerts.listAlerts(
    status === undefined ? {} : { status: status as OutboxAlert["status"] },
  );
  alerts.sort((a, b) => b.decidedAt.localeCompare(a.decidedAt) || a.alert.id.localeCompare(b.alert.id));
  const byStatus = { pending: 0, delivered: 0 };
  for (const alert of alerts) byStatus[alert.status]++;
  return jsonOk({ count: alerts.length, byStatus, alerts });
});
