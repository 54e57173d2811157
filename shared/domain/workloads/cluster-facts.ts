// Kubernetes facts a scan gathers per cluster, for the dependency-risk rules (risk/) and the drain rules (drain/).
// Each type is a structural subset of the matching @kubernetes/client-node V1 model (same field
// names and nesting, every field optional as there), so a list call's items can be passed as they
// come: `facts.pods = (await core.listPodForAllNamespaces()).items`. Only what the rules read is
// declared; test/unit/risk.test.ts feeds client-node models through these types. Where client-node has a
// Date, the type says `Date | string`: activity outputs travel as JSON, and pod and budget lists are read
// as parsed JSON (shared/kube/json-lists.ts), so a timestamp may arrive as text.

export interface KubeOwnerReference {
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  /** A pod's uid tells a new pod of the same name from the one a drain saw. */
  uid?: string;
  creationTimestamp?: Date | string;
  /** Set once deletion began: the pod is Terminating until its grace period ends. */
  deletionTimestamp?: Date | string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  ownerReferences?: KubeOwnerReference[];
}

/** A pod's or node's condition (Ready, ...); status is "True", "False" or "Unknown". */
export interface KubeCondition {
  type: string;
  status: string;
  reason?: string;
  lastTransitionTime?: Date | string;
}

export interface KubeLabelSelectorRequirement {
  key: string;
  /** In | NotIn | Exists | DoesNotExist */
  operator: string;
  values?: string[];
}

/** An absent selector selects nothing; an empty one ({}) selects everything (Kubernetes semantics). */
export interface KubeLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: KubeLabelSelectorRequirement[];
}

export interface KubeNodeSelectorRequirement {
  key: string;
  /** In | NotIn | Exists | DoesNotExist | Gt | Lt */
  operator: string;
  values?: string[];
}

export interface KubeNodeSelectorTerm {
  matchExpressions?: KubeNodeSelectorRequirement[];
  /** Only `metadata.name` is a valid field key. */
  matchFields?: KubeNodeSelectorRequirement[];
}

export interface KubeNodeSelector {
  nodeSelectorTerms?: KubeNodeSelectorTerm[];
}

export interface KubeToleration {
  key?: string;
  /** Exists | Equal (the default) */
  operator?: string;
  value?: string;
  /** NoSchedule | PreferNoSchedule | NoExecute; empty tolerates every effect. */
  effect?: string;
}

export interface KubeTaint {
  key: string;
  value?: string;
  effect: string;
}

export interface KubeSeccompProfile {
  /** RuntimeDefault | Unconfined | Localhost */
  type: string;
  localhostProfile?: string;
}

export interface KubeContainer {
  name: string;
  image?: string;
  securityContext?: { privileged?: boolean; seccompProfile?: KubeSeccompProfile };
}

export interface KubeVolume {
  name: string;
  emptyDir?: { medium?: string };
  hostPath?: { path: string; type?: string };
  persistentVolumeClaim?: { claimName: string };
  /** Inline CSI volume. */
  csi?: { driver: string };
}

export interface KubePodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: KubeNodeSelector } };
  tolerations?: KubeToleration[];
  hostNetwork?: boolean;
  securityContext?: { seccompProfile?: KubeSeccompProfile };
  containers?: KubeContainer[];
  initContainers?: KubeContainer[];
  volumes?: KubeVolume[];
  /** Kubernetes' default is 30 when absent. */
  terminationGracePeriodSeconds?: number;
  /** Always (the default), OnFailure or Never: the last two run to completion. */
  restartPolicy?: string;
}

export interface KubePodTemplateSpec {
  metadata?: KubeObjectMeta;
  spec?: KubePodSpec;
}

export interface KubeContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  /** waiting.reason: ContainerCreating, CrashLoopBackOff, ImagePullBackOff, ... */
  state?: { waiting?: { reason?: string } };
}

export interface KubePod {
  metadata?: KubeObjectMeta;
  spec?: KubePodSpec;
  /** phase: Pending | Running | Succeeded | Failed | Unknown */
  status?: { phase?: string; conditions?: KubeCondition[]; containerStatuses?: KubeContainerStatus[] };
}

export interface KubeDaemonSet {
  metadata?: KubeObjectMeta;
  spec?: { selector?: KubeLabelSelector; template?: KubePodTemplateSpec };
}

export interface KubeDeployment {
  metadata?: KubeObjectMeta;
  /** replicas defaults to 1 when absent, as in Kubernetes. */
  spec?: { replicas?: number; selector?: KubeLabelSelector; template?: KubePodTemplateSpec };
}

export interface KubeStatefulSet {
  metadata?: KubeObjectMeta;
  spec?: { replicas?: number; selector?: KubeLabelSelector; template?: KubePodTemplateSpec };
}

export interface KubePodDisruptionBudget {
  metadata?: KubeObjectMeta;
  /** At most one of minAvailable and maxUnavailable; each an integer or a percentage ("50%"). */
  spec?: { selector?: KubeLabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; expectedPods?: number };
}

export interface KubePersistentVolumeClaim {
  metadata?: KubeObjectMeta;
  spec?: { volumeName?: string; storageClassName?: string };
}

export interface KubePersistentVolume {
  metadata?: KubeObjectMeta;
  spec?: {
    local?: { path: string };
    hostPath?: { path: string };
    csi?: { driver: string };
    nodeAffinity?: { required?: KubeNodeSelector };
  };
}

export interface KubeCSIDriver {
  metadata?: KubeObjectMeta;
  spec?: { attachRequired?: boolean };
}

export interface KubeNode {
  metadata?: KubeObjectMeta;
  spec?: { taints?: KubeTaint[]; unschedulable?: boolean };
  status?: { conditions?: KubeCondition[] };
}

/** Everything one scan of one cluster gathers. */
export interface ClusterFacts {
  nodes: KubeNode[];
  pods: KubePod[];
  daemonSets: KubeDaemonSet[];
  deployments: KubeDeployment[];
  statefulSets: KubeStatefulSet[];
  podDisruptionBudgets: KubePodDisruptionBudget[];
  persistentVolumeClaims: KubePersistentVolumeClaim[];
  persistentVolumes: KubePersistentVolume[];
  csiDrivers: KubeCSIDriver[];
}
