// What each PodDisruptionBudget's status is computed from, kept up to date from the store's changes: the
// pods its selector picks, and whether they, the budget itself or the scale of the controllers it counts
// changed since its status was last computed. A drain's pod churn then recomputes the budgets it touches,
// not every budget of a namespace on every pass.

import type { KubeStore, StoreChange } from "../kube-store.ts";
import { controllerOf, type KubeObject, type Resource } from "../kube-types.ts";
import { labelSelectorMatcher } from "../selectors.ts";

/** The fields of a workload the disruption controller's scale finders read (undefined: not a workload). */
function scaleFields(resource: Resource, object: KubeObject): string | undefined {
  switch (resource) {
    case "replicasets": {
      const owner = controllerOf(object);
      return `${object.spec?.replicas}/${owner?.kind}/${owner?.name}`;
    }
    case "deployments":
    case "statefulsets":
      return String(object.spec?.replicas);
    case "daemonsets":
      return String(object.status?.desiredNumberScheduled);
    default:
      return undefined;
  }
}

export class BudgetInputs {
  private readonly store: KubeStore;
  private readonly matchers = new Map<KubeObject, (labels?: Record<string, string>) => boolean>();
  /** Arrays rather than sets: a budget selects tens of pods, and there is one per budget of the fleet. */
  private readonly selected = new Map<KubeObject, KubeObject[]>();
  private readonly changed = new Set<KubeObject>();
  private readonly scales = new WeakMap<KubeObject, string>();

  constructor(store: KubeStore) {
    this.store = store;
    for (const pdb of store.list("poddisruptionbudgets")) this.select(pdb);
    store.watch((change) => this.observe(change));
  }

  /** The pods the budget's selector picks (in its namespace), as kept: read them, never change them. */
  podsOf(pdb: KubeObject): readonly KubeObject[] {
    return this.selected.get(pdb) ?? [];
  }

  /** Whether the budget's inputs changed since the last call for it. */
  takeChanged(pdb: KubeObject): boolean {
    return this.changed.delete(pdb);
  }

  private select(pdb: KubeObject): void {
    const matches = labelSelectorMatcher(pdb.spec?.selector);
    const pods = this.store
      .list("pods", pdb.metadata.namespace)
      .filter((pod) => matches(pod.metadata.labels));
    this.matchers.set(pdb, matches);
    this.selected.set(pdb, pods);
    this.changed.add(pdb);
  }

  private observe({ type, resource, object }: StoreChange): void {
    if (resource === "poddisruptionbudgets") {
      if (type !== "DELETED") {
        this.select(object);
        return;
      }
      this.matchers.delete(object);
      this.selected.delete(object);
      this.changed.delete(object);
      return;
    }
    if (resource === "pods") {
      for (const [pdb, matches] of this.matchers) {
        if (pdb.metadata.namespace !== object.metadata.namespace) continue;
        const pods = this.selected.get(pdb) as KubeObject[];
        const index = pods.indexOf(object);
        if (type !== "DELETED" && matches(object.metadata.labels)) {
          if (index === -1) pods.push(object);
          this.changed.add(pdb);
        } else if (index !== -1) {
          pods.splice(index, 1);
          this.changed.add(pdb);
        }
      }
      return;
    }
    const scale = scaleFields(resource, object);
    if (scale === undefined || (type === "MODIFIED" && this.scales.get(object) === scale)) return;
    this.scales.set(object, scale);
    for (const pdb of this.matchers.keys())
      if (pdb.metadata.namespace === object.metadata.namespace) this.changed.add(pdb);
  }
}
