// A cluster's nodes and pods as a pool migration acts on them, through @kubernetes/client-node: taints
// (read, change, patch with the resourceVersion read, so a concurrent change is never overwritten),
// evictions through the eviction API with the pod's uid as precondition (a new pod of the same name is
// never evicted; a refusal is an outcome, never turned into a delete), scaling through the scale
// subresource, and a smoke pod pinned to a node. Reads are retried and writes tried once
// (kube-requests.ts); what fails for good throws, and the activity retries it.

import {
  AppsV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1DeleteOptions,
  type V1LabelSelector,
  type V1Node,
  type V1Pod,
} from "@kubernetes/client-node";
import type {
  EvictionOutcome,
  NodeOperations,
  PodController,
  PodRef,
} from "../domain/ports/node-operations.ts";
import type { WorkloadRef } from "../domain/risk/migration-risk.ts";
import type {
  KubeDaemonSet,
  KubeNode,
  KubeObjectMeta,
  KubePod,
  KubePodDisruptionBudget,
  KubeTaint,
} from "../domain/workloads/cluster-facts.ts";
import { controllerOf, isFinished, isPodHealthy, poolOfNode } from "../domain/workloads/kube-objects.ts";
import {
  CoreV1ApiJsonLists,
  type CoreV1JsonApi,
  PolicyV1ApiJsonLists,
  type PolicyV1JsonApi,
} from "./json-lists.ts";
import { clusterTarget, type KubeConnector } from "./kube-connection.ts";
import {
  type CallOptions,
  KubeRequestError,
  type KubeRequestOptions,
  type ListCall,
  listAll,
  read,
  statusOf,
  write,
} from "./kube-requests.ts";

/** The namespace the product's own pods (smoke tests) run in. */
export const PRODUCT_NAMESPACE = "aks-image-lifecycle";

/** Labels that mark a pod as the product's. */
export const SMOKE_POD_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/managed-by": "aks-image-lifecycle",
  "app.kubernetes.io/component": "smoke-test",
};

/** A tiny image that runs `true`: the node pulled an image and started a container. */
const SMOKE_IMAGE = "mcr.microsoft.com/azurelinux/busybox:1.36";

/** What kubectl drain waits after a 429 that names no Retry-After. */
const DEFAULT_EVICTION_RETRY_SECONDS = 5;
/**
 * Controllers whose pods are no replicas to keep one Ready of: a Job's run to completion, a DaemonSet's
 * and a static pod's (its Node) are one per node.
 */
const NOT_REPLICATED = new Set(["Job", "DaemonSet", "Node"]);

/** Read-change-patch rounds a taint gets when other writers keep changing the node (409). */
const TAINT_ATTEMPTS = 5;

