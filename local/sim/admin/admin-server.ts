// The simulator's own control surface (plain HTTP on loopback): inject and clear faults at run time,
// read the ledger, see a summary of the fleet, and step a virtual clock.

import type { IncomingMessage, ServerResponse } from "node:http";
import { ZodError } from "zod";
import { VirtualClock } from "../../clock.ts";
import { BodyError, type RunningServer, readBody, sendJson, startHttpServer } from "../http/https-server.ts";
import type { ActiveFault } from "../model/faults.ts";
import type { Fleet } from "../model/fleet.ts";
import { formatPath, unknownServiceBusEntity } from "../scenario/load.ts";
import { type FaultSpec, faultSchema } from "../scenario/schema.ts";

function faultView(fault: ActiveFault) {
  return {
    id: fault.id,
    ...fault.spec,
    fired: fault.fired,
    ...(fault.remaining !== undefined ? { remaining: fault.remaining } : {}),
  };
}

/** Checks that a fault names things that exist now (faults may target pools created at run time). */
function unknownTarget(fleet: Fleet, spec: FaultSpec): string | undefined {
  if (spec.kind === "servicebus-slow-send") {
    const problem = unknownServiceBusEntity(fleet.scenario, spec.entity);
    return problem && `entity: ${problem}`;
  }
  if (!("cluster" in spec)) return undefined;
  const cluster = fleet.cluster(spec.cluster);
  if (!cluster) return `cluster: no cluster named "${spec.cluster}"`;
  if (spec.kind === "node-not-ready" && !cluster.pools.has(spec.pool)) {
    return `pool: cluster ${cluster.name} has no pool "${spec.pool}"`;
  }
  return undefined;
}

export function fleetSummary(fleet: Fleet) {
  return {
    now: new Date(fleet.timeline.now()).toISOString(),
    clusters: fleet.clusters.map((c) => {
      const phases: Record<string, number> = {};
      for (const pod of c.store.list("pods")) {
        const phase = pod.metadata.deletionTimestamp ? "Terminating" : (pod.status?.phase ?? "Unknown");
        phases[phase] = (phases[phase] ?? 0) + 1;
      }
      return {
        name: c.name,
        subscriptionId: c.subscriptionId,
        resourceGroup: c.resourceGroup,
        provisioningState: c.clusterProvisioningState,
        operation: c.lock ?? null,
        pools: [...c.pools.values()].map((p) => ({
          name: p.name,
          provisioningState: p.provisioningState,
          count: p.props.count,
          machines: p.liveMachines().length,
          osSKU: p.props.osSKU,
          nodeImageVersion: p.props.nodeImageVersion,
        })),
        nodes: c.store.count("nodes"),
        pods: phases,
      };
    }),
  };
}

export async function startAdminServer(fleet: Fleet): Promise<RunningServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/\/+$/, "");
    try {
      if (method === "GET" && path === "/faults")
        return sendJson(res, 200, fleet.faults.list().map(faultView));
      if (method === "POST" && path === "/faults") {
        const spec = faultSchema.parse(JSON.parse((await readBody(req)) || "{}"));
        const problem = unknownTarget(fleet, spec);
        if (problem) return sendJson(res, 400, { error: problem });
        return sendJson(res, 201, faultView(fleet.faults.add(spec)));
      }
      const faultId = /^\/faults\/([^/]+)$/.exec(path)?.[1];
      if (method === "DELETE" && faultId) {
        return fleet.faults.remove(decodeURIComponent(faultId))
          ? sendJson(res, 204, undefined)
          : sendJson(res, 404, { error: `no fault ${faultId}` });
      }
      if (method === "GET" && path === "/ledger")
        return sendJson(res, 200, fleet.ledger.snapshot(fleet.timeline.now()));
      if (method === "GET" && path === "/state") return sendJson(res, 200, fleetSummary(fleet));
      if (method === "POST" && path === "/clock/advance") {
        const clock = fleet.timeline.clock;
        if (!(clock instanceof VirtualClock))
          return sendJson(res, 409, { error: "the simulator runs on a real clock" });
        const { ms } = JSON.parse((await readBody(req)) || "{}") as { ms?: unknown };
        if (typeof ms !== "number" || ms < 0)
          return sendJson(res, 400, { error: "ms: a non-negative number of milliseconds is required" });
        await clock.advanceBy(ms);
        return sendJson(res, 200, { now: new Date(clock.now()).toISOString() });
      }
      return sendJson(res, 404, { error: `no route for ${method} ${path}` });
    } catch (error) {
      if (error instanceof ZodError) {
        return sendJson(res, 400, {
          error: error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; "),
        });
      }
      if (error instanceof SyntaxError || error instanceof BodyError)
        return sendJson(res, 400, { error: error.message });
      throw error;
    }
  };
  return startHttpServer(handle);
}
