// The scenario file format: a fleet (subscriptions, clusters, pools, workloads), timings of the simulated
// world, and faults to inject. Validated with zod; local/scenarios/scenario.schema.json is generated from it.
// An object left out is parsed from {} (prefault), so each default is written once, on its own field.

import { z } from "zod";
import { serviceBusEntitiesSchema } from "../servicebus/entity-definitions.ts";
import { autoScalerProfileSchema } from "./autoscaler-profile.ts";
import { EFFECTIVE_OS_SKUS, REQUESTED_OS_SKUS } from "./os-images.ts";
import { TAINT_PATTERN } from "./pool-rules.ts";
import { QUANTITY_PATTERN } from "./quantity.ts";
import { DEFAULT_FAMILY_VCPU_LIMIT } from "./vm-sizes.ts";

const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: "must be a GUID like 00000000-0000-0000-0000-000000000000",
  });
const kubernetesVersion = z.string().regex(/^\d+\.\d+\.\d+$/, { message: "must look like 1.31.8" });
const quantity = z
  .string()
  .regex(QUANTITY_PATTERN, { message: "must be a Kubernetes quantity like 250m or 512Mi" });
const labels = z.record(z.string(), z.string());
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a lowercase DNS label (a-z, 0-9, '-')" })
  .max(63);
const intOrPercent = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+%$/, { message: "must be like 50%" }),
]);
const seconds = z.number().min(0);

const effectiveSku = z.enum(EFFECTIVE_OS_SKUS);

const taint = z.string().regex(TAINT_PATTERN, {
  message: 'must be "key=value:Effect" with Effect NoSchedule, PreferNoSchedule or NoExecute',
});

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});
export type Toleration = z.infer<typeof toleration>;

const nodeSelectorRequirement = z.strictObject({
  key: z.string(),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
  values: z.array(z.string()).optional(),
});
export type NodeSelectorRequirement = z.infer<typeof nodeSelectorRequirement>;

const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

const podTemplateFields = {
  labels: labels.optional().meta({ description: "Pod labels; default {app: <name>}." }),
  image: z.string().optional(),
  resources: z
    .strictObject({ requests: resourceList.optional(), limits: resourceList.optional() })
    .optional()
    .meta({ description: "Default requests: cpu 100m, memory 128Mi." }),
  nodeSelector: labels.optional(),
  tolerations: z.array(toleration).optional(),
  requiredNodeAffinity: z
    .array(nodeSelectorRequirement)
    .optional()
    .meta({ description: "One required nodeSelectorTerm: every expression must match." }),
  priorityClassName: z.string().optional(),
  startupSeconds: seconds
    .optional()
    .meta({ description: "ContainerCreating time before Running; default timings.podStartupSeconds." }),
  readySeconds: seconds.optional().meta({
    description:
      "Running but not Ready this long after each start (a readiness probe not passed yet); default 0. Pods that run once (restartPolicy Never or OnFailure) ignore it.",
  }),
  terminationGracePeriodSeconds: z.number().int().min(0).default(30),
  shutdownSeconds: seconds.optional().meta({
    description: "How long the container takes to exit after SIGTERM; default the full grace period.",
  }),
};

const pdb = z
  .strictObject({
    name: dnsLabel.optional(),
    minAvailable: intOrPercent.optional(),
    maxUnavailable: intOrPercent.optional(),
  })
  .refine((p) => (p.minAvailable === undefined) !== (p.maxUnavailable === undefined), {
    message: "set exactly one of minAvailable and maxUnavailable",
  });
export type PdbSpec = z.infer<typeof pdb>;

const namespace = dnsLabel.default("default");