/** A label value, as Kubernetes allows it: a pool name goes into a label selector unquoted. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

interface Apis {
  core: CoreV1JsonApi;
  apps: AppsV1Api;
  policy: PolicyV1JsonApi;
}

const mergePatch = (call: CallOptions) => setHeaderOptions("Content-Type", PatchStrategy.MergePatch, call);

export class KubeNodeOperations implements NodeOperations {
  private readonly kube: KubeConnector;
  private readonly options: KubeRequestOptions;

  constructor(kube: KubeConnector, options: KubeRequestOptions) {
    this.kube = kube;
    this.options = options;
  }

  async nodes(clusterId: string, pool?: string): Promise<KubeNode[]> {
    const { core } = await this.apis(clusterId);
    const list = (labelSelector?: string) =>
      listAll(
        "nodes",
        (page, call) => core.listNode({ ...page, ...(labelSelector && { labelSelector }) }, call),
        this.options,
      );
    if (pool === undefined) return (await list()).map(leanNode);
    if (!LABEL_VALUE.test(pool)) throw new Error(`"${pool}" is not a node pool name`);
    // AKS sets both labels; a node may carry only one of them.
    const [azure, plain] = await Promise.all([
      list(`kubernetes.azure.com/agentpool=${pool}`),
      list(`agentpool=${pool}`),
    ]);
    const byName = new Map([...plain, ...azure].map((node) => [node.metadata?.name, node]));
    return [...byName.values()].filter((node) => poolOfNode(node) === pool).map(leanNode);
  }

  async setTaint(
    clusterId: string,
    node: string,
    taint: KubeTaint,
    present: boolean,
  ): Promise<"changed" | "unchanged"> {
    const { core } = await this.apis(clusterId);
    for (let attempt = 1; ; attempt++) {
      // A node gone (404: the autoscaler or node repair removed it) has nothing to change.
      const current = await this.readIfFound(`node ${node}`, (call) => core.readNode({ name: node }, call));
      if (current === undefined) return "unchanged";
      const taints = current.spec?.taints ?? [];
      const next = withTaint(taints, taint, present);
      if (next === undefined) return "unchanged";
      try {
        // A merge patch replaces the whole list; the resourceVersion makes it fail (409) if the node changed.
        await write(
          `tainting node ${node}`,
          (call) =>
            core.patchNode(
              {
                name: node,
                body: {
                  metadata: { resourceVersion: current.metadata?.resourceVersion },
                  spec: { taints: next },
                },
              },
              mergePatch(call),
            ),
          this.options,
        );
        return "changed";
      } catch (error) {
        if (statusOf(error) === 404) return "unchanged";
        if (statusOf(error) !== 409 || attempt >= TAINT_ATTEMPTS) throw error;
      }
    }
  }

  async pods(clusterId: string, nodes?: readonly string[]): Promise<KubePod[]> {
    const { core } = await this.apis(clusterId);
    const list = (fieldSelector?: string) =>
      listAll(
        fieldSelector ? `pods (${fieldSelector})` : "pods",
        (page, call) =>
          core.listPodForAllNamespaces({ ...page, ...(fieldSelector && { fieldSelector }) }, call),
        this.options,
      );
    if (nodes === undefined) return (await list()).map(lean);
    const pods: KubePod[] = [];
    for (const node of nodes) pods.push(...(await list(`spec.nodeName=${node}`)));
    return pods.map(lean);
  }

  disruptionBudgets(clusterId: string): Promise<KubePodDisruptionBudget[]> {
    return this.listEverywhere(clusterId, "poddisruptionbudgets", ({ policy }, page, call) =>
      policy.listPodDisruptionBudgetForAllNamespaces(page, call),
    );
  }

  daemonSets(clusterId: string): Promise<KubeDaemonSet[]> {
    return this.listEverywhere(clusterId, "daemonsets", ({ apps }, page, call) =>
      apps.listDaemonSetForAllNamespaces(page, call),
    );
  }

  async pod(clusterId: string, pod: PodRef): Promise<KubePod | undefined> {
    const { core } = await this.apis(clusterId);
    const current = await this.readPod(core, pod.namespace, pod.name);
    return current?.metadata?.uid === pod.uid ? lean(current) : undefined;
  }

  async evict(clusterId: string, pod: PodRef, gracePeriodSeconds?: number): Promise<EvictionOutcome> {
    const options = deleteOptions(pod, gracePeriodSeconds);
    const { core } = await this.apis(clusterId);
    const { namespace, name } = pod;
    try {
      await write(
        `evicting pod ${namespace}/${name}`,
        (call) =>
          core.createNamespacedPodEviction(
            {
              name,
              namespace,
              body: {
                apiVersion: "policy/v1",
                kind: "Eviction",
                metadata: { name, namespace },
                deleteOptions: options,
              },
            },
            call,
          ),
        this.options,
      );
      return { kind: "evicted" };
    } catch (error) {
      const outcome = await this.evictionRefusal(core, pod, error);
      if (outcome) return outcome;
      throw error;
    }
  }

  async deletePod(clusterId: string, pod: PodRef, gracePeriodSeconds?: number): Promise<"deleted" | "gone"> {
    const options = deleteOptions(pod, gracePeriodSeconds);
    const { core } = await this.apis(clusterId);
    const { namespace, name } = pod;
    try {
      await write(
        `deleting pod ${namespace}/${name}`,
        (call) =>
          core.deleteNamespacedPod(
            {
              name,
              namespace,
              body: options,
            },
            call,
          ),
        this.options,
      );
      return "deleted";
    } catch (error) {
      if (await this.isGone(core, pod, error)) return "gone";
      throw error;
    }
  }

  async controllerReplicas(
    clusterId: string,
    namespace: string,
    controller: PodController,
  ): Promise<{ workload: string; desired: number; ready: number } | undefined> {
    const named = (kind: string, name: string) => `${kind} ${namespace}/${name}`;
    const { apps, core } = await this.apis(clusterId);
    if (controller.kind === "StatefulSet") {
      const { name } = controller;
      const set = await this.readIfFound(`StatefulSet ${namespace}/${name}`, (call) =>
        apps.readNamespacedStatefulSet({ namespace, name }, call),
      );
      if (!set) return undefined;
      // Its status counts a pod being deleted as Ready while it runs (the StatefulSet controller's
      // computeReplicaStatus, unlike the ReplicaSet's): its pods are counted instead.
      const labelSelector = selectorText(set.spec?.selector);
      const pods = await listAll(
        `pods of StatefulSet ${namespace}/${name}`,
        (page, call) => core.listNamespacedPod({ namespace, ...page, labelSelector }, call),
        this.options,
      );
      const ownedBySet = (pod: KubePod) =>
        pod.metadata?.ownerReferences?.some((owner) => owner.controller && owner.uid === set.metadata?.uid);
      const ready = pods.filter((pod) => ownedBySet(pod) && isPodHealthy(pod)).length;
      return { workload: named("StatefulSet", name), desired: set.spec?.replicas ?? 1, ready };
    }
    if (NOT_REPLICATED.has(controller.kind)) return undefined;
    if (controller.kind !== "ReplicaSet") return this.ownedReplicas(clusterId, namespace, controller);
    const { name } = controller;
    const replicaSet = await this.readIfFound(`ReplicaSet ${namespace}/${name}`, (call) =>
      apps.readNamespacedReplicaSet({ namespace, name }, call),
    );
    if (!replicaSet) return undefined;
    // A Deployment's replicas are counted over all its ReplicaSets (a rollout under way has two).
    const deployment = replicaSet.metadata?.ownerReferences?.find(
      (owner) => owner.controller && owner.kind === "Deployment",
    );
    if (deployment) {
      const found = await this.replicas(clusterId, { kind: "Deployment", namespace, name: deployment.name });
      return found && { workload: named("Deployment", deployment.name), ...found };
    }
    return {
      workload: named("ReplicaSet", name),
      desired: replicaSet.spec?.replicas ?? 1,
      ready: replicaSet.status?.readyReplicas ?? 0,
    };
  }

  /**
   * Any other controller's (an operator's, OpenKruise's CloneSet, say) replicas, by the pods it controls
   * that run until stopped (restartPolicy Always: an Argo or Tekton step's run to completion): those not
   * finished stand for its desired count, one being deleted too until its replacement is made.
   */
  private async ownedReplicas(
    clusterId: string,
    namespace: string,
    controller: PodController,
  ): Promise<{ workload: string; desired: number; ready: number } | undefined> {
    const { core } = await this.apis(clusterId);
    const workload = `${controller.kind} ${namespace}/${controller.name}`;
    const pods = await listAll(
      `pods of ${workload}`,
      (page, call) => core.listNamespacedPod({ namespace, ...page }, call),
      this.options,
    );
    const owned = pods.filter((pod) => {
      const owner = controllerOf(pod);
      const runsUntilStopped = (pod.spec?.restartPolicy ?? "Always") === "Always";
      return owner?.kind === controller.kind && owner.name === controller.name && runsUntilStopped;
    });
    if (owned.length === 0) return undefined;
    const desired = owned.filter((pod) => !isFinished(pod)).length;
    return { workload, desired, ready: owned.filter(isPodHealthy).length };
  }

  async replicas(
    clusterId: string,
    workload: WorkloadRef,
  ): Promise<{ desired: number; ready: number } | undefined> {
    const { apps } = await this.apis(clusterId);
    const { namespace, name } = workload;
    const readWorkload =
      scalable(workload) === "deployment"
        ? (call: CallOptions) => apps.readNamespacedDeployment({ namespace, name }, call)
        : (call: CallOptions) => apps.readNamespacedStatefulSet({ namespace, name }, call);
    const found = await this.readIfFound(`${workload.kind} ${namespace}/${name}`, readWorkload);
    if (!found) return undefined;
    return { desired: found.spec?.replicas ?? 1, ready: found.status?.readyReplicas ?? 0 };
  }

  async scale(clusterId: string, workload: WorkloadRef, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new Error(`cannot scale to ${replicas} replicas: a whole number from 0 is needed`);
    const { apps } = await this.apis(clusterId);
    const { namespace, name } = workload;
    const body = { spec: { replicas } };
    await write(
      `scaling ${workload.kind} ${namespace}/${name} to ${replicas}`,
      scalable(workload) === "deployment"
        ? (call) => apps.patchNamespacedDeploymentScale({ namespace, name, body }, mergePatch(call))
        : (call) => apps.patchNamespacedStatefulSetScale({ namespace, name, body }, mergePatch(call)),
      this.options,
    );
  }

  async runSmokePod(clusterId: string, node: string, name: string): Promise<void> {
    const { core } = await this.apis(clusterId);
    // Part of this one effect, which the caller audits as a whole (pool validation's run-smoke-pod).
    await this.ensureProductNamespace(core);
    try {
      await write(
        `creating smoke pod ${name} on node ${node}`,
        (call) =>
          core.createNamespacedPod({ namespace: PRODUCT_NAMESPACE, body: smokePod(node, name) }, call),
        this.options,
      );
    } catch (error) {
      // Created by an earlier run of the same activity.
      if (statusOf(error) !== 409) throw error;
    }
  }

  async smokePodPhase(clusterId: string, name: string): Promise<string | undefined> {
    const { core } = await this.apis(clusterId);
    return (await this.readPod(core, PRODUCT_NAMESPACE, name))?.status?.phase;
  }

  async deleteSmokePod(clusterId: string, name: string): Promise<void> {
    const { core } = await this.apis(clusterId);
    await orUndefinedWhenNotFound(
      write(
        `deleting smoke pod ${name}`,
        (call) =>
          core.deleteNamespacedPod({ namespace: PRODUCT_NAMESPACE, name, gracePeriodSeconds: 0 }, call),
        this.options,
      ),
    );
  }

  private async apis(clusterId: string): Promise<Apis> {
    const config: KubeConfig = await this.kube.kubeConfig(clusterTarget(clusterId));
    return {
      core: config.makeApiClient(CoreV1ApiJsonLists),
      apps: config.makeApiClient(AppsV1Api),
      policy: config.makeApiClient(PolicyV1ApiJsonLists),
    };
  }

  /** Every object of a kind in every namespace, lean. */
  private async listEverywhere<T extends Leanable>(
    clusterId: string,
    what: string,
    list: (apis: Apis, ...page: Parameters<ListCall<T>>) => ReturnType<ListCall<T>>,
  ): Promise<T[]> {
    const apis = await this.apis(clusterId);
    const items = await listAll(what, (page, call) => list(apis, page, call), this.options);
    return items.map(lean);
  }

  private readPod(core: CoreV1JsonApi, namespace: string, name: string): Promise<V1Pod | undefined> {
    return this.readIfFound(`pod ${namespace}/${name}`, (call) =>
      core.readNamespacedPod({ namespace, name }, call),
    );
  }

  /** The outcome an eviction's refusal means; undefined when it means nothing yet (the activity retries). */
  private async evictionRefusal(
    core: CoreV1JsonApi,
    pod: PodRef,
    error: unknown,
  ): Promise<EvictionOutcome | undefined> {
    if (!(error instanceof KubeRequestError) || error.code === undefined) return undefined;
    const { code, status } = error;
    if (code === 429) {
      const retryAfterSeconds =
        error.retryAfterSeconds ?? status?.details?.retryAfterSeconds ?? DEFAULT_EVICTION_RETRY_SECONDS;
      // A budget's refusal names the budget in a DisruptionBudget cause; any other 429 is throttling
      // (API priority and fairness): an outcome of its own, so the drain's round keeps the others'.
      if (!status?.details?.causes?.some((c) => c.reason === "DisruptionBudget"))
        return { kind: "throttled", retryAfterSeconds };
      const cause = status.details.causes.find((c) => c.message)?.message;
      return {
        kind: "blocked",
        retryAfterSeconds,
        reason: cause ?? status.message ?? "the pod's disruption budget allows no eviction now",
      };
    }
    if (await this.isGone(core, pod, error)) return { kind: "gone" };
    const severalBudgets = code === 500 && /more than one PodDisruptionBudget/.test(status?.message ?? "");
    // A conflict on the same pod and other server errors may pass; any other refusal will not, and
    // needs a person.
    if (code === 409 || (code >= 500 && !severalBudgets)) return undefined;
    return { kind: "refused", status: code, reason: status?.message ?? error.message };
  }

  /** One object read (retried as reads are), undefined when it is not there (404). */
  private readIfFound<T>(what: string, call: (options: CallOptions) => Promise<T>): Promise<T | undefined> {
    return orUndefinedWhenNotFound(read(`reading ${what}`, call, this.options));
  }

  /** 404, or a 409 on the uid precondition: the pod the drain saw no longer exists. */
  private async isGone(core: CoreV1JsonApi, pod: PodRef, error: unknown): Promise<boolean> {
    const code = statusOf(error);
    if (code === 404) return true;
    if (code !== 409) return false;
    // A 409 may also be a conflict that passes: gone only if the pod is really not the one seen.
    const current = await this.readPod(core, pod.namespace, pod.name);
    return current?.metadata?.uid !== pod.uid;
  }

  private async ensureProductNamespace(core: CoreV1JsonApi): Promise<void> {
    const existing = await this.readIfFound(`namespace ${PRODUCT_NAMESPACE}`, (call) =>
      core.readNamespace({ name: PRODUCT_NAMESPACE }, call),
    );
    if (existing) return;
    try {
      await write(
        `creating namespace ${PRODUCT_NAMESPACE}`,
        (call) =>
          core.createNamespace(
            {
              body: {
                metadata: {
                  name: PRODUCT_NAMESPACE,
                  labels: { "app.kubernetes.io/managed-by": "aks-image-lifecycle" },
                },
              },
            },
            call,
          ),
        this.options,
      );
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
  }
}

