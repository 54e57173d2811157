// The deployment, replicaset, statefulset and daemonset controllers: they create and delete pods until
// each workload has what its spec asks for, and write the status fields kubectl and drains read.

import type { SimCluster, WorkloadParams } from "../cluster.ts";
import { isPodReady, type KubeObject } from "../kube-types.ts";
import { meta, ownerReference } from "../objects.ts";
import { hashString } from "../random.ts";
import { nodeAffinityMatches, untoleratedTaint } from "../selectors.ts";
import { beginPodDeletion, isTerminal, isTerminating } from "./pods.ts";
import { LastLook } from "./unchanged.ts";

const HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

const hashes = new WeakMap<KubeObject, { generation: number; hash: string }>();

/** The pod-template-hash of a workload's template, remembered per generation (spec changes bump it). */
function templateHash(workload: KubeObject): string {
  const generation = workload.metadata.generation ?? 0;
  const known = hashes.get(workload);
  if (known?.generation === generation) return known.hash;
  const hash = computeHash(JSON.stringify(workload.spec.template));
  hashes.set(workload, { generation, hash });
  return hash;
}

function computeHash(json: string): string {
  let h = hashString(json);
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += HASH_ALPHABET[h % HASH_ALPHABET.length];
    h = Math.floor(h / HASH_ALPHABET.length) || hashString(out);
  }
  return out;
}

function active(pods: KubeObject[]): KubeObject[] {
  return pods.filter((p) => !isTerminating(p) && !isTerminal(p));
}

function ownedPods(cluster: SimCluster, owner: KubeObject): KubeObject[] {
  return cluster.store.ownedBy(owner.metadata.uid).filter((o) => o.kind === "Pod");
}

function paramsOf(cluster: SimCluster, owner: KubeObject): WorkloadParams {
  return (
    cluster.workloadParams.get(owner.metadata.uid) ?? {
      startupMs: cluster.ctx.timings.podStartupSeconds * 1000,
    }
  );
}

function createPodFor(
  cluster: SimCluster,
  owner: KubeObject,
  name: string,
  extraLabels: Record<string, string>,
  extraSpec: Record<string, unknown> = {},
): KubeObject {
  const template = owner.spec.template;
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(
      {
        name,
        ...(extraLabels["statefulset.kubernetes.io/pod-name"]
          ? {}
          : { generateName: `${owner.metadata.name}-` }),
        namespace: owner.metadata.namespace as string,
        uid: cluster.uid(),
        labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
        ownerReferences: [ownerReference(owner)],
      },
      cluster.now(),
    ),
    spec: { ...structuredClone(template.spec), ...extraSpec },
    status: {},
  };
  cluster.preparePod(pod, paramsOf(cluster, owner));
  cluster.store.create("pods", pod);
  podEvent(cluster, owner, pod, "create");
  return pod;
}

/** A controller deletes one of its pods (gracefully), and says so. */
function deleteOwnedPod(cluster: SimCluster, owner: KubeObject, pod: KubeObject): void {
  beginPodDeletion(cluster, pod);
  podEvent(cluster, owner, pod, "delete");
}

const CONTROLLERS: Record<string, string> = {
  ReplicaSet: "replicaset-controller",
  StatefulSet: "statefulset-controller",
  DaemonSet: "daemonset-controller",
};

/** The SuccessfulCreate/SuccessfulDelete event each workload controller records (not at bootstrap). */
function podEvent(
  cluster: SimCluster,
  owner: KubeObject,
  pod: KubeObject,
  action: "create" | "delete",
): void {
  if (cluster.instant) return;
  const reason = action === "create" ? "SuccessfulCreate" : "SuccessfulDelete";
  const message =
    owner.kind === "StatefulSet"
      ? `${action} Pod ${pod.metadata.name} in StatefulSet ${owner.metadata.name} successful`
      : `${action === "create" ? "Created" : "Deleted"} pod: ${pod.metadata.name}`;
  cluster.recordEvent(owner, "Normal", reason, message, CONTROLLERS[owner.kind ?? ""] ?? "");
}

