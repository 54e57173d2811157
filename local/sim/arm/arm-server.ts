// Azure Resource Manager for Microsoft.ContainerService over HTTPS: managed clusters, agent pools as
// long-running operations, upgrade profiles, machine deletion and credentials, with ARM's headers,
// status codes and {error: {code, message}} bodies. The fleet model does the work.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ResourceGraph } from "../graph/resource-graph.ts";
import { BodyError, type RunningServer, readBody, sendJson, startHttpsServer } from "../http/https-server.ts";
import { kubeconfigYaml } from "../kube/kubeconfig.ts";
import type { SimCluster } from "../model/cluster.ts";
import { applyPoolLabelsAndTaints } from "../model/controllers/nodes.ts";
import { requestMatches } from "../model/faults.ts";
import type { Fleet } from "../model/fleet.ts";
import { defaultMaxPods, type PoolProperties, type SimPool } from "../model/pool.ts";
import {
  AUTOSCALER_SETTINGS,
  type AutoScalerProfile,
  type AutoScalerSetting,
  isBooleanSetting,
} from "../scenario/autoscaler-profile.ts";
import {
  compareVersions,
  defaultRequestedSku,
  effectiveOsSku,
  isWindowsSku,
  REQUESTED_OS_SKUS,
  type RequestedOsSku,
} from "../scenario/os-images.ts";
import { isValidPoolName, maxPoolNameLength, TAINT_PATTERN } from "../scenario/pool-rules.ts";
import type { SimulatorTls } from "../tls/certificates.ts";
import {
  agentPoolResource,
  latestNodeImage,
  managedClusterResource,
  poolId,
  upgradeProfileResource,
} from "./arm-resources.ts";
import { type ArmOperation, Operations } from "./operations.ts";
import { createPool, deleteMachines, deletePool, updatePool, upgradeNodeImage } from "./pool-operations.ts";

export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly target?: string;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { headers?: Record<string, string>; target?: string } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
    if (options.target) this.target = options.target;
  }
}

const PROVIDER = "microsoft.containerservice";

// Known agent pool fields (api-version 2026-06-01): writable ones and those ARM returns read-only.
const POOL_TOP_FIELDS = new Set(["id", "name", "type", "properties", "systemData"]);
const POOL_PROPERTY_FIELDS = new Set(
  (
    "count vmSize osDiskSizeGB osDiskType kubeletDiskType workloadRuntime messageOfTheDay vnetSubnetID podSubnetID " +
    "podIPAllocationMode maxPods osType osSKU maxCount minCount enableAutoScaling scaleDownMode type mode " +
    "orchestratorVersion currentOrchestratorVersion nodeImageVersion upgradeSettings provisioningState powerState " +
    "availabilityZones enableNodePublicIP nodePublicIPPrefixID scaleSetPriority scaleSetEvictionPolicy spotMaxPrice " +
    "tags nodeLabels nodeTaints proximityPlacementGroupID kubeletConfig linuxOSConfig enableEncryptionAtHost " +
    "enableUltraSSD enableFIPS gpuInstanceProfile creationData capacityReservationGroupID hostGroupID networkProfile " +
    "windowsProfile securityProfile gpuProfile gatewayProfile artifactStreamingProfile virtualMachinesProfile " +
    "virtualMachineNodesStatus status localDNSProfile eTag"
  ).split(" "),
);
const UPGRADE_SETTINGS_FIELDS = new Set([
  "maxSurge",
  "maxUnavailable",
  "drainTimeoutInMinutes",
  "nodeSoakDurationInMinutes",
  "undrainableNodeBehavior",
]);
const CLUSTER_TOP_FIELDS = new Set([
  "id",
  "name",
  "type",
  "location",
  "tags",
  "sku",
  "kind",
  "extendedLocation",
  "identity",
  "properties",
  "systemData",
  "eTag",
]);
const CLUSTER_PROPERTY_FIELDS = new Set(
  (
    "provisioningState powerState maxAgentPools kubernetesVersion currentKubernetesVersion dnsPrefix fqdnSubdomain fqdn " +
    "privateFQDN azurePortalFQDN agentPoolProfiles linuxProfile windowsProfile servicePrincipalProfile addonProfiles " +
    "podIdentityProfile oidcIssuerProfile nodeResourceGroup nodeResourceGroupProfile enableRBAC supportPlan " +
    "networkProfile aadProfile autoUpgradeProfile upgradeSettings autoScalerProfile apiServerAccessProfile " +
    "diskEncryptionSetID identityProfile privateLinkResources disableLocalAccounts httpProxyConfig securityProfile " +
    "storageProfile ingressProfile publicNetworkAccess workloadAutoScalerProfile azureMonitorProfile serviceMeshProfile " +
    "resourceUID metricsProfile nodeProvisioningProfile bootstrapProfile aiToolchainOperatorProfile schedulerProfile " +
    "hostedSystemProfile status"
  ).split(" "),
);
const WRITABLE_EXTRA_FIELDS = [
  "osDiskSizeGB",
  "osDiskType",
  "kubeletDiskType",
  "workloadRuntime",
  "messageOfTheDay",
  "vnetSubnetID",
  "podSubnetID",
  "podIPAllocationMode",
  "scaleDownMode",
  "enableNodePublicIP",
  "nodePublicIPPrefixID",
  "scaleSetEvictionPolicy",
  "spotMaxPrice",
  "proximityPlacementGroupID",
  "kubeletConfig",
  "linuxOSConfig",
  "enableEncryptionAtHost",
  "enableUltraSSD",
  "enableFIPS",
  "gpuInstanceProfile",
  "creationData",
  "capacityReservationGroupID",
  "hostGroupID",
  "networkProfile",
  "windowsProfile",
  "securityProfile",
  "gpuProfile",
  "gatewayProfile",
  "artifactStreamingProfile",
  "localDNSProfile",
];