/** The taints with `taint` added (or its value changed) or removed; undefined when nothing changes. */
export function withTaint(
  taints: readonly KubeTaint[],
  taint: KubeTaint,
  present: boolean,
): KubeTaint[] | undefined {
  // A node has at most one taint per key and effect (kubectl taint's identity).
  const same = (t: KubeTaint) => t.key === taint.key && t.effect === taint.effect;
  const existing = taints.find(same);
  if (!present) return existing ? taints.filter((t) => !same(t)) : undefined;
  if (existing && (existing.value ?? "") === (taint.value ?? "")) return undefined;
  const added: KubeTaint = {
    key: taint.key,
    effect: taint.effect,
    ...(taint.value !== undefined && { value: taint.value }),
  };
  return [...taints.filter((t) => !same(t)), added];
}

/** With the pod's uid as precondition, so a pod created since under the same name is never touched. */
function deleteOptions(pod: PodRef, gracePeriodSeconds: number | undefined): V1DeleteOptions {
  // An empty uid would be refused (409) and read as the pod being gone.
  if (!pod.uid) throw new Error(`pod ${pod.namespace}/${pod.name} has no uid to delete it by`);
  return {
    preconditions: { uid: pod.uid },
    ...(gracePeriodSeconds !== undefined && { gracePeriodSeconds }),
  };
}

