// Dependency risk of migrating one node pool to a new image: which workloads on the pool depend on the
// node's kernel or runtime, which will not drain cleanly, and which lose data or availability. Each
// reason carries the fix the practice this product automates recommends ("Operating AKS After Azure Linux
// Retirement: Image Lifecycle as Platform Practice": test agents on a test pool first, add PDBs with
// maxUnavailable 1, scale to 2 replicas, ...). Workloads AKS manages itself (its add-ons) are kept
// compatible with AKS node images by AKS and are skipped, except that their PDBs can still block a drain.

import { coveringBudgets, describeBudget } from "../drain/disruption-budgets.ts";
import { assessDrain, type ExhaustedBudget } from "../drain/pod-filters.ts";
import type {
  ClusterFacts,
  KubeNode,
  KubeObjectMeta,
  KubePod,
  KubePodDisruptionBudget,
  KubePodSpec,
  KubeVolume,
} from "../workloads/cluster-facts.ts";
import { controllerOf, nameOf, namespaceOf, poolOfNode } from "../workloads/kube-objects.ts";
import { owningWorkload } from "../workloads/owning-workload.ts";
import { daemonSetRunsOn, labelValue } from "../workloads/selectors.ts";
import { kernelAgentFor } from "./kernel-agents.ts";

export type MigrationComplexity = "simple" | "complex";
/** blocks-drain and complex make a migration complex; caution is advice that does not. */
export type RiskSeverity = "blocks-drain" | "complex" | "caution";

interface RiskRule {
  severity: RiskSeverity;
  fix: string;
}

export const RISK_RULES = {
  "pdb-blocks-drain": {
    severity: "blocks-drain",
    fix: "A PDB that allows zero disruptions blocks the drain. Before draining, scale the workload so the budget allows one eviction (at least 2 replicas) or set maxUnavailable: 1.",
  },
  "kernel-agent": {
    severity: "complex",
    fix: "Deploy this agent on a test pool running the new image and verify it starts cleanly before draining; upgrade it to a release that supports the new kernel if it does not.",
  },
  privileged: {
    severity: "complex",
    fix: "Privileged containers reach the host kernel and devices directly: deploy the workload on a test pool running the new image and verify it starts cleanly before draining.",
  },
  "host-path-kernel": {
    severity: "complex",
    fix: "It mounts kernel or container-runtime paths from the host, which change with the image (kernel, modules, containerd): test it on a test pool running the new image first.",
  },
  "seccomp-localhost": {
    severity: "complex",
    fix: "Localhost seccomp profiles are files on each node: make sure the new nodes get the same profile files and that they allow what the new kernel and runtime need; test on a test pool first.",
  },
  "single-replica": {
    severity: "complex",
    fix: "One replica means downtime when its node drains: scale to at least 2 replicas and add a PDB with maxUnavailable: 1 before the migration.",
  },
  "bare-pod": {
    severity: "complex",
    fix: "Bare pods are lost on drain: nothing recreates them on the new pool. Run it under a Deployment (or a Job) before the migration.",
  },
  "local-volume": {
    severity: "complex",
    fix: "A local volume pins the pod to its node: it cannot reschedule onto the new pool and its data stays behind. Move the data to a network volume (Azure Disk or Files) or let the application replicate it before draining.",
  },
  statefulset: {
    severity: "complex",
    fix: "StatefulSets drain slowly: pods move one at a time, reattach their volumes and can stick in Terminating. Give it a PDB with minAvailable: N, allow a longer drain and watch it.",
  },
  "third-party-csi": {
    severity: "complex",
    fix: "Its CSI node plugin mounts through the host kernel: create a test PVC on a test pool running the new image and check it provisions, mounts and unmounts cleanly before draining.",
  },
  "no-pdb": {
    severity: "caution",
    fix: "Without a PDB a drain may evict several replicas at once: add a PDB with maxUnavailable: 1.",
  },
  "empty-dir": {
    severity: "caution",
    fix: "emptyDir data is lost on drain (the drain deletes it): keep only caches there, or move the data to a persistent volume.",
  },
  "host-path": {
    severity: "caution",
    fix: "Files on the old node do not move with the pod, and paths can differ on the new OS image: check the paths exist on a test pool running the new image.",
  },
  "host-network": {
    severity: "caution",
    fix: "It shares the node's network stack, which depends on the image's kernel networking and CNI: check it on a test pool; its host ports must be free on the new nodes.",
  },
  "persistent-volume": {
    severity: "caution",
    fix: "Its volume detaches from the old node and reattaches on the new one: create a test PVC on the new image first, and make sure the new pool spans the volume's zones.",
  },
  job: {
    severity: "caution",
    fix: "The drain interrupts running job pods: let them finish first, or make sure the job restarts cleanly.",
  },
} as const satisfies Record<string, RiskRule>;