/** AKS rejects unknown fields from api-version 2024-01-01 on (https://github.com/Azure/AKS/issues/4060). */
function unknownField(object: unknown, known: Set<string>): string | undefined {
  if (typeof object !== "object" || object === null || Array.isArray(object)) return undefined;
  return Object.keys(object).find((key) => !known.has(key));
}

function unmarshalError(message: string): ArmError {
  return new ArmError(400, "UnmarshalError", `UnmarshalEntity encountered error: json: ${message}`);
}

function rejectUnknownFields(apiVersion: string, checks: Array<[unknown, Set<string>]>): void {
  if (apiVersion < "2024-01-01") return;
  for (const [object, known] of checks) {
    const field = unknownField(object, known);
    if (field !== undefined) {
      throw unmarshalError(
        `unknown field "${field}" Check that the field is in the right location, is spelled correctly, and is supported in the API version. Visit aka.ms/aks/apiversions for more API version information..`,
      );
    }
  }
}

function invalidParameter(target: string, message: string): ArmError {
  return new ArmError(400, "InvalidParameter", message, { target });
}

type Json = Record<string, unknown>;

function expectType(
  value: unknown,
  type: "string" | "number" | "boolean" | "object" | "array",
  field: string,
): void {
  if (value === undefined) return;
  const actual = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  if (actual !== type) {
    const goType = {
      string: "string",
      number: "int32",
      boolean: "bool",
      object: "map[string]string",
      array: "[]string",
    }[type];
    throw unmarshalError(`cannot unmarshal ${actual} into Go struct field ${field} of type ${goType}`);
  }
}

const SUBSCRIPTION = "subscriptions/:sub";
const PROVIDER_PATH = `providers/${PROVIDER}`;
const CLUSTER = `${SUBSCRIPTION}/resourcegroups/:rg/${PROVIDER_PATH}/managedclusters/:cluster`;
const POOL = `${CLUSTER}/agentpools/:pool`;
const LOCATION = `${SUBSCRIPTION}/${PROVIDER_PATH}/locations/:location`;

/** Route templates, lower case, split into path segments once; `:name` segments capture. */
const PATTERNS = splitTemplates({
  subscriptions: "subscriptions",
  subscription: SUBSCRIPTION,
  clustersInSubscription: `${SUBSCRIPTION}/${PROVIDER_PATH}/managedclusters`,
  clustersInGroup: `${SUBSCRIPTION}/resourcegroups/:rg/${PROVIDER_PATH}/managedclusters`,
  cluster: CLUSTER,
  userCredential: `${CLUSTER}/listclusterusercredential`,
  adminCredential: `${CLUSTER}/listclusteradmincredential`,
  pools: `${CLUSTER}/agentpools`,
  pool: POOL,
  upgradeProfile: `${POOL}/upgradeprofiles/default`,
  deleteMachines: `${POOL}/deletemachines`,
  upgradeNodeImage: `${POOL}/upgradenodeimageversion`,
  machines: `${POOL}/machines`,
  operationStatus: `${LOCATION}/operations/:operation`,
  operationResult: `${LOCATION}/operationresults/:operation`,
  resourceGraph: "providers/microsoft.resourcegraph/resources",
});

function splitTemplates<K extends string>(templates: Record<K, string>): Record<K, readonly string[]> {
  const split = Object.entries<string>(templates).map(([name, template]) => [name, template.split("/")]);
  return Object.fromEntries(split) as Record<K, readonly string[]>;
}

type Params = Record<string, string>;

function match(pattern: readonly string[], segments: string[]): Params | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Params = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(segment);
    else if (part !== segment.toLowerCase()) return undefined;
  }
  return params;
}

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
  service.baseUrl = server.url;
  return { ...server, operations: service.operations };
}

class ArmService {
  readonly operations = new Operations();
  private readonly graph: ResourceGraph;
  baseUrl = "";
  private readonly fleet: Fleet;
  private readonly tls: SimulatorTls;