/** The deployment controller's ScalingReplicaSet event (not at bootstrap). */
function scalingEvent(
  cluster: SimCluster,
  deployment: KubeObject,
  rs: KubeObject,
  from: number,
  to: number,
): void {
  if (cluster.instant || from === to) return;
  cluster.recordEvent(
    deployment,
    "Normal",
    "ScalingReplicaSet",
    `Scaled ${to > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${to}`,
    "deployment-controller",
  );
}

function uniqueName(cluster: SimCluster, namespace: string, prefix: string): string {
  for (;;) {
    const name = `${prefix}-${cluster.rng.kubeSuffix(5)}`;
    if (!cluster.store.get("pods", namespace, name)) return name;
  }
}

/** Which surplus pods a replicaset deletes first: unscheduled, then not ready, then the newest. */
function deletionRank(pod: KubeObject): number[] {
  return [pod.spec.nodeName ? 1 : 0, isPodReady(pod) ? 1 : 0, -Date.parse(pod.metadata.creationTimestamp)];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++)
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) - (b[i] as number);
  return 0;
}

function reconcileReplicaSet(cluster: SimCluster, rs: KubeObject): void {
  const pods = active(ownedPods(cluster, rs));
  const want = rs.spec.replicas ?? 1;
  const hash = rs.metadata.labels?.["pod-template-hash"];
  for (let i = pods.length; i < want; i++) {
    createPodFor(
      cluster,
      rs,
      uniqueName(cluster, rs.metadata.namespace as string, rs.metadata.name),
      hash ? { "pod-template-hash": hash } : {},
    );
  }
  if (pods.length > want) {
    const surplus = [...pods]
      .sort((a, b) => compareRank(deletionRank(a), deletionRank(b)))
      .slice(0, pods.length - want);
    for (const pod of surplus) deleteOwnedPod(cluster, rs, pod);
  }
}

function reconcileDeployment(cluster: SimCluster, deployment: KubeObject): void {
  const hash = templateHash(deployment);
  const owned = cluster.store.ownedBy(deployment.metadata.uid).filter((o) => o.kind === "ReplicaSet");
  const desired = deployment.spec.replicas ?? 1;
  let current = owned.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
  if (!current) {
    const revision = String(owned.length + 1);
    const labels = { ...(deployment.spec.template.metadata?.labels ?? {}), "pod-template-hash": hash };
    current = cluster.store.create("replicasets", {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: meta(
        {
          name: `${deployment.metadata.name}-${hash}`,
          namespace: deployment.metadata.namespace as string,
          uid: cluster.uid(),
          generation: 1,
          labels,
          annotations: {
            "deployment.kubernetes.io/desired-replicas": String(desired),
            "deployment.kubernetes.io/max-replicas": String(desired + Math.ceil(desired * 0.25)),
            "deployment.kubernetes.io/revision": revision,
          },
          ownerReferences: [ownerReference(deployment)],
        },
        cluster.now(),
      ),
      spec: {
        replicas: desired,
        selector: {
          matchLabels: { ...(deployment.spec.selector?.matchLabels ?? {}), "pod-template-hash": hash },
        },
        template: { ...structuredClone(deployment.spec.template), metadata: { labels } },
      },
      status: { replicas: 0 },
    });
    cluster.workloadParams.set(current.metadata.uid, paramsOf(cluster, deployment));
    scalingEvent(cluster, deployment, current, 0, desired);
    deployment.metadata.annotations = {
      ...deployment.metadata.annotations,
      "deployment.kubernetes.io/revision": revision,
    };
    cluster.store.touch("deployments", deployment);
  }
  if (current.spec.replicas !== desired) {
    scalingEvent(cluster, deployment, current, current.spec.replicas ?? 0, desired);
    current.spec.replicas = desired;
    current.metadata.generation = (current.metadata.generation ?? 1) + 1;
    cluster.store.touch("replicasets", current);
  }
  // Old replicasets give way as the new one's pods become available (a simple rolling update).
  const newAvailable = active(ownedPods(cluster, current)).filter(isPodReady).length;
  let room = Math.max(0, desired - newAvailable);
  for (const old of owned) {
    if (old === current) continue;
    const next = Math.min(old.spec.replicas ?? 0, room);
    room -= next;
    if (old.spec.replicas !== next) {
      scalingEvent(cluster, deployment, old, old.spec.replicas ?? 0, next);
      old.spec.replicas = next;
      old.metadata.generation = (old.metadata.generation ?? 1) + 1;
      cluster.store.touch("replicasets", old);
    }
  }
}

