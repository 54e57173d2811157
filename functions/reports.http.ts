// GET /api/reports/compliance and GET /api/reports/cost: the fleet against the lifecycle calendar (pools by
// state, past end of support, migrations and their audit chains, removal dates on track or not), and what
// migrations cost and a yearly rotation would. Reads: anonymous at the Functions level like the rest of
// the read side. The compliance report needs an inventory (409 before any scan has finished).

import { capabilities } from "../shared/composition.ts";
import { complianceReport } from "../shared/report/compliance-report.ts";
import { costReport } from "../shared/report/cost-report.ts";
import { jsonError, jsonOk, readEndpoint } from "./http-json.ts";

function reportPorts() {
  const { inventory, notices, dependencies, migrations, audit, rollouts, clock, prices } = capabilities(
    "state",
    "clock",
    "prices",
  );
  return {
    ports: { inventory, notices, dependencies, migrations, audit, rollouts, prices },
    now: new Date(clock.now()),
  };
}

readEndpoint("compliance-report", "reports/compliance", [], async () => {
  const { ports, now } = reportPorts();
  const result = await complianceReport(ports, now);
  if (result.kind === "no-inventory") return jsonError(409, result.reason);
  return jsonOk(result.report);
});

readEndpoint("cost-report", "reports/cost", [], async () => {
  const { ports, now } = reportPorts();
  return jsonOk(await costReport(ports, now));
});
