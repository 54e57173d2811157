// GET /api/inventory: every known pool with its lifecycle state as it stands now (filters: subscription,
// cluster (ARM id or name), state, osSku, pool), most urgent first, with the scan it comes from.
// POST /api/inventory/scans: starts a scan now, unless one is running; answers with the scan's id and
// GET /api/inventory/scans/{id}, its status. Not the Durable check-status links: they carry the system
// key, which can raise any event at any instance (a migration's gate answers included).

import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { operatorScanInstanceId, SCAN_INSTANCE_ID } from "../orchestrations/contracts/instance-ids.ts";
import { ORCHESTRATIONS } from "../orchestrations/contracts.ts";
import { capabilities } from "../shared/composition.ts";
import { compareUrgency, type PoolState, URGENCY_ORDER } from "../shared/domain/lifecycle/pool-assessment.ts";
import type { PoolFilter } from "../shared/domain/ports/inventory.ts";
import { currentPools } from "../shared/inventory/current-pools.ts";
import { toReportJson } from "../shared/report/fleet-report.ts";
import { answering, jsonError, jsonOk, readEndpoint, unknownParameters } from "./http-json.ts";
import { instanceStatus, startScanOnce } from "./scan-starter.ts";

const FILTERS = ["subscription", "cluster", "state", "osSku", "pool"] as const;

readEndpoint("inventory", "inventory", FILTERS, async (request) => {
  const state = request.query.get("state") ?? undefined;
  if (state !== undefined && !URGENCY_ORDER.includes(state as PoolState)) {
    return jsonError(400, `state "${state}" is not one of ${URGENCY_ORDER.join(", ")}`);
  }
  const filter: PoolFilter = {
    ...optional("subscriptionId", request.query.get("subscription")),
    ...optional("cluster", request.query.get("cluster")),
    ...optional("osSku", request.query.get("osSku")),
  };
  const product = capabilities("state", "clock");
  const now = new Date(product.clock.now());
  const scan = await product.inventory.latestScan();
  const pool = request.query.get("pool")?.toLowerCase();
  // State is filtered after reassessment: a notice may have changed it since the scan.
  const pools = (await currentPools(product, now, filter)).pools
    .filter(
      (p) =>
        (state === undefined || p.assessment.state === state) &&
        (pool === undefined || p.known.ref.pool.toLowerCase() === pool),
    )
    .sort((a, b) => compareUrgency(a.assessment, b.assessment));
  const report = toReportJson(
    pools.map((p) => p.assessment),
    now,
  );
  const countsByState: Partial<Record<PoolState, number>> = {};
  for (const p of pools) countsByState[p.assessment.state] = (countsByState[p.assessment.state] ?? 0) + 1;
  return jsonOk({
    generatedAt: report.generatedAt,
    scan: scan ?? null,
    count: pools.length,
    countsByState,
    pools: report.pools.map((entry, index) => {
      const { known } = pools[index] as (typeof pools)[number];
      return {
        ...entry,
        subscriptionId: known.ref.subscriptionId,
        resourceGroup: known.ref.resourceGroup,
        mode: known.pool.mode,
        vmSize: known.pool.vmSize,
        count: known.pool.count,
        scanId: known.scanId,
        stale: known.stale,
      };
    }),
  });
});

function optional<K extends keyof PoolFilter>(key: K, value: string | null): Partial<PoolFilter> {
  return value === null || value.trim() === "" ? {} : { [key]: value.trim() };
}

app.http("start-inventory-scan", {
  methods: ["POST"],
  route: "inventory/scans",
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (_request: HttpRequest, context: InvocationContext) =>
    answering(async () => {
      const client = df.getClient(context);
      const running = (
        await client.getStatusBy({
          runtimeStatus: [df.OrchestrationRuntimeStatus.Pending, df.OrchestrationRuntimeStatus.Running],
        })
      ).find((instance) => instance.name === ORCHESTRATIONS.inventoryScan);
      if (running) {
        return jsonError(
          409,
          `the inventory scan ${running.instanceId} is ${running.runtimeStatus}: wait for it to end`,
          {
            instanceId: running.instanceId,
          },
        );
      }
      const { clock } = capabilities("clock");
      const instanceId = operatorScanInstanceId(new Date(clock.now()));
      const start = await startScanOnce(client, instanceId, "operator");
      if (start.kind === "exists") {
        return jsonError(
          409,
          `the inventory scan ${instanceId} was started a moment ago (${start.runtimeStatus})`,
          {
            instanceId,
          },
        );
      }
      const statusUrl = scanStatusUrl(instanceId);
      return { ...jsonOk({ id: instanceId, statusUrl }, 202), headers: { Location: statusUrl } };
    }, context),
});

function scanStatusUrl(id: string): string {
  return `/api/inventory/scans/${encodeURIComponent(id)}`;
}

app.http("inventory-scan-status", {
  methods: ["GET"],
  route: "inventory/scans/{id}",
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    answering(async () => {
      const unknown = unknownParameters(request.query, []);
      if (unknown) return unknown;
      const id = request.params.id as string;
      // Only a scan's id goes on to the Durable client, whose URL the id is put into as it is.
      if (!SCAN_INSTANCE_ID.test(id)) return jsonError(404, `no inventory scan ${id}`);
      const status = await instanceStatus(df.getClient(context), id);
      if (status?.name !== ORCHESTRATIONS.inventoryScan) return jsonError(404, `no inventory scan ${id}`);
      return jsonOk({
        id,
        runtimeStatus: status.runtimeStatus,
        createdTime: status.createdTime,
        lastUpdatedTime: status.lastUpdatedTime,
        progress: status.customStatus ?? null,
        summary: status.output ?? null,
      });
    }, context),
});
