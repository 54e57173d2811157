// The kube-system workloads every AKS cluster runs, so drains meet the same PDBs and daemonsets
// they meet on a real cluster (coredns-pdb, metrics-server-pdb, konnectivity-agent...).

import type { ClusterSpec, CsiDriverSpec, DaemonSetSpec, DeploymentSpec } from "./schema.ts";

const critical = {
  priorityClassName: "system-node-critical",
  tolerations: [{ operator: "Exists" as const }],
};
const linuxOnly = { "kubernetes.io/os": "linux" };
const windowsOnly = { "kubernetes.io/os": "windows" };

function requests(cpu: string, memory: string) {
  return { requests: { cpu, memory } };
}

function daemon(
  name: string,
  nodeSelector: Record<string, string>,
  cpu: string,
  memory: string,
): DaemonSetSpec {
  return {
    name,
    namespace: "kube-system",
    labels: { "k8s-app": name },
    image: `mcr.microsoft.com/oss/kubernetes/${name}:latest`,
    nodeSelector,
    resources: requests(cpu, memory),
    terminationGracePeriodSeconds: 30,
    startupSeconds: 3,
    ...critical,
  };
}

function addon(
  name: string,
  replicas: number,
  cpu: string,
  memory: string,
  pdb: boolean,
  labelValue = name,
): DeploymentSpec {
  return {
    name,
    namespace: "kube-system",
    replicas,
    labels: { "k8s-app": labelValue },
    image: `mcr.microsoft.com/oss/kubernetes/${name}:latest`,
    nodeSelector: linuxOnly,
    tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
    priorityClassName: "system-cluster-critical",
    resources: requests(cpu, memory),
    terminationGracePeriodSeconds: 30,
    startupSeconds: 5,
    ...(pdb ? { pdb: { name: `${name}-pdb`, minAvailable: 1 } } : {}),
  };
}

export function systemDeployments(): DeploymentSpec[] {
  return [
    addon("coredns", 2, "100m", "70Mi", true, "kube-dns"),
    addon("coredns-autoscaler", 1, "20m", "10Mi", false),
    addon("metrics-server", 2, "150m", "100Mi", true),
    addon("konnectivity-agent", 2, "20m", "20Mi", true),
  ];
}

export function systemDaemonSets(
  cluster: Pick<ClusterSpec, "networkProfile" | "storageProfile">,
): DaemonSetSpec[] {
  const storage = cluster.storageProfile;
  const out = [
    daemon("kube-proxy", linuxOnly, "100m", "64Mi"),
    daemon("azure-ip-masq-agent", linuxOnly, "100m", "50Mi"),
    daemon("cloud-node-manager", linuxOnly, "50m", "50Mi"),
    daemon("cloud-node-manager-windows", windowsOnly, "50m", "50Mi"),
  ];
  if (cluster.networkProfile.networkPlugin === "azure")
    out.push(daemon("azure-cns", linuxOnly, "40m", "250Mi"));
  if (storage.diskCSIDriver) {
    out.push(
      daemon("csi-azuredisk-node", linuxOnly, "30m", "60Mi"),
      daemon("csi-azuredisk-node-win", windowsOnly, "30m", "60Mi"),
    );
  }
  if (storage.fileCSIDriver) {
    out.push(
      daemon("csi-azurefile-node", linuxOnly, "30m", "60Mi"),
      daemon("csi-azurefile-node-win", windowsOnly, "30m", "60Mi"),
    );
  }
  if (storage.blobCSIDriver) out.push(daemon("csi-blob-node", linuxOnly, "30m", "60Mi"));
  return out;
}

export function systemCsiDrivers(cluster: Pick<ClusterSpec, "storageProfile">): CsiDriverSpec[] {
  const base = {
    attachRequired: true,
    podInfoOnMount: false,
    fsGroupPolicy: "File" as const,
    volumeLifecycleModes: ["Persistent" as const],
  };
  const out: CsiDriverSpec[] = [];
  if (cluster.storageProfile.diskCSIDriver) out.push({ ...base, name: "disk.csi.azure.com" });
  if (cluster.storageProfile.fileCSIDriver) {
    out.push({
      ...base,
      name: "file.csi.azure.com",
      attachRequired: false,
      podInfoOnMount: true,
      volumeLifecycleModes: ["Persistent", "Ephemeral"],
    });
  }
  if (cluster.storageProfile.blobCSIDriver)
    out.push({ ...base, name: "blob.csi.azure.com", attachRequired: false, podInfoOnMount: true });
  return out;
}

/** Every daemonset a cluster runs: its own, kernel-bound agents and (if enabled) the system ones. */
export function allDaemonSetNames(cluster: ClusterSpec): Set<string> {
  const system = cluster.workloads.systemComponents ? systemDaemonSets(cluster) : [];
  return new Set(
    [...cluster.workloads.daemonSets, ...cluster.workloads.kernelAgents, ...system].map(
      (d) => `${d.namespace}/${d.name}`,
    ),
  );
}