/** A label selector as the API's labelSelector parameter spells it. */
function selectorText(selector: V1LabelSelector | undefined): string {
  const labels = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  const expressions = (selector?.matchExpressions ?? []).map(({ key, operator, values = [] }) => {
    if (operator === "Exists") return key;
    if (operator === "DoesNotExist") return `!${key}`;
    return `${key} ${operator === "In" ? "in" : "notin"} (${values.join(",")})`;
  });
  return [...labels, ...expressions].join(",");
}

function scalable(workload: WorkloadRef): "deployment" | "statefulset" {
  const kind = workload.kind.toLowerCase();
  if (kind === "deployment" || kind === "statefulset") return kind;
  throw new Error(`${workload.kind} ${workload.namespace}/${workload.name} has no replicas to read or scale`);
}

async function orUndefinedWhenNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/**
 * The object without what no rule reads and what makes an activity's output large: the API server's
 * managedFields and annotations (last-applied-configuration alone can be kilobytes).
 */
type Leanable = { metadata?: KubeObjectMeta & { managedFields?: unknown; annotations?: unknown } };

function lean<T extends Leanable>(object: T): T {
  if (!object.metadata) return object;
  const { managedFields: _fields, annotations: _annotations, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** A node without its image list and system facts as well (dozens of images on a real node). */
function leanNode(node: V1Node): KubeNode {
  const { metadata, spec, status } = lean(node);
  return {
    ...(metadata && { metadata }),
    ...(spec && { spec }),
    ...(status?.conditions && { status: { conditions: status.conditions } }),
  };
}

function smokePod(node: string, name: string): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: PRODUCT_NAMESPACE, labels: { ...SMOKE_POD_LABELS } },
    spec: {
      nodeName: node,
      restartPolicy: "Never",
      // Whatever taints the new pool has (ours included), the smoke test must run on the node.
      tolerations: [{ operator: "Exists" }],
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "smoke",
          image: SMOKE_IMAGE,
          command: ["true"],
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}