  constructor(fleet: Fleet, tls: SimulatorTls) {
    this.fleet = fleet;
    this.tls = tls;
    this.graph = new ResourceGraph(fleet);
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
    const fault = this.fleet.faults.take("arm-error", (f) => requestMatches(f, method, url.pathname));
    if (fault) throw injectedError(fault.status, fault.retryAfterSeconds);
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

  private readonly routes: Route[] = [
    {
      pattern: PATTERNS.resourceGraph,
      method: "POST",
      handle: (_, r) => this.graph.query(r.authorization, r.body),
    },
    { pattern: PATTERNS.operationStatus, method: "GET", handle: (p) => this.operationStatus(p) },
    { pattern: PATTERNS.operationResult, method: "GET", handle: (p) => this.operationResult(p) },
    {
      pattern: PATTERNS.subscriptions,
      method: "GET",
      handle: () => ok({ value: this.fleet.subscriptions.map((s) => this.subscriptionResource(s.id)) }),
    },
    {
      pattern: PATTERNS.subscription,
      method: "GET",
      handle: (p) => ok(this.subscriptionResource(this.requireSubscription(p.sub as string))),
    },
    {
      pattern: PATTERNS.clustersInSubscription,
      method: "GET",
      handle: (p) => {
        this.requireSubscription(p.sub as string);
        return ok({
          value: this.clustersWhere((c) => same(c.subscriptionId, p.sub)).map(managedClusterResource),
        });
      },
    },
    {
      pattern: PATTERNS.clustersInGroup,
      method: "GET",
      handle: (p) => {
        this.requireGroup(p);
        return ok({
          value: this.clustersWhere((c) => same(c.subscriptionId, p.sub) && same(c.resourceGroup, p.rg)).map(
            managedClusterResource,
          ),
        });
      },
    },
    {
      pattern: PATTERNS.cluster,
      method: "GET",
      handle: (p) => ok(managedClusterResource(this.requireCluster(p))),
    },
    {
      pattern: PATTERNS.cluster,
      method: "PUT",
      handle: (p, r) => this.putCluster(this.requireCluster(p), r.body, r.apiVersion),
    },
    {
      pattern: PATTERNS.cluster,
      method: "PATCH",
      handle: (p, r) => this.patchClusterTags(this.requireCluster(p), r.body),
    },
    {
      pattern: PATTERNS.userCredential,
      method: "POST",
      handle: (p) => this.credentials(this.requireCluster(p), "user"),
    },
    {
      pattern: PATTERNS.adminCredential,
      method: "POST",
      handle: (p) => this.credentials(this.requireCluster(p), "admin"),
    },
    {
      pattern: PATTERNS.pools,
      method: "GET",
      handle: (p) => {
        const cluster = this.requireCluster(p);
        return ok({ value: [...cluster.pools.values()].map((pool) => agentPoolResource(cluster, pool)) });
      },
    },
    {
      pattern: PATTERNS.pool,
      method: "GET",
      handle: (p) => {
        const cluster = this.requireCluster(p);
        return ok(agentPoolResource(cluster, this.requirePool(cluster, p.pool as string)));
      },
    },
    {
      pattern: PATTERNS.pool,
      method: "PUT",
      handle: (p, r) => this.putPool(this.requireCluster(p), p.pool as string, r.body, r.apiVersion),
    },
    {
      pattern: PATTERNS.pool,
      method: "DELETE",
      handle: (p, r) =>
        this.deletePool(
          this.requireCluster(p),
          p.pool as string,
          r.url.searchParams.get("ignore-pod-disruption-budget") === "true",
        ),
    },
    {
      pattern: PATTERNS.upgradeProfile,
      method: "GET",
      handle: (p) => {
        const cluster = this.requireCluster(p);
        return ok(upgradeProfileResource(cluster, this.requirePool(cluster, p.pool as string)));
      },
    },
    {
      pattern: PATTERNS.deleteMachines,
      method: "POST",
      handle: (p, r) => {
        const cluster = this.requireCluster(p);
        return this.deleteMachines(cluster, this.requirePool(cluster, p.pool as string), r.body);
      },
    },
    {
      pattern: PATTERNS.upgradeNodeImage,
      method: "POST",
      handle: (p) => {
        const cluster = this.requireCluster(p);
        return this.upgradeNodeImage(cluster, this.requirePool(cluster, p.pool as string));
      },
    },
    {
      pattern: PATTERNS.machines,
      method: "GET",
      handle: (p) => {
        const cluster = this.requireCluster(p);
        return ok({ value: this.machines(cluster, this.requirePool(cluster, p.pool as string)) });
      },
    },
  ];

  // ------------------------------------------------------------ lookups

  private clustersWhere(predicate: (c: SimCluster) => boolean): SimCluster[] {
    return this.fleet.clusters.filter(predicate);
  }

  private requireSubscription(id: string): string {
    const subscription = this.fleet.subscription(id);
    if (!subscription)
      throw new ArmError(404, "SubscriptionNotFound", `The subscription '${id}' could not be found.`);
    return subscription.id;
  }

  private requireGroup(p: Params): void {
    this.requireSubscription(p.sub as string);
    if (!this.fleet.clusters.some((c) => same(c.subscriptionId, p.sub) && same(c.resourceGroup, p.rg))) {
      throw new ArmError(404, "ResourceGroupNotFound", `Resource group '${p.rg}' could not be found.`);
    }
  }

  private requireCluster(p: Params): SimCluster {
    this.requireGroup(p);
    const cluster = this.fleet.findCluster(p.sub as string, p.rg as string, p.cluster as string);
    if (!cluster) {
      throw new ArmError(
        404,
        "ResourceNotFound",
        `The Resource 'Microsoft.ContainerService/managedClusters/${p.cluster}' under resource group '${p.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    }
    return cluster;
  }

  private requirePool(cluster: SimCluster, name: string): SimPool {
    const pool = findPool(cluster, name);
    if (!pool)
      throw new ArmError(
        404,
        "NotFound",
        `Could not find agent pool '${name}' in managed cluster '${cluster.name}'.`,
      );
    return pool;
  }

  private subscriptionResource(id: string): Json {
    const info = this.fleet.subscription(id);
    return {
      id: `/subscriptions/${id}`,
      authorizationSource: "RoleBased",
      managedByTenants: [],
      subscriptionId: id,
      tenantId: this.fleet.scenario.tenantId,
      displayName: info?.displayName ?? id,
      state: "Enabled",
      subscriptionPolicies: {
        locationPlacementId: "Public_2014-09-01",
        quotaId: "EnterpriseAgreement_2014-09-01",
        spendingLimit: "Off",
      },
    };
  }

  // ------------------------------------------------------------ long-running operations

  private asyncHeaders(operation: ArmOperation, withLocation: boolean): Record<string, string> {
    const base = `${this.baseUrl}/subscriptions/${operation.subscriptionId}/providers/Microsoft.ContainerService/locations/${operation.location}`;
    const retryAfter = this.fleet.scenario.arm.asyncRetryAfterSeconds;
    return {
      "Azure-AsyncOperation": `${base}/operations/${operation.id}?api-version=2016-03-30`,
      ...(withLocation
        ? { Location: `${base}/operationresults/${operation.id}?api-version=2016-03-30` }
        : {}),
      ...(retryAfter > 0 ? { "Retry-After": String(retryAfter) } : {}),
    };
  }

  private requireOperation(p: Params): ArmOperation {
    const operation = this.operations.get(p.operation as string);
    if (!operation || !same(operation.subscriptionId, p.sub)) {
      throw new ArmError(404, "NotFound", `Operation '${p.operation}' was not found.`);
    }
    return operation;
  }

  private operationStatus(p: Params): Reply {
    const operation = this.requireOperation(p);
    const iso = (ms: number) => new Date(ms).toISOString();
    const retryAfter = this.fleet.scenario.arm.asyncRetryAfterSeconds;
    return ok(
      {
        name: operation.id,
        status: operation.status,
        startTime: iso(operation.startTime),
        ...(operation.endTime !== undefined ? { endTime: iso(operation.endTime) } : {}),
        ...(operation.error ? { error: operation.error } : {}),
      },
      operation.status === "InProgress" && retryAfter > 0 ? { "Retry-After": String(retryAfter) } : {},
    );
  }

  private operationResult(p: Params): Reply {
    const operation = this.requireOperation(p);
    if (operation.status === "InProgress")
      return { status: 202, body: undefined, headers: this.asyncHeaders(operation, true) };
    if (operation.error) throw new ArmError(400, operation.error.code, operation.error.message);
    const resource = this.operationResources.get(operation.id)?.();
    return resource ? ok(resource) : { status: 204, body: undefined, headers: {} };
  }

  /** What an operation's result URL returns once it succeeded (the pool, while it exists). */
  private readonly operationResources = new Map<string, () => Json | undefined>();

  /** ARM's 409 while another operation holds the cluster; writes check it before they change anything. */
  private refuseWhileBusy(cluster: SimCluster): void {
    const conflict = this.operations.conflict(cluster);
    if (conflict) throw new ArmError(409, "OperationNotAllowed", conflict);
  }

  private startOperation(
    cluster: SimCluster,
    request: Parameters<Operations["start"]>[1],
    pool?: string,
  ): ArmOperation {
    this.refuseWhileBusy(cluster);
    const operation = this.operations.start(cluster, request);
    if (pool) {
      this.operationResources.set(operation.id, () => {
        const current = cluster.pools.get(pool);
        return current ? agentPoolResource(cluster, current) : undefined;
      });
    }
    return operation;
  }

  // ------------------------------------------------------------ agent pools

  private putPool(cluster: SimCluster, name: string, body: Json, apiVersion: string): Reply {
    const properties = (body.properties ?? {}) as Json;
    expectType(body.properties, "object", "AgentPool.properties");
    rejectUnknownFields(apiVersion, [
      [body, POOL_TOP_FIELDS],
      [properties, POOL_PROPERTY_FIELDS],
      [properties.upgradeSettings, UPGRADE_SETTINGS_FIELDS],
    ]);
    checkPropertyTypes(properties);
    const existing = findPool(cluster, name);
    if (existing) return this.updatePool(cluster, existing, properties);
    this.refuseWhileBusy(cluster);
    const props = this.newPoolProperties(cluster, name, properties);
    const pool = cluster.addPool(name, props);
    pool.provisioningState = "Creating";
    const operation = this.startOperation(
      cluster,
      { kind: "create", pool: name, state: "Creating", work: () => createPool(cluster, pool) },
      name,
    );
    return {
      status: 201,
      body: agentPoolResource(cluster, pool),
      headers: this.asyncHeaders(operation, false),
    };
  }

  private newPoolProperties(cluster: SimCluster, name: string, p: Json): PoolProperties {
    const osType = (p.osType as string | undefined) ?? "Linux";
    if (osType !== "Linux" && osType !== "Windows")
      throw invalidParameter(
        "properties.osType",
        `The value of parameter osType '${osType}' is invalid. Allowed values are Linux and Windows.`,
      );
    if (!isValidPoolName(name, osType)) {
      throw invalidParameter(
        "agentPoolName",
        `Agent Pool Name '${name}' is invalid: it must start with a lowercase letter and contain only lowercase letters and numbers, at most ${maxPoolNameLength(osType)} characters for ${osType} pools. See https://aka.ms/aks-naming-rules for more details.`,
      );
    }
    const vmSize = p.vmSize as string | undefined;
    if (!vmSize)
      throw invalidParameter(
        "properties.vmSize",
        "The value of parameter agentPoolProfile.vmSize is required.",
      );
    if (!(vmSize in cluster.ctx.vmSizes)) {
      throw invalidParameter(
        "properties.vmSize",
        `The VM size of ${vmSize} is not allowed in your subscription in location '${cluster.location}'.`,
      );
    }
    const version = (p.orchestratorVersion as string | undefined) ?? cluster.kubernetesVersion;
    this.checkVersion(cluster, version);
    const osSKU = this.checkSku(
      (p.osSKU as string | undefined) ?? defaultRequestedSku(osType, version),
      osType,
      version,
    );
    const mode = this.checkMode(p.mode);
    const count = (p.count as number | undefined) ?? 1;
    this.checkCount(count, mode, p);
    const props: PoolProperties = {
      count,
      vmSize,
      osType,
      osSKU,
      mode,
      orchestratorVersion: version,
      nodeImageVersion: "",
      enableAutoScaling: (p.enableAutoScaling as boolean | undefined) ?? false,
      ...(p.minCount !== undefined ? { minCount: p.minCount as number } : {}),
      ...(p.maxCount !== undefined ? { maxCount: p.maxCount as number } : {}),
      maxPods: (p.maxPods as number | undefined) ?? defaultMaxPods(cluster.spec.networkProfile),
      nodeLabels: { ...((p.nodeLabels as Record<string, string> | undefined) ?? {}) },
      nodeTaints: this.checkTaints(p.nodeTaints),
      availabilityZones: [...((p.availabilityZones as string[] | undefined) ?? [])],
      upgradeSettings: { ...((p.upgradeSettings as PoolProperties["upgradeSettings"] | undefined) ?? {}) },
      scaleSetPriority:
        ((p.scaleSetPriority as string | undefined) ?? "Regular") === "Spot" ? "Spot" : "Regular",
      ...(p.tags ? { tags: { ...(p.tags as Record<string, string>) } } : {}),
      extra: extraFields(p),
    };
    props.nodeImageVersion = latestNodeImageFor(cluster, props);
    return props;
  }

  private checkVersion(cluster: SimCluster, version: string): void {
    if (!/^\d+\.\d+(\.\d+)?$/.test(version))
      throw invalidParameter(
        "properties.orchestratorVersion",
        `Version ${version} is not a valid Kubernetes version.`,
      );
    if (compareVersions(version, cluster.kubernetesVersion) > 0) {
      throw new ArmError(
        400,
        "NodePoolMcVersionIncompatible",
        `Node pool version ${version} and control plane version ${cluster.kubernetesVersion} are incompatible. Minor version of node pool version ${version.split(".")[1]} is bigger than control plane version ${cluster.kubernetesVersion.split(".")[1]}.`,
      );
    }
  }

  private checkSku(sku: string, osType: string, version: string): RequestedOsSku {
    if (!(REQUESTED_OS_SKUS as readonly string[]).includes(sku)) {
      throw invalidParameter(
        "properties.osSKU",
        `The value of parameter osSKU '${sku}' is invalid or not modelled by the simulator. Supported: ${REQUESTED_OS_SKUS.join(", ")}.`,
      );
    }
    const windows = isWindowsSku(effectiveOsSku(sku as RequestedOsSku, version));
    if (windows !== (osType === "Windows"))
      throw invalidParameter("properties.osSKU", `OSSKU '${sku}' is not supported for OSType '${osType}'.`);
    return sku as RequestedOsSku;
  }

  private checkMode(mode: unknown): PoolProperties["mode"] {
    const value = (mode as string | undefined) ?? "User";
    if (value !== "System" && value !== "User" && value !== "Gateway") {
      throw invalidParameter(
        "properties.mode",
        `The value of parameter mode '${value}' is invalid. Valid values are User, System and Gateway.`,
      );
    }
    return value;
  }

  private checkCount(count: number, mode: string, p: Json): void {
    const min = mode === "System" ? 1 : 0;
    if (!Number.isInteger(count) || count < min || count > 1000) {
      throw invalidParameter(
        "properties.count",
        `The value of parameter agentPoolProfile.count is invalid: ${count}. It must be between ${min} and 1000 for ${mode} pools.`,
      );
    }
    if (p.enableAutoScaling === true) {
      const minCount = p.minCount as number | undefined;
      const maxCount = p.maxCount as number | undefined;
      if (
        minCount === undefined ||
        maxCount === undefined ||
        minCount > maxCount ||
        count < minCount ||
        count > maxCount
      ) {
        throw invalidParameter(
          "properties.minCount",
          "When enableAutoScaling is true, minCount and maxCount must be set, minCount <= count <= maxCount.",
        );
      }
    }
  }

  private checkTaints(value: unknown): string[] {
    const taints = (value as string[] | undefined) ?? [];
    for (const taint of taints) {
      if (!TAINT_PATTERN.test(taint)) {
        throw invalidParameter(
          "properties.nodeTaints",
          `Taint '${taint}' is invalid: it must be in the form key=value:effect.`,
        );
      }
    }
    return [...taints];
  }

  private updatePool(cluster: SimCluster, pool: SimPool, p: Json): Reply {
    this.refuseWhileBusy(cluster);
    const current = pool.props;
    if (p.vmSize !== undefined && p.vmSize !== current.vmSize) {
      throw new ArmError(400, "PropertyChangeNotAllowed", "Changing property 'vmSize' is not allowed.", {
        target: "properties.vmSize",
      });
    }
    if (p.osType !== undefined && p.osType !== current.osType) {
      throw new ArmError(400, "PropertyChangeNotAllowed", "Changing property 'osType' is not allowed.", {
        target: "properties.osType",
      });
    }
    const version = (p.orchestratorVersion as string | undefined) ?? current.orchestratorVersion;
    this.checkVersion(cluster, version);
    if (compareVersions(version, current.orchestratorVersion) < 0) {
      throw invalidParameter(
        "properties.orchestratorVersion",
        `Downgrading agent pool version from ${current.orchestratorVersion} to ${version} is not allowed.`,
      );
    }
    const osSKU = this.checkSku((p.osSKU as string | undefined) ?? current.osSKU, current.osType, version);
    const mode = this.checkMode(p.mode ?? current.mode);
    if (mode !== "System" && current.mode === "System" && this.systemPools(cluster).length === 1) {
      throw invalidParameter("properties.mode", "There has to be at least one system agent pool.");
    }
    const count = (p.count as number | undefined) ?? current.count;
    this.checkCount(count, mode, { ...current, ...p });
    const next: PoolProperties = {
      ...current,
      count,
      osSKU,
      mode,
      orchestratorVersion: version,
      enableAutoScaling: (p.enableAutoScaling as boolean | undefined) ?? current.enableAutoScaling,
      minCount: (p.minCount as number | undefined) ?? current.minCount,
      maxCount: (p.maxCount as number | undefined) ?? current.maxCount,
      nodeLabels:
        p.nodeLabels !== undefined ? { ...(p.nodeLabels as Record<string, string>) } : current.nodeLabels,
      nodeTaints: p.nodeTaints !== undefined ? this.checkTaints(p.nodeTaints) : current.nodeTaints,
      upgradeSettings:
        p.upgradeSettings !== undefined
          ? { ...(p.upgradeSettings as PoolProperties["upgradeSettings"]) }
          : current.upgradeSettings,
      ...(p.tags !== undefined ? { tags: { ...(p.tags as Record<string, string>) } } : {}),
      extra: { ...current.extra, ...extraFields(p) },
    };
    const versionChanged = version !== current.orchestratorVersion;
    const skuChanged = effectiveOsSku(osSKU, version) !== pool.effectiveSku;
    if (versionChanged || skuChanged || osSKU !== current.osSKU)
      next.nodeImageVersion = latestNodeImageFor(cluster, next);
    const upgrade = next.nodeImageVersion !== current.nodeImageVersion || versionChanged;
    const scale = count !== pool.liveMachines().length;
    const previousLabels = current.nodeLabels;
    const previousTaints = current.nodeTaints;
    pool.props = next;
    pool.eTag = cluster.uid();
    if (
      JSON.stringify(previousLabels) !== JSON.stringify(next.nodeLabels) ||
      JSON.stringify(previousTaints) !== JSON.stringify(next.nodeTaints)
    ) {
      applyPoolLabelsAndTaints(cluster, pool, previousLabels, previousTaints);
    }
    const state = upgrade ? "Upgrading" : scale ? "Scaling" : "Updating";
    const operation = this.startOperation(
      cluster,
      { kind: "update", pool: pool.name, state, work: () => updatePool(cluster, pool, { upgrade, scale }) },
      pool.name,
    );
    return {
      status: 200,
      body: agentPoolResource(cluster, pool),
      headers: this.asyncHeaders(operation, false),
    };
  }

  private systemPools(cluster: SimCluster): SimPool[] {
    return [...cluster.pools.values()].filter((p) => p.props.mode === "System");
  }

  private deletePool(cluster: SimCluster, name: string, ignorePdb: boolean): Reply {
    const pool = findPool(cluster, name);
    if (!pool) return { status: 204, body: undefined, headers: {} };
    if (pool.props.mode === "System" && this.systemPools(cluster).length === 1) {
      throw new ArmError(400, "OperationNotAllowed", "There has to be at least one system agent pool.");
    }
    const operation = this.startOperation(cluster, {
      kind: "delete",
      pool: pool.name,
      state: "Deleting",
      work: () => deletePool(cluster, pool, ignorePdb),
    });
    return { status: 202, body: undefined, headers: this.asyncHeaders(operation, true) };
  }

  private deleteMachines(cluster: SimCluster, pool: SimPool, body: Json): Reply {
    rejectUnknownFields("2024-01-01", [[body, new Set(["machineNames"])]]);
    const names = body.machineNames;
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string")) {
      throw invalidParameter("machineNames", "machineNames must be a non-empty list of machine names.");
    }
    const unknown = names.filter((n) => !pool.machines.has(n as string));
    if (unknown.length > 0)
      throw invalidParameter(
        "machineNames",
        `Machines [${unknown.join(", ")}] were not found in agent pool '${pool.name}'.`,
      );
    if (
      pool.props.mode === "System" &&
      pool.liveMachines().length - names.length < 1 &&
      this.systemPools(cluster).length === 1
    ) {
      throw new ArmError(
        400,
        "OperationNotAllowed",
        "There has to be at least one node in a system agent pool.",
      );
    }
    const operation = this.startOperation(cluster, {
      kind: "deleteMachines",
      pool: pool.name,
      state: "Scaling",
      work: () => deleteMachines(cluster, pool, names as string[]),
    });
    return { status: 202, body: undefined, headers: this.asyncHeaders(operation, true) };
  }

