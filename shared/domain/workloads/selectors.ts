// Kubernetes matching rules the risk rules need: label selectors (PDBs, deployments), node
// selectors and affinity, taints and tolerations (which nodes a daemonset lands on).
import type {
  KubeDaemonSet,
  KubeLabelSelector,
  KubeNode,
  KubeNodeSelector,
  KubeNodeSelectorRequirement,
  KubeTaint,
  KubeToleration,
} from "./cluster-facts.ts";

/** Own keys only: a label named "constructor" must not find Object.prototype.constructor. */
export function labelValue(
  labels: Record<string, string | undefined> | undefined,
  key: string,
): string | undefined {
  return labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** `where` names the object in errors, e.g. "PodDisruptionBudget shop/web". */
export function labelSelectorMatches(
  selector: KubeLabelSelector | undefined,
  labels: Record<string, string> | undefined,
  where: string,
): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labelValue(labels, key) !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((requirement) => {
    const value = labelValue(labels, requirement.key);
    const matched = setOperatorMatches(requirement.operator, value, requirement.values ?? []);
    if (matched === undefined) {
      throw new Error(
        `${where}: label selector operator "${requirement.operator}" on key "${requirement.key}" is not one of In, NotIn, Exists, DoesNotExist`,
      );
    }
    return matched;
  });
}

/** The set-based operators label and node selectors share; undefined for any other operator. */
function setOperatorMatches(
  operator: string,
  value: string | undefined,
  values: string[],
): boolean | undefined {
  switch (operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    default:
      return undefined;
  }
}

function nodeRequirementMatches(
  requirement: KubeNodeSelectorRequirement,
  value: string | undefined,
  where: string,
): boolean {
  const values = requirement.values ?? [];
  if (requirement.operator === "Gt" || requirement.operator === "Lt") {
    const bound = Number.parseInt(values[0] ?? "", 10);
    if (values.length !== 1 || Number.isNaN(bound)) {
      throw new Error(
        `${where}: node selector ${requirement.operator} on "${requirement.key}" needs exactly one integer value, got ${JSON.stringify(values)}`,
      );
    }
    const actual = Number.parseInt(value ?? "", 10);
    if (Number.isNaN(actual)) return false;
    return requirement.operator === "Gt" ? actual > bound : actual < bound;
  }
  const matched = setOperatorMatches(requirement.operator, value, values);
  if (matched === undefined) {
    throw new Error(
      `${where}: node selector operator "${requirement.operator}" on key "${requirement.key}" is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt`,
    );
  }
  return matched;
}

/** Terms are ORed, requirements in a term ANDed; a term with no requirements matches nothing. */
export function nodeSelectorMatches(selector: KubeNodeSelector, node: KubeNode, where: string): boolean {
  const labels = node.metadata?.labels;
  const fields = { "metadata.name": node.metadata?.name };
  return (selector.nodeSelectorTerms ?? []).some((term) => {
    const expressions = term.matchExpressions ?? [];
    const fieldRequirements = term.matchFields ?? [];
    if (expressions.length === 0 && fieldRequirements.length === 0) return false;
    return (
      expressions.every((r) => nodeRequirementMatches(r, labelValue(labels, r.key), where)) &&
      fieldRequirements.every((r) => nodeRequirementMatches(r, labelValue(fields, r.key), where))
    );
  });
}

export function tolerates(toleration: KubeToleration, taint: KubeTaint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === "Exists") return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? "") === (taint.value ?? "");
}

// The daemonset controller adds these tolerations to every daemon pod, so node conditions never keep
// a daemonset off a node (k8s.io/kubernetes/pkg/controller/daemon/util).
const DAEMON_CONDITION_TAINTS = new Set([
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
  "node.kubernetes.io/disk-pressure",
  "node.kubernetes.io/memory-pressure",
  "node.kubernetes.io/pid-pressure",
  "node.kubernetes.io/unschedulable",
  "node.kubernetes.io/network-unavailable",
]);

/** Whether the daemonset's pod template lets it run on the node (selector, affinity, taints). */
export function daemonSetRunsOn(daemonSet: KubeDaemonSet, node: KubeNode, where: string): boolean {
  const spec = daemonSet.spec?.template?.spec ?? {};
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    if (labelValue(node.metadata?.labels, key) !== value) return false;
  }
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required !== undefined && !nodeSelectorMatches(required, node, where)) return false;
  const tolerations = spec.tolerations ?? [];
  return (node.spec?.taints ?? []).every(
    (taint) =>
      taint.effect === "PreferNoSchedule" ||
      DAEMON_CONDITION_TAINTS.has(taint.key) ||
      tolerations.some((toleration) => tolerates(toleration, taint)),
  );
}