export type RiskCode = keyof typeof RISK_RULES;

export interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface RiskReason {
  code: RiskCode;
  severity: RiskSeverity;
  workload: WorkloadRef;
  /** What was found, with the names to look at. */
  detail: string;
  fix: string;
}

export interface PoolMigrationRisk {
  pool: string;
  /** The pool's nodes found in the facts; empty when the pool has no nodes (or the name is wrong). */
  nodes: string[];
  complexity: MigrationComplexity;
  reasons: RiskReason[];
}

const MANAGED_LABELS: ReadonlyArray<readonly [string, string]> = [
  ["kubernetes.azure.com/managedby", "aks"],
  ["addonmanager.kubernetes.io/mode", "Reconcile"],
];

// CSI drivers AKS installs and keeps compatible with its node images.
const AKS_CSI_DRIVERS = new Set([
  "disk.csi.azure.com",
  "file.csi.azure.com",
  "blob.csi.azure.com",
  "secrets-store.csi.k8s.io",
]);

// Host paths whose content comes with the node image: kernel, modules, devices, container runtime.
const KERNEL_HOST_PATHS = [
  "/boot",
  "/dev",
  "/lib/modules",
  "/usr/lib/modules",
  "/usr/src",
  "/proc",
  "/sys",
  "/etc/containerd",
  "/run/containerd",
  "/var/run/containerd",
  "/var/lib/containerd",
];

const SEVERITY_ORDER: Record<RiskSeverity, number> = { "blocks-drain": 0, complex: 1, caution: 2 };

interface PoolWorkload {
  ref: WorkloadRef;
  spec: KubePodSpec;
  /** Its pods running on the pool (none for a daemonset only predicted to land there). */
  pods: KubePod[];
  managed: boolean;
  replicas?: number;
}

export function assessPoolMigration(facts: ClusterFacts, pool: string): PoolMigrationRisk {
  const poolNodes = facts.nodes.filter((node) => poolOfNode(node)?.toLowerCase() === pool.toLowerCase());
  const nodeNames = new Set(poolNodes.map((node) => node.metadata?.name ?? ""));
  const drain = assessDrain(facts, nodeNames);
  const daemonPods = drain.pods.filter((status) => status.reason === "daemon-set").map((s) => s.pod);
  const evictable = drain.pods.filter((status) => status.verdict !== "skip").map((s) => s.pod);
  const reasons = [
    ...drain.exhaustedBudgets.map(exhaustedBudgetReason),
    ...daemonSetWorkloads(facts, poolNodes, daemonPods).flatMap((w) => workloadReasons(facts, w, true)),
    ...evictableWorkloads(facts, evictable).flatMap((w) => workloadReasons(facts, w, false)),
  ].sort(compareReasons);
  return {
    pool,
    nodes: [...nodeNames].sort(),
    complexity: reasons.some((r) => r.severity !== "caution") ? "complex" : "simple",
    reasons,
  };
}

function compareReasons(a: RiskReason, b: RiskReason): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    a.code.localeCompare(b.code) ||
    a.workload.kind.localeCompare(b.workload.kind) ||
    a.workload.namespace.localeCompare(b.workload.namespace) ||
    a.workload.name.localeCompare(b.workload.name)
  );
}

function qualified(ref: { namespace: string; name: string }): string {
  return `${ref.namespace}/${ref.name}`;
}

function isManaged(...metas: Array<KubeObjectMeta | undefined>): boolean {
  return metas.some((meta) => MANAGED_LABELS.some(([key, value]) => labelValue(meta?.labels, key) === value));
}

