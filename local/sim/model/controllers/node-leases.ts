// The kubelets' node leases (coordination.k8s.io/v1 in kube-node-lease): created when a node registers,
// owned by the Node so they go with it, renewed every 10 s while the kubelet runs. Renewals are brought up
// to date when someone reads leases, not on a timer: thousands of nodes renewing every 10 simulated seconds
// would cost the twin more than every reader together.

import type { SimCluster } from "../cluster.ts";
import type { KubeObject } from "../kube-types.ts";
import { meta, ownerReference } from "../objects.ts";

const NAMESPACE = "kube-node-lease";
const DURATION_SECONDS = 40;
/** The kubelet renews at a quarter of the lease duration. */
const RENEW_MS = (DURATION_SECONDS / 4) * 1000;

/** metav1.MicroTime, as leases carry their renewTime. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, "$1000Z");
}

export function createNodeLease(cluster: SimCluster, node: KubeObject): void {
  const name = node.metadata.name;
  const previous = cluster.store.get("leases", NAMESPACE, name);
  if (previous) cluster.store.remove("leases", previous);
  const created = Date.parse(node.metadata.creationTimestamp);
  cluster.store.create("leases", {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: meta(
      { name, namespace: NAMESPACE, uid: cluster.uid(), ownerReferences: [ownerReference(node)] },
      created,
    ),
    spec: { holderIdentity: name, leaseDurationSeconds: DURATION_SECONDS, renewTime: microTime(created) },
  });
}

export function removeNodeLease(cluster: SimCluster, nodeName: string): void {
  const lease = cluster.store.get("leases", NAMESPACE, nodeName);
  if (lease) cluster.store.remove("leases", lease);
}

/**
 * Renews each lease whose kubelet still posts status (its node not Unknown) to the kubelet's last
 * renewal tick before now.
 */
export function renewNodeLeases(cluster: SimCluster): void {
  const now = cluster.now();
  for (const lease of cluster.store.list("leases", NAMESPACE)) {
    const node = cluster.node(lease.metadata.name);
    const ready = node?.status?.conditions?.find((c: { type: string }) => c.type === "Ready");
    if (!node || ready?.status === "Unknown") continue;
    const created = Date.parse(lease.metadata.creationTimestamp);
    const renewTime = microTime(now - ((now - created) % RENEW_MS));
    if (lease.spec.renewTime === renewTime) continue;
    lease.spec.renewTime = renewTime;
    cluster.store.touch("leases", lease);
  }
}
