// Azure Resource Manager over HTTPS, as management.azure.com answers: what every request goes through
// (authentication, injected faults, api-version, ARM's headers and {error: {code, message}} bodies),
// then the route of one of its parts: subscriptions, Microsoft.Compute's usages and SKUs, managed
// clusters, agent pools, long-running operations and Resource Graph. The fleet model does the work.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyError, type RunningServer, readBody, sendJson, startHttpsServer } from "../http/https-server.ts";
import { requestMatches } from "../model/faults.ts";
import type { Fleet } from "../model/fleet.ts";
import type { SimulatorTls } from "../tls/certificates.ts";
import { AgentPools } from "./agent-pools.ts";
import { ArmError } from "./arm-error.ts";
import { match, PATTERNS, type Reply, type RequestContext, type Route } from "./arm-routes.ts";
import { computeRoutes } from "./compute.ts";
import { ResourceGraph } from "./graph/resource-graph.ts";
import { LongRunningOperations } from "./long-running-operations.ts";
import { ManagedClusters } from "./managed-clusters.ts";
import type { Operations } from "./operations.ts";
import { parseBody } from "./request-validation.ts";
import { subscriptionRoutes } from "./subscriptions.ts";

export interface ArmServerOptions {
  fleet: Fleet;
  tls: SimulatorTls;
}

export interface ArmServer extends RunningServer {
  readonly operations: Operations;
}

export async function startArmServer(options: ArmServerOptions): Promise<ArmServer> {
  const service = new ArmService(options.fleet, options.tls);
  const server = await startHttpsServer(options.tls, (req, res, url) => service.handle(req, res, url));
  service.longRunning.baseUrl = server.url;
  return { ...server, operations: service.longRunning.operations };
}

/** What every ARM request goes through (authentication, injected faults, api-version), then its route. */
class ArmService {
  readonly longRunning: LongRunningOperations;
  private readonly fleet: Fleet;
  private readonly routes: Route[];

  constructor(fleet: Fleet, tls: SimulatorTls) {
    this.fleet = fleet;
    this.longRunning = new LongRunningOperations(fleet.scenario.arm.asyncRetryAfterSeconds);
    const graph = new ResourceGraph(fleet);
    this.routes = [
      {
        pattern: PATTERNS.resourceGraph,
        method: "POST",
        handle: (_, r) => graph.query(r.authorization, r.body),
      },
      ...this.longRunning.routes,
      ...subscriptionRoutes(fleet),
      ...computeRoutes(fleet),
      ...new ManagedClusters(fleet, tls, this.longRunning).routes,
      ...new AgentPools(fleet, this.longRunning).routes,
    ];
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const headers = {
      "x-ms-request-id": randomUUID(),
      "x-ms-correlation-request-id":
        (req.headers["x-ms-client-request-id"] as string | undefined) ?? randomUUID(),
      "Cache-Control": "no-cache",
      Pragma: "no-cache",
      Expires: "-1",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
      "X-Content-Type-Options": "nosniff",
      ...(method === "GET"
        ? { "x-ms-ratelimit-remaining-subscription-reads": "11999" }
        : { "x-ms-ratelimit-remaining-subscription-writes": "1199" }),
    };
    try {
      const body = method === "GET" || method === "DELETE" ? "" : await readBody(req);
      const result = this.route(req, url, method, body);
      sendJson(res, result.status, result.body, { ...headers, ...result.headers });
    } catch (error) {
      if (error instanceof ArmError) {
        const body = {
          code: error.code,
          message: error.message,
          ...(error.target ? { target: error.target } : {}),
        };
        sendJson(res, error.status, { error: body }, { ...headers, ...error.headers });
      } else if (error instanceof BodyError) {
        sendJson(res, 413, { error: { code: "RequestEntityTooLarge", message: error.message } }, headers);
      } else {
        throw error;
      }
    }
  }

  private route(req: IncomingMessage, url: URL, method: string, rawBody: string): Reply {
    const authorization = req.headers.authorization;
    if (!authorization?.startsWith("Bearer ") || authorization.length <= "Bearer ".length) {
      throw new ArmError(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
        {
          headers: {
            "WWW-Authenticate": `Bearer authorization_uri="https://login.microsoftonline.com/${this.fleet.scenario.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
          },
        },
      );
    }
    this.fleet.credentials.record("arm", authorization.slice("Bearer ".length));
    const fault = this.fleet.faults.take("arm-error", (f) => requestMatches(f, method, url.pathname));
    if (fault) throw injectedError(fault.status, fault.retryAfterSeconds, url.pathname);
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion)
      throw new ArmError(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
    const segments = url.pathname.split("/").filter((s) => s !== "");
    const request: RequestContext = { body: parseBody(rawBody), apiVersion, authorization, url };
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.pattern, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method) return route.handle(params, request);
    }
    if (pathMatched)
      throw new ArmError(
        405,
        "MethodNotAllowed",
        `The requested resource does not support http method '${method}'.`,
      );
    throw new ArmError(
      404,
      "NotFound",
      `No HTTP resource was found that matches the request URI '${url.pathname}' in the simulator.`,
    );
  }
}

function injectedError(
  status: 400 | 403 | 409 | 429 | 500 | 503,
  retryAfterSeconds: number,
  path: string,
): ArmError {
  const retry = { "Retry-After": String(retryAfterSeconds) };
  if (status === 400) {
    return new ArmError(
      400,
      "BadRequest",
      `The request for '${path}' is invalid (the simulator's arm-error fault).`,
    );
  }
  if (status === 409) {
    return new ArmError(
      409,
      "Conflict",
      `The request conflicts with the state of '${path}' (the simulator's arm-error fault).`,
    );
  }
  if (status === 403) {
    return new ArmError(
      403,
      "AuthorizationFailed",
      `The client does not have authorization to perform this action over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
  if (status === 429) {
    return new ArmError(
      429,
      "SubscriptionRequestsThrottled",
      `Number of requests for subscription exceeded the limit. Please try again after '${retryAfterSeconds}' seconds after additional tickets are available. Refer to https://aka.ms/arm-throttling for additional information.`,
      { headers: { ...retry, "x-ms-ratelimit-remaining-subscription-reads": "0" } },
    );
  }
  if (status === 503) {
    return new ArmError(
      503,
      "ServiceUnavailable",
      "The service is currently unavailable. Please retry the request later.",
      { headers: retry },
    );
  }
  return new ArmError(
    500,
    "InternalServerError",
    "Encountered internal server error. Diagnostic information: injected by the simulator's arm-error fault.",
  );
}