  private upgradeNodeImage(cluster: SimCluster, pool: SimPool): Reply {
    this.refuseWhileBusy(cluster);
    pool.props.nodeImageVersion = latestNodeImage(cluster, pool.effectiveSku);
    const operation = this.startOperation(
      cluster,
      {
        kind: "update",
        pool: pool.name,
        state: "UpgradingNodeImageVersion",
        work: () => upgradeNodeImage(cluster, pool),
      },
      pool.name,
    );
    return {
      status: 202,
      body: agentPoolResource(cluster, pool),
      headers: this.asyncHeaders(operation, true),
    };
  }

  private machines(cluster: SimCluster, pool: SimPool): Json[] {
    return pool.liveMachines().map((m) => {
      const node = cluster.node(m.name);
      const ip = node?.status.addresses?.find((a: { type: string }) => a.type === "InternalIP")?.address;
      return {
        id: `${poolId(cluster, pool.name)}/machines/${m.name}`,
        name: m.name,
        type: "Microsoft.ContainerService/managedClusters/agentPools/machines",
        zones: m.zone === "0" ? [] : [m.zone.split("-").pop()],
        properties: {
          network: { ipAddresses: ip ? [{ family: "IPv4", ip }] : [] },
          resourceId: `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.nodeResourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-${pool.name}-${pool.vmssId}-vmss/virtualMachines/${m.ordinal}`,
        },
      };
    });
  }