function reconcileStatefulSet(cluster: SimCluster, sts: KubeObject): void {
  const want = sts.spec.replicas ?? 1;
  const ns = sts.metadata.namespace as string;
  const byName = new Map(ownedPods(cluster, sts).map((p) => [p.metadata.name, p]));
  // OrderedReady: one pod at a time, each waiting for the previous to run and be Ready.
  for (let ordinal = 0; ordinal < want; ordinal++) {
    const name = `${sts.metadata.name}-${ordinal}`;
    const pod = byName.get(name);
    if (!pod) {
      if (cluster.store.get("pods", ns, name)) return;
      createPodFor(
        cluster,
        sts,
        name,
        {
          "apps.kubernetes.io/pod-index": String(ordinal),
          "controller-revision-hash": `${sts.metadata.name}-${templateHash(sts)}`,
          "statefulset.kubernetes.io/pod-name": name,
        },
        { hostname: name, subdomain: sts.spec.serviceName },
      );
      return;
    }
    if (isTerminating(pod) || !isPodReady(pod)) return;
  }
  const surplus = [...byName.values()]
    .filter((p) => Number(p.metadata.labels?.["apps.kubernetes.io/pod-index"]) >= want && !isTerminating(p))
    .sort(
      (a, b) =>
        Number(b.metadata.labels?.["apps.kubernetes.io/pod-index"]) -
        Number(a.metadata.labels?.["apps.kubernetes.io/pod-index"]),
    );
  const highest = surplus[0];
  if (highest) deleteOwnedPod(cluster, sts, highest);
}

const DAEMON_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];

function daemonTolerations(ds: KubeObject) {
  const own = ds.spec.template.spec.tolerations ?? [];
  return [
    ...own,
    ...DAEMON_TOLERATIONS.filter(
      (d) => !own.some((t: { key?: string; effect?: string }) => t.key === d.key && t.effect === d.effect),
    ),
  ];
}

interface Placement {
  generation: number | undefined;
  resourceVersion: string;
  wanted: boolean;
}

// Weak both ways: nodes replaced by upgrades leave no placements behind.
const wants = new WeakMap<KubeObject, WeakMap<KubeObject, Placement>>();
/** Per daemonset, how many times a node's placement came out new or different. */
const placementMoves = new WeakMap<KubeObject, number>();

/** Whether the daemonset controller wants a pod of `ds` on `node` (remembered until either changes). */
function daemonWantsNode(ds: KubeObject, node: KubeObject): boolean {
  const generation = ds.metadata.generation;
  const resourceVersion = node.metadata.resourceVersion;
  let perNode = wants.get(ds);
  if (!perNode) {
    perNode = new WeakMap();
    wants.set(ds, perNode);
  }
  const known = perNode.get(node);
  if (known && known.generation === generation && known.resourceVersion === resourceVersion)
    return known.wanted;
  const wanted = evaluateDaemonPlacement(ds, node);
  perNode.set(node, { generation, resourceVersion, wanted });
  if (known?.wanted !== wanted) placementMoves.set(ds, (placementMoves.get(ds) ?? 0) + 1);
  return wanted;
}

function evaluateDaemonPlacement(ds: KubeObject, node: KubeObject): boolean {
  const spec = ds.spec.template.spec;
  const labels = node.metadata.labels ?? {};
  if (!Object.entries<string>(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (!nodeAffinityMatches(terms, { name: node.metadata.name, labels })) return false;
  return untoleratedTaint(daemonTolerations(ds), node.spec.taints ?? []) === undefined;
}

function daemonAffinity(nodeName: string) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }],
      },
    },
  };
}