function daemonSetWorkloads(
  facts: ClusterFacts,
  poolNodes: KubeNode[],
  daemonPods: KubePod[],
): PoolWorkload[] {
  return facts.daemonSets.flatMap((daemonSet) => {
    const ref = {
      kind: "DaemonSet",
      namespace: namespaceOf(daemonSet.metadata),
      name: nameOf(daemonSet.metadata),
    };
    const where = `DaemonSet ${qualified(ref)}`;
    const pods = daemonPods.filter((pod) => {
      const owner = controllerOf(pod);
      return (
        owner?.kind === "DaemonSet" && owner.name === ref.name && namespaceOf(pod.metadata) === ref.namespace
      );
    });
    const landsOnPool = pods.length > 0 || poolNodes.some((node) => daemonSetRunsOn(daemonSet, node, where));
    if (!landsOnPool) return [];
    const template = daemonSet.spec?.template;
    return [
      { ref, spec: template?.spec ?? {}, pods, managed: isManaged(daemonSet.metadata, template?.metadata) },
    ];
  });
}

/** Pods that a drain evicts, grouped by the workload that owns them. */
function evictableWorkloads(facts: ClusterFacts, pods: KubePod[]): PoolWorkload[] {
  const byKey = new Map<string, PoolWorkload>();
  for (const pod of [...pods].sort((a, b) => nameOf(a.metadata).localeCompare(nameOf(b.metadata)))) {
    const { meta, replicas, ...ref } = owningWorkload(facts, pod);
    const key = `${ref.kind}/${qualified(ref)}`;
    const existing = byKey.get(key);
    if (existing) {
      existing.pods.push(pod);
      existing.managed ||= isManaged(pod.metadata);
    } else {
      byKey.set(key, {
        ref,
        spec: pod.spec ?? {},
        pods: [pod],
        managed: isManaged(meta, pod.metadata),
        replicas,
      });
    }
  }
  return [...byKey.values()];
}

/** Collects details per code, so one workload gets one reason per code. */
class ReasonList {
  private readonly details = new Map<RiskCode, string[]>();
  add(code: RiskCode, detail: string): void {
    const list = this.details.get(code) ?? [];
    if (!list.includes(detail)) list.push(detail);
    this.details.set(code, list);
  }
  has(code: RiskCode): boolean {
    return this.details.has(code);
  }
  toReasons(workload: WorkloadRef): RiskReason[] {
    return [...this.details].map(([code, details]) => ({
      code,
      severity: RISK_RULES[code].severity,
      workload,
      detail: details.join("; "),
      fix: RISK_RULES[code].fix,
    }));
  }
}

function workloadReasons(facts: ClusterFacts, workload: PoolWorkload, daemon: boolean): RiskReason[] {
  if (workload.managed) return [];
  const found = new ReasonList();
  podSpecReasons(facts, workload, daemon, found);
  controllerReasons(facts, workload, found);
  return found.toReasons(workload.ref);
}

function podSpecReasons(
  facts: ClusterFacts,
  workload: PoolWorkload,
  daemon: boolean,
  found: ReasonList,
): void {
  const spec = workload.spec;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const container of containers) {
    const agent = kernelAgentFor(container);
    if (agent)
      found.add(
        "kernel-agent",
        `${agent.agent} (container ${container.name}, ${container.image}): ${agent.why}`,
      );
  }
  const hostPaths = (spec.volumes ?? []).flatMap((v) => (v.hostPath ? [normalisePath(v.hostPath.path)] : []));
  // A recognised agent's own reason already says to test it on the new image.
  if (!found.has("kernel-agent")) {
    for (const container of containers) {
      if (container.securityContext?.privileged)
        found.add("privileged", `container ${container.name} runs privileged`);
    }
    for (const path of hostPaths.filter(isKernelHostPath))
      found.add("host-path-kernel", `mounts host path ${path}`);
  }
  for (const path of hostPaths.filter((p) => !isKernelHostPath(p)))
    found.add("host-path", `mounts host path ${path}`);
  if (spec.hostNetwork) found.add("host-network", "runs with hostNetwork: true");
  const localProfiles = [
    spec.securityContext?.seccompProfile,
    ...containers.map((c) => c.securityContext?.seccompProfile),
  ]
    .filter((profile) => profile?.type === "Localhost")
    .map((profile) => profile?.localhostProfile ?? "(no localhostProfile)");
  for (const profile of localProfiles)
    found.add("seccomp-localhost", `uses localhost seccomp profile ${profile}`);
  for (const volume of spec.volumes ?? []) {
    // Daemon pods are not evicted; a new daemon pod starts on each new node.
    if (volume.emptyDir && !daemon) found.add("empty-dir", `emptyDir volume ${volume.name}`);
    volumeStorageReasons(facts, workload.ref.namespace, volume, found);
  }
}

function normalisePath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