  // ------------------------------------------------------------ managed clusters

  private putCluster(cluster: SimCluster, body: Json, apiVersion: string): Reply {
    const properties = (body.properties ?? {}) as Json;
    rejectUnknownFields(apiVersion, [
      [body, CLUSTER_TOP_FIELDS],
      [properties, CLUSTER_PROPERTY_FIELDS],
    ]);
    if (typeof body.location !== "string")
      throw new ArmError(400, "LocationRequired", "The location property is required for this definition.");
    const profiles = properties.agentPoolProfiles as Array<{ name?: string }> | undefined;
    if (profiles) {
      const requested = new Set(profiles.map((p) => p.name));
      const existing = new Set(cluster.pools.keys());
      if ([...requested].some((n) => n === undefined || !existing.has(n))) {
        throw new ArmError(
          400,
          "BadRequest",
          "A new agent pool was introduced. Adding agent pools to an existing cluster is not allowed through managed cluster operations. For agent pool specific change, please use per agent pool operations: https://aka.ms/agent-pool-rest-api",
        );
      }
    }
    const version = properties.kubernetesVersion as string | undefined;
    if (version !== undefined && version !== cluster.kubernetesVersion) {
      throw new ArmError(
        400,
        "NotSupportedBySimulator",
        `The simulator does not model control plane upgrades (requested ${version}, running ${cluster.kubernetesVersion}).`,
      );
    }
    const profile =
      properties.autoScalerProfile === undefined
        ? undefined
        : checkAutoScalerProfile(properties.autoScalerProfile, apiVersion);
    this.refuseWhileBusy(cluster);
    if (profile) cluster.spec.autoScalerProfile = profile;
    if (body.tags !== undefined) cluster.spec.tags = { ...(body.tags as Record<string, string>) };
    const operation = this.startOperation(cluster, {
      kind: "updateCluster",
      state: "Updating",
      work: () => cluster.timeline.sleep(cluster.ctx.timings.clusterUpdateSeconds * 1000),
    });
    return {
      status: 200,
      body: managedClusterResource(cluster),
      headers: this.asyncHeaders(operation, false),
    };
  }