function reconcileDaemonSet(cluster: SimCluster, ds: KubeObject, nodes: KubeObject[]): void {
  const pods = ownedPods(cluster, ds);
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    const target: string | undefined =
      pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]
        ?.matchFields?.[0]?.values?.[0];
    const key = pod.spec.nodeName ?? target ?? "";
    byNode.set(key, [...(byNode.get(key) ?? []), pod]);
  }
  const hash = templateHash(ds);
  for (const node of nodes) {
    const here = byNode.get(node.metadata.name) ?? [];
    byNode.delete(node.metadata.name);
    const wanted = daemonWantsNode(ds, node);
    if (wanted && here.length === 0) {
      createPodFor(
        cluster,
        ds,
        uniqueName(cluster, ds.metadata.namespace as string, ds.metadata.name),
        { "controller-revision-hash": hash, "pod-template-generation": String(ds.metadata.generation ?? 1) },
        {
          tolerations: daemonTolerations(ds),
          affinity: daemonAffinity(node.metadata.name),
        },
      );
    } else if (!wanted) {
      for (const pod of active(here)) deleteOwnedPod(cluster, ds, pod);
    }
  }
  // Pods aimed at nodes that no longer exist.
  for (const leftovers of byNode.values())
    for (const pod of active(leftovers)) deleteOwnedPod(cluster, ds, pod);
}

const reconciled = new LastLook();
const statusWritten = new LastLook();

/** Whether what the workload's controller reads changed since `look` last saw it. */
function changedSince(look: LastLook, cluster: SimCluster, workload: KubeObject): boolean {
  return look.changed(workload, inputsOf(cluster, workload));
}

/**
 * A replicaset reads itself and its pods; a deployment, itself, its replicasets and their pods; a
 * statefulset also its namespace's claims and pod names, so any change there counts. The latest revision
 * among these is enough: any change (a replicaset joining or leaving included) takes a newer one.
 */
function inputsOf(cluster: SimCluster, workload: KubeObject): number {
  const { store } = cluster;
  if (workload.kind === "StatefulSet") return store.namespaceRevision(workload.metadata.namespace as string);
  let latest = Math.max(
    Number(workload.metadata.resourceVersion),
    store.ownerRevision(workload.metadata.uid),
  );
  if (workload.kind === "Deployment")
    for (const rs of store.ownedBy(workload.metadata.uid))
      latest = Math.max(latest, store.ownerRevision(rs.metadata.uid));
  return latest;
}

export function reconcileWorkloads(cluster: SimCluster): void {
  for (const d of cluster.store.list("deployments"))
    if (changedSince(reconciled, cluster, d)) reconcileDeployment(cluster, d);
  for (const rs of cluster.store.list("replicasets"))
    if (changedSince(reconciled, cluster, rs)) reconcileReplicaSet(cluster, rs);
  for (const sts of cluster.store.list("statefulsets"))
    if (changedSince(reconciled, cluster, sts)) reconcileStatefulSet(cluster, sts);
}

/** What a daemonset's controller last acted on: how many nodes, its placement moves, its latest revision. */
const daemonLooks = new WeakMap<KubeObject, { nodes: number; moves: number; revision: number }>();

/** The latest change to the daemonset or to one of its pods. */
function daemonRevision(cluster: SimCluster, ds: KubeObject): number {
  return Math.max(Number(ds.metadata.resourceVersion), cluster.store.ownerRevision(ds.metadata.uid));
}

/**
 * Whether the daemonset, its pods, the nodes or where it wants pods changed since its controller last
 * acted: a cordon changes a node but rarely a placement, and acting again would change nothing.
 */
function daemonChanged(cluster: SimCluster, ds: KubeObject, nodes: KubeObject[]): boolean {
  const look = daemonLooks.get(ds);
  if (look === undefined || look.revision !== daemonRevision(cluster, ds) || look.nodes !== nodes.length)
    return true;
  // A node that came (even in place of one that went) or whose placement flipped counts a move.
  for (const node of nodes) daemonWantsNode(ds, node);
  return look.moves !== (placementMoves.get(ds) ?? 0);
}

/** Daemonsets need a look only when nodes, daemonsets or their pods changed. */
export function reconcileDaemonSets(cluster: SimCluster): void {
  const nodes = cluster.store.list("nodes");
  const changed = cluster.store.list("daemonsets").filter((ds) => daemonChanged(cluster, ds, nodes));
  for (const ds of changed) reconcileDaemonSet(cluster, ds, nodes);
  updateDaemonSetStatuses(cluster, changed, nodes);
  for (const ds of changed)
    daemonLooks.set(ds, {
      nodes: nodes.length,
      moves: placementMoves.get(ds) ?? 0,
      revision: daemonRevision(cluster, ds),
    });
}