const deployment = z.strictObject({
  name: dnsLabel,
  namespace,
  replicas: z.number().int().min(0),
  pdb: pdb.optional(),
  ...podTemplateFields,
});
const statefulSet = deployment;
const daemonSet = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.default("kube-system"),
  crashOnOsSku: z
    .array(effectiveSku)
    .optional()
    .meta({ description: "Pods crash-loop on nodes whose kubernetes.azure.com/os-sku-effective is listed." }),
  ...podTemplateFields,
});
const kernelAgent = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.default("kube-system"),
  supportedKernels: z.array(z.string()).min(1).meta({
    description: "Kernel version prefixes the agent's module loads on; it crash-loops on any other kernel.",
  }),
  ...podTemplateFields,
});
const barePod = z.strictObject({ name: dnsLabel, namespace, ...podTemplateFields });
const csiDriver = z.strictObject({
  name: z.string(),
  attachRequired: z.boolean().default(true),
  podInfoOnMount: z.boolean().default(false),
  fsGroupPolicy: z.enum(["None", "File", "ReadWriteOnceWithFSType"]).default("File"),
  volumeLifecycleModes: z.array(z.enum(["Persistent", "Ephemeral"])).default(["Persistent"]),
});

const workloads = z.strictObject({
  systemComponents: z.boolean().default(true).meta({
    description:
      "Add the kube-system workloads AKS runs (coredns, metrics-server, kube-proxy, CSI node agents...).",
  }),
  deployments: z.array(deployment).default([]),
  statefulSets: z.array(statefulSet).default([]),
  daemonSets: z.array(daemonSet).default([]),
  kernelAgents: z.array(kernelAgent).default([]),
  pods: z.array(barePod).default([]),
  csiDrivers: z.array(csiDriver).default([]),
});
export type DeploymentSpec = z.infer<typeof deployment>;
export type DaemonSetSpec = z.infer<typeof daemonSet>;
export type BarePodSpec = z.infer<typeof barePod>;
export type CsiDriverSpec = z.infer<typeof csiDriver>;
export type PodTemplateSpec = Omit<BarePodSpec, "name" | "namespace">;

const upgradeSettings = z.strictObject({
  maxSurge: z.string().optional(),
  maxUnavailable: z.string().optional(),
  drainTimeoutInMinutes: z.number().int().min(1).max(1440).optional(),
  nodeSoakDurationInMinutes: z.number().int().min(0).max(30).optional(),
  undrainableNodeBehavior: z.enum(["Schedule", "Cordon"]).optional(),
});

const pool = z.strictObject({
  name: z.string(),
  mode: z.enum(["System", "User", "Gateway"]).default("User"),
  osType: z.enum(["Linux", "Windows"]).default("Linux"),
  osSku: z
    .enum(REQUESTED_OS_SKUS)
    .optional()
    .meta({ description: "As requested in ARM; default Ubuntu (Linux) or Windows2022." }),
  nodeImageVersion: z
    .string()
    .optional()
    .meta({ description: "Default: the image family's current version." }),
  orchestratorVersion: kubernetesVersion.optional().meta({ description: "Default: the cluster's version." }),
  vmSize: z.string(),
  count: z.number().int().min(0).max(1000),
  enableAutoScaling: z.boolean().default(false),
  minCount: z.number().int().min(0).optional(),
  maxCount: z.number().int().min(0).optional(),
  maxPods: z
    .number()
    .int()
    .min(10)
    .max(250)
    .optional()
    .meta({ description: "Default 110 (kubenet) or 250 (Azure CNI overlay)." }),
  nodeLabels: labels.default({}),
  nodeTaints: z.array(taint).default([]),
  availabilityZones: z.array(z.string()).default([]),
  upgradeSettings: upgradeSettings.default({}),
  scaleSetPriority: z.enum(["Regular", "Spot"]).default("Regular"),
  kernelVersion: z.string().optional().meta({
    description:
      "Overrides the image family's kernel in nodeInfo while nodes run the pool's scenario image; an upgrade brings the new image's kernel.",
  }),
});
export type PoolSpec = z.infer<typeof pool>;

const scheduledEvent = z.strictObject({
  description: z.enum([
    "KubernetesVersionEOLTwoWeeks",
    "KubernetesVersionEOLOneWeek",
    "KubernetesVersionOutOfSupport",
  ]),
  eolDate: z.iso.datetime(),
  supportType: z.enum(["Community", "LTS"]).default("Community"),
  source: z.url().meta({ description: "Where the end-of-life date comes from." }),
});