  private patchClusterTags(cluster: SimCluster, body: Json): Reply {
    rejectUnknownFields("2024-01-01", [[body, new Set(["tags"])]]);
    this.refuseWhileBusy(cluster);
    cluster.spec.tags = { ...((body.tags as Record<string, string> | undefined) ?? {}) };
    const operation = this.startOperation(cluster, {
      kind: "updateCluster",
      state: "Updating",
      work: () => cluster.timeline.sleep(1000),
    });
    return {
      status: 200,
      body: managedClusterResource(cluster),
      headers: this.asyncHeaders(operation, false),
    };
  }

  private credentials(cluster: SimCluster, kind: "user" | "admin"): Reply {
    const server = cluster.apiServerUrl;
    const yaml =
      kind === "admin"
        ? kubeconfigYaml(
            cluster,
            server,
            this.tls.caPem,
            { kind: "token" },
            `clusterAdmin_${cluster.resourceGroup}_${cluster.name}`,
          )
        : kubeconfigYaml(cluster, server, this.tls.caPem, {
            kind: "exec",
            tenantId: this.fleet.scenario.tenantId,
          });
    return ok({
      kubeconfigs: [
        {
          name: kind === "admin" ? "clusterAdmin" : "clusterUser",
          value: Buffer.from(yaml).toString("base64"),
        },
      ],
    });
  }
}

interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface RequestContext {
  body: Json;
  apiVersion: string;
  authorization: string;
  url: URL;
}

interface Route {
  pattern: readonly string[];
  method: string;
  handle: (params: Params, request: RequestContext) => Reply;
}

function ok(body: unknown, headers: Record<string, string> = {}): Reply {
  return { status: 200, body, headers };
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** ARM names agent pools without regard to case. */
function findPool(cluster: SimCluster, name: string): SimPool | undefined {
  return cluster.pools.get(name) ?? [...cluster.pools.values()].find((p) => same(p.name, name));
}

function parseBody(text: string): Json {
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Json;
  } catch (error) {
    throw new ArmError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: '${(error as Error).message}'.`,
    );
  }
}

function checkPropertyTypes(p: Json): void {
  expectType(p.count, "number", "ManagedClusterAgentPoolProfileProperties.count");
  expectType(p.vmSize, "string", "ManagedClusterAgentPoolProfileProperties.vmSize");
  expectType(p.osType, "string", "ManagedClusterAgentPoolProfileProperties.osType");
  expectType(p.osSKU, "string", "ManagedClusterAgentPoolProfileProperties.osSKU");
  expectType(p.mode, "string", "ManagedClusterAgentPoolProfileProperties.mode");
  expectType(p.orchestratorVersion, "string", "ManagedClusterAgentPoolProfileProperties.orchestratorVersion");
  expectType(p.enableAutoScaling, "boolean", "ManagedClusterAgentPoolProfileProperties.enableAutoScaling");
  expectType(p.minCount, "number", "ManagedClusterAgentPoolProfileProperties.minCount");
  expectType(p.maxCount, "number", "ManagedClusterAgentPoolProfileProperties.maxCount");
  expectType(p.maxPods, "number", "ManagedClusterAgentPoolProfileProperties.maxPods");
  expectType(p.nodeLabels, "object", "ManagedClusterAgentPoolProfileProperties.nodeLabels");
  expectType(p.nodeTaints, "array", "ManagedClusterAgentPoolProfileProperties.nodeTaints");
  expectType(p.availabilityZones, "array", "ManagedClusterAgentPoolProfileProperties.availabilityZones");
  expectType(p.upgradeSettings, "object", "ManagedClusterAgentPoolProfileProperties.upgradeSettings");
}

/** Settings typed as the API types them (booleans stay booleans); null ones are left unset. */
function checkAutoScalerProfile(value: unknown, apiVersion: string): AutoScalerProfile {
  expectType(value, "object", "ManagedClusterProperties.autoScalerProfile");
  const entries = Object.entries(value as Json).filter(([, v]) => v !== null);
  rejectUnknownFields(apiVersion, [[Object.fromEntries(entries), AUTOSCALER_SETTINGS]]);
  const known = entries.filter(([setting]) => AUTOSCALER_SETTINGS.has(setting));
  for (const [setting, v] of known) {
    const type = isBooleanSetting(setting as AutoScalerSetting) ? "boolean" : "string";
    expectType(v, type, `ManagedClusterPropertiesAutoScalerProfile.${setting}`);
  }
  return Object.fromEntries(known) as AutoScalerProfile;
}

function extraFields(p: Json): Json {
  const out: Json = {};
  for (const key of WRITABLE_EXTRA_FIELDS) if (p[key] !== undefined) out[key] = p[key];
  return out;
}

function latestNodeImageFor(cluster: SimCluster, props: PoolProperties): string {
  return latestNodeImage(cluster, effectiveOsSku(props.osSKU, props.orchestratorVersion));
}

function injectedError(status: 429 | 500 | 503, retryAfterSeconds: number): ArmError {
  const retry = { "Retry-After": String(retryAfterSeconds) };
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