function writeStatus(
  cluster: SimCluster,
  resource: "deployments" | "replicasets" | "statefulsets" | "daemonsets",
  object: KubeObject,
  next: Record<string, unknown>,
): void {
  if (JSON.stringify(next) === JSON.stringify(object.status)) return;
  object.status = next;
  cluster.store.touch(resource, object);
}

function condition(
  type: string,
  status: boolean,
  reason: string,
  message: string,
  previous: Array<Record<string, unknown>> | undefined,
  now: string,
) {
  const old = previous?.find((c) => c.type === type);
  const s = status ? "True" : "False";
  const changed = old?.status !== s || old?.reason !== reason;
  return {
    type,
    status: s,
    lastUpdateTime: changed ? now : (old?.lastUpdateTime ?? now),
    lastTransitionTime: old?.status === s ? (old?.lastTransitionTime ?? now) : now,
    reason,
    message,
  };
}

export function updateWorkloadStatuses(cluster: SimCluster): void {
  const now = cluster.iso();
  for (const rs of cluster.store.list("replicasets")) {
    if (!changedSince(statusWritten, cluster, rs)) continue;
    const pods = active(ownedPods(cluster, rs));
    const ready = pods.filter(isPodReady).length;
    writeStatus(cluster, "replicasets", rs, {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    });
  }
  for (const d of cluster.store.list("deployments")) {
    if (!changedSince(statusWritten, cluster, d)) continue;
    const sets = cluster.store.ownedBy(d.metadata.uid).filter((o) => o.kind === "ReplicaSet");
    const hash = templateHash(d);
    const all = sets.flatMap((rs) => active(ownedPods(cluster, rs)));
    const updated = sets
      .filter((rs) => rs.metadata.labels?.["pod-template-hash"] === hash)
      .flatMap((rs) => active(ownedPods(cluster, rs)));
    const ready = all.filter(isPodReady).length;
    const desired = d.spec.replicas ?? 1;
    const maxUnavailable = Math.floor(desired * 0.25);
    const available = ready >= desired - maxUnavailable;
    const newRs = sets.find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
    writeStatus(cluster, "deployments", d, {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: all.length,
      updatedReplicas: updated.length,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(desired - ready > 0 ? { unavailableReplicas: desired - ready } : {}),
      conditions: [
        condition(
          "Available",
          available,
          available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          available
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
          d.status?.conditions,
          now,
        ),
        condition(
          "Progressing",
          true,
          "NewReplicaSetAvailable",
          `ReplicaSet "${newRs?.metadata.name ?? d.metadata.name}" has successfully progressed.`,
          d.status?.conditions,
          now,
        ),
      ],
    });
  }
  for (const sts of cluster.store.list("statefulsets")) {
    if (!changedSince(statusWritten, cluster, sts)) continue;
    const owned = ownedPods(cluster, sts);
    const pods = active(owned);
    // As computeReplicaStatus counts them: a pod being deleted is Ready while it runs (a ReplicaSet's is not).
    const ready = owned.filter(isPodReady).length;
    const revision = `${sts.metadata.name}-${templateHash(sts)}`;
    writeStatus(cluster, "statefulsets", sts, {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: pods.length,
      readyReplicas: ready,
      currentReplicas: pods.length,
      updatedReplicas: pods.length,
      availableReplicas: ready,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    });
  }
}

function updateDaemonSetStatuses(cluster: SimCluster, daemonSets: KubeObject[], nodes: KubeObject[]): void {
  for (const ds of daemonSets) {
    const pods = active(ownedPods(cluster, ds));
    const wanted = nodes.filter((n) => daemonWantsNode(ds, n));
    const wantedNames = new Set(wanted.map((n) => n.metadata.name));
    const scheduled = pods.filter((p) => p.spec.nodeName && wantedNames.has(p.spec.nodeName));
    const ready = scheduled.filter(isPodReady).length;
    const misscheduled = pods.filter((p) => p.spec.nodeName && !wantedNames.has(p.spec.nodeName)).length;
    const unavailable = wanted.length - ready;
    writeStatus(cluster, "daemonsets", ds, {
      currentNumberScheduled: scheduled.length,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: wanted.length,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: scheduled.length,
      numberAvailable: ready,
      ...(unavailable > 0 ? { numberUnavailable: unavailable } : {}),
    });
  }
}