const cluster = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/, {
    message: "must be 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit",
  }),
  resourceGroup: z.string().min(1).max(90),
  location: z.string().regex(/^[a-z0-9]+$/, { message: "must be an Azure region name like westeurope" }),
  kubernetesVersion,
  tier: z.enum(["Free", "Standard", "Premium"]).default("Standard"),
  supportPlan: z.enum(["KubernetesOfficial", "AKSLongTermSupport"]).default("KubernetesOfficial"),
  tags: labels.default({}),
  networkProfile: z
    .strictObject({
      networkPlugin: z.enum(["azure", "kubenet", "none"]).default("azure"),
      networkPluginMode: z.enum(["overlay"]).optional(),
      networkPolicy: z.enum(["azure", "calico", "cilium", "none"]).optional(),
      networkDataplane: z.enum(["azure", "cilium"]).optional(),
      outboundType: z
        .enum(["loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway", "none"])
        .default("loadBalancer"),
    })
    .prefault({}),
  storageProfile: z
    .strictObject({
      diskCSIDriver: z.boolean().default(true),
      fileCSIDriver: z.boolean().default(true),
      blobCSIDriver: z.boolean().default(false),
      snapshotController: z.boolean().default(true),
    })
    .prefault({}),
  autoScalerProfile: autoScalerProfileSchema.default({}).meta({
    description: "Keys as on the wire: kebab-case ('scale-down-delay-after-add'); three are booleans.",
  }),
  pools: z.array(pool).min(1),
  workloads: workloads.prefault({}),
  scheduledEvents: z.array(scheduledEvent).default([]),
});
export type ClusterSpec = z.infer<typeof cluster>;

const vmFamily = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9]*$/, { message: "must be a quota family like standardDSv5Family" });

const subscription = z.strictObject({
  id: uuid,
  displayName: z.string().optional(),
  quota: z
    .record(vmFamily, z.number().int().min(0))
    .default({})
    .meta({
      description: `vCPU limits per VM family in every region (Microsoft.Compute usages), e.g. {standardDDSv5Family: 100}; a family left out has ${DEFAULT_FAMILY_VCPU_LIMIT}.`,
    }),
  clusters: z.array(cluster).default([]),
});

const match = {
  method: z.enum(["GET", "PUT", "POST", "PATCH", "DELETE"]).optional(),
  pathContains: z.string().optional().meta({ description: "Only requests whose path contains this text." }),
  times: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: "Fire this many times, then stop; default forever." }),
};