function isKernelHostPath(path: string): boolean {
  return path === "/" || KERNEL_HOST_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function isAksCsiDriver(facts: ClusterFacts, driver: string): boolean {
  const object = facts.csiDrivers.find((d) => d.metadata?.name === driver);
  return AKS_CSI_DRIVERS.has(driver) || isManaged(object?.metadata);
}

function volumeStorageReasons(
  facts: ClusterFacts,
  namespace: string,
  volume: KubeVolume,
  found: ReasonList,
): void {
  if (volume.csi && !isAksCsiDriver(facts, volume.csi.driver)) {
    found.add("third-party-csi", `inline volume ${volume.name} uses CSI driver ${volume.csi.driver}`);
  }
  const claimName = volume.persistentVolumeClaim?.claimName;
  if (claimName === undefined) return;
  const claim = facts.persistentVolumeClaims.find(
    (c) => namespaceOf(c.metadata) === namespace && c.metadata?.name === claimName,
  );
  const volumeName = claim?.spec?.volumeName;
  const persistentVolume = facts.persistentVolumes.find(
    (pv) => volumeName && pv.metadata?.name === volumeName,
  );
  const pvSpec = persistentVolume?.spec;
  const nodeBound = pvSpec?.local ?? pvSpec?.hostPath;
  if (nodeBound) {
    const kind = pvSpec?.local ? "local" : "hostPath";
    found.add(
      "local-volume",
      `claim ${claimName} is bound to ${kind} volume ${volumeName} at ${nodeBound.path}`,
    );
  } else if (pvSpec?.csi && !isAksCsiDriver(facts, pvSpec.csi.driver)) {
    found.add(
      "third-party-csi",
      `claim ${claimName} (volume ${volumeName}) uses CSI driver ${pvSpec.csi.driver}`,
    );
  } else if (persistentVolume) {
    const driver = pvSpec?.csi ? ` through ${pvSpec.csi.driver}` : "";
    found.add("persistent-volume", `claim ${claimName} (volume ${volumeName}${driver})`);
  } else {
    found.add("persistent-volume", `claim ${claimName} (its volume is not bound or was not in the scan)`);
  }
}

function pdbSummary(pdbs: KubePodDisruptionBudget[]): string {
  return pdbs.length === 0 ? "no PDB" : `PDB ${pdbs.map((p) => nameOf(p.metadata)).join(", ")}`;
}

function onPool(workload: PoolWorkload): string {
  const nodes = [...new Set(workload.pods.map((pod) => pod.spec?.nodeName))].join(", ");
  return `${workload.pods.length} pod(s) on this pool (node ${nodes})`;
}

function controllerReasons(facts: ClusterFacts, workload: PoolWorkload, found: ReasonList): void {
  const { kind } = workload.ref;
  const replicas = workload.replicas;
  if (kind === "Deployment" && replicas !== undefined) {
    const pdbs = coveringBudgets(facts.podDisruptionBudgets, workload.pods);
    if (replicas <= 1) {
      found.add("single-replica", `${replicas} replica, ${pdbSummary(pdbs)}; ${onPool(workload)}`);
    } else if (pdbs.length === 0) {
      found.add("no-pdb", `${replicas} replicas, no PDB; ${onPool(workload)}`);
    }
  } else if (kind === "StatefulSet") {
    const pdbs = coveringBudgets(facts.podDisruptionBudgets, workload.pods);
    found.add("statefulset", `${replicas ?? "unknown"} replicas, ${pdbSummary(pdbs)}; ${onPool(workload)}`);
  } else if (kind === "Pod") {
    found.add("bare-pod", `no controller owns it; ${onPool(workload)}`);
  } else if (kind === "Job") {
    found.add("job", onPool(workload));
  }
}

function exhaustedBudgetReason({ pdb, allowed, covers }: ExhaustedBudget): RiskReason {
  const pods = covers.map((pod) => `${nameOf(pod.metadata)} on ${pod.spec?.nodeName}`).join(", ");
  return {
    code: "pdb-blocks-drain",
    severity: RISK_RULES["pdb-blocks-drain"].severity,
    workload: {
      kind: "PodDisruptionBudget",
      namespace: namespaceOf(pdb.metadata),
      name: nameOf(pdb.metadata),
    },
    detail: `allows ${allowed} disruptions (${describeBudget(pdb)}); covers ${pods}`,
    fix: RISK_RULES["pdb-blocks-drain"].fix,
  };
}