export const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("daemonset-crash"),
    cluster: z.string(),
    namespace: z.string().default("kube-system"),
    daemonSet: z.string(),
    osSku: z.array(effectiveSku).min(1),
  }),
  z.strictObject({
    kind: z.literal("pod-stuck-terminating"),
    cluster: z.string(),
    namespace: z.string(),
    podPrefix: z
      .string()
      .default("")
      .meta({ description: "Pods whose name starts with this; empty matches all." }),
  }),
  z.strictObject({
    kind: z.literal("pdb-blocks"),
    cluster: z.string(),
    namespace: z.string(),
    pdb: z.string(),
  }),
  z.strictObject({
    kind: z.literal("capacity-shortage"),
    cluster: z.string(),
    pool: z.string(),
    maxNodes: z
      .number()
      .int()
      .min(0)
      .meta({ description: "The pool cannot grow beyond this many machines." }),
  }),
  z.strictObject({
    kind: z.literal("arm-error"),
    status: z.union([
      z.literal(500),
      z.literal(429),
      z.literal(503),
      z.literal(403),
      z.literal(400).meta({ description: "400 BadRequest: ARM refuses the request itself." }),
      z.literal(409).meta({ description: "409 Conflict: the resource's state refuses the request." }),
    ]),
    retryAfterSeconds: z.number().int().min(0).default(5),
    ...match,
  }),
  z.strictObject({
    kind: z.literal("arm-operation-fails"),
    cluster: z.string(),
    pool: z.string().optional(),
    operation: z.enum(["create", "update", "delete", "deleteMachines", "any"]).default("any"),
    code: z.string().default("InternalOperationError"),
    message: z.string().default("An internal error occurred while processing the operation."),
    times: z.number().int().min(1).default(1),
  }),
  z.strictObject({
    kind: z.literal("kube-error"),
    cluster: z.string(),
    status: z
      .union([z.literal(500), z.literal(403), z.literal(429)])
      .default(500)
      .meta({
        description:
          "500 InternalError, 403 Forbidden as when RBAC denies the request, or 429 TooManyRequests (Retry-After 1) as API priority and fairness throttles.",
      }),
    ...match,
  }),
  z.strictObject({
    kind: z.literal("kube-timeout"),
    cluster: z.string(),
    delaySeconds: z
      .number()
      .min(0)
      .default(60)
      .meta({ description: "Simulated time the request hangs before the 504." }),
    ...match,
  }),
  z.strictObject({
    kind: z.literal("servicebus-slow-send"),
    entity: z.string().meta({ description: "A queue or topic of the scenario's serviceBus." }),
    delayMs: z.number().int().min(1).meta({
      description:
        "Real milliseconds between enqueueing a send and accepting it (a virtual clock stands still while the sender's activity holds it).",
    }),
    times: match.times,
  }),
  z.strictObject({
    kind: z.literal("node-not-ready"),
    cluster: z.string(),
    pool: z.string(),
    ordinal: z
      .number()
      .int()
      .min(0)
      .default(0)
      .meta({ description: "Which machine of the pool, by instance ordinal." }),
  }),
]);
export type FaultSpec = z.infer<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;

const timings = z.strictObject({
  vmProvisionSeconds: seconds
    .default(60)
    .meta({ description: "From an ARM create or scale to the node registering." }),
  nodeBootSeconds: seconds.default(30).meta({ description: "A registered node's NotReady time." }),
  nodeReregisterSeconds: seconds
    .default(20)
    .meta({ description: "A deleted Node object whose VM lives comes back after this." }),
  vmDeleteSeconds: seconds.default(30),
  clusterUpdateSeconds: seconds.default(20),
  drainRetrySeconds: seconds.default(5).meta({ description: "AKS retries a blocked eviction this often." }),
  podStartupSeconds: seconds.default(5),
  notReadyEvictionSeconds: seconds
    .default(300)
    .meta({ description: "Default tolerationSeconds for not-ready/unreachable." }),
});

export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  startTime: z.iso
    .datetime()
    .default("2026-11-25T08:00:00Z")
    .meta({ description: "Where a virtual clock starts." }),
  seed: z
    .union([z.number().int(), z.string()])
    .optional()
    .meta({ description: "Seeds generated names; default the name." }),
  tenantId: uuid.default("8f3c0e1a-51b2-4c6d-9e7f-a1b2c3d4e5f6"),
  timings: timings.prefault({}),
  arm: z
    .strictObject({
      asyncRetryAfterSeconds: z
        .number()
        .int()
        .min(0)
        .default(0)
        .meta({ description: "Retry-After on 201/202 and on running operation status; 0 omits it." }),
    })
    .prefault({}),
  resourceGraph: z
    .strictObject({
      quotaRequests: z.number().int().min(1).default(15),
      quotaWindowSeconds: z.number().int().min(1).default(5),
    })
    .prefault({}),
  latestNodeImages: z
    .partialRecord(effectiveSku, z.string())
    .default({})
    .meta({ description: "latestNodeImageVersion per versioned SKU; default the family's current image." }),
  vmSizes: z
    .record(
      z.string(),
      z.strictObject({ vCPUs: z.number().int().min(1), memoryGiB: z.number().min(0.5), family: vmFamily }),
    )
    .default({}),
  subscriptions: z.array(subscription).min(1),
  faults: z.array(faultSchema).default([]),
  serviceBus: serviceBusEntitiesSchema
    .optional()
    .meta({ description: "Queues and topics of the simulated Service Bus namespace." }),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Timings = Scenario["timings"];
