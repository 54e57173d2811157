// One cluster's Kubernetes objects, in wire shape, with one resourceVersion counter like etcd's revision.
// Everything that changes an object goes through touch/create/remove, so versions, indexes and
// watchers stay right.

import { type KubeObject, RESOURCE_KINDS, type Resource } from "./kube-types.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";
export interface StoreChange {
  type: ChangeType;
  resource: Resource;
  object: KubeObject;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class KubeStore {
  private revision = 1000;
  private readonly data = new Map<Resource, Map<string, KubeObject>>();
  private readonly podsByNode = new Map<string, Set<KubeObject>>();
  /** Pods no node is named for, in creation order: what the scheduler looks at. */
  private readonly unbound = new Set<KubeObject>();
  private readonly resourceRevisions = new Map<Resource, number>();
  private readonly membershipRevisions = new Map<Resource, number>();
  private readonly namespaceRevisions = new Map<string, number>();
  private clusterScopedRevision = 0;
  private readonly nodeRevisions = new Map<string, number>();
  private readonly ownerRevisions = new Map<string, number>();
  private readonly indexedNode = new WeakMap<KubeObject, string>();
  private readonly byOwner = new Map<string, Set<KubeObject>>();
  /** The owner uids each object is indexed under: an update may change its ownerReferences. */
  private readonly indexedOwners = new WeakMap<KubeObject, string[]>();
  private readonly byNamespace = new Map<string, Set<KubeObject>>();
  private readonly listeners = new Set<(change: StoreChange) => void>();

  constructor() {
    for (const resource of Object.keys(RESOURCE_KINDS) as Resource[]) this.data.set(resource, new Map());
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  private collection(resource: Resource): Map<string, KubeObject> {
    return this.data.get(resource) as Map<string, KubeObject>;
  }

  get(resource: Resource, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.collection(resource).get(
      objectKey(RESOURCE_KINDS[resource].namespaced ? namespace : undefined, name),
    );
  }

  list(resource: Resource, namespace?: string): KubeObject[] {
    if (namespace === undefined) return [...this.collection(resource).values()];
    return [...(this.byNamespace.get(`${resource}/${namespace}`) ?? [])];
  }

  count(resource: Resource): number {
    return this.collection(resource).size;
  }

  unboundPods(): KubeObject[] {
    return [...this.unbound];
  }

  /** The revision of the last change to any object of these kinds. */
  resourceRevision(...resources: Resource[]): number {
    return Math.max(0, ...resources.map((resource) => this.resourceRevisions.get(resource) ?? 0));
  }

  /** The revision of the last create or remove of an object of this kind (in-place changes aside). */
  membershipRevision(resource: Resource): number {
    return this.membershipRevisions.get(resource) ?? 0;
  }

  /**
   * The revision of the last change that can alter what a controller sees of `namespace`: one of its
   * objects (events aside: no controller reads them) or any cluster-scoped object. A controller that
   * saw the same revision before has nothing new to do there.
   */
  namespaceRevision(namespace: string): number {
    return Math.max(this.namespaceRevisions.get(namespace) ?? 0, this.clusterScopedRevision);
  }

  /** The revision of the last change to an object `uid` owns. */
  ownerRevision(uid: string): number {
    return this.ownerRevisions.get(uid) ?? 0;
  }

  /** The revision of the last change to the node or to a pod on it. */
  nodeRevision(nodeName: string): number {
    return this.nodeRevisions.get(nodeName) ?? 0;
  }

  podsOnNode(nodeName: string): KubeObject[] {
    return [...(this.podsByNode.get(nodeName) ?? [])];
  }

  ownedBy(uid: string): KubeObject[] {
    return [...(this.byOwner.get(uid) ?? [])];
  }

  create(resource: Resource, object: KubeObject): KubeObject {
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const collection = this.collection(resource);
    if (collection.has(key)) throw new Error(`${resource} ${key} already exists`);
    object.metadata.resourceVersion = String(++this.revision);
    collection.set(key, object);
    if (object.metadata.namespace !== undefined) {
      const nsKey = `${resource}/${object.metadata.namespace}`;
      const set = this.byNamespace.get(nsKey) ?? new Set();
      set.add(object);
      this.byNamespace.set(nsKey, set);
    }
    this.indexOwners(object);
    if (resource === "pods") this.indexPod(object);
    this.changed(resource, object);
    this.membershipRevisions.set(resource, this.revision);
    this.emit({ type: "ADDED", resource, object });
    return object;
  }

  /** Records an in-place change: new resourceVersion, indexes refreshed, watchers told. */
  touch(resource: Resource, object: KubeObject): void {
    object.metadata.resourceVersion = String(++this.revision);
    // An owner the object left (orphaned by a patch) sees the change too.
    for (const left of this.indexOwners(object)) this.ownerRevisions.set(left, this.revision);
    if (resource === "pods") this.indexPod(object);
    this.changed(resource, object);
    this.emit({ type: "MODIFIED", resource, object });
  }

  remove(resource: Resource, object: KubeObject): void {
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const collection = this.collection(resource);
    if (collection.get(key) !== object) return;
    collection.delete(key);
    this.byNamespace.get(`${resource}/${object.metadata.namespace}`)?.delete(object);
    object.metadata.resourceVersion = String(++this.revision);
    this.changed(resource, object);
    this.membershipRevisions.set(resource, this.revision);
    for (const owner of this.indexedOwners.get(object) ?? []) this.byOwner.get(owner)?.delete(object);
    this.indexedOwners.delete(object);
    if (resource === "pods") {
      const node = this.indexedNode.get(object);
      if (node !== undefined) this.podsByNode.get(node)?.delete(object);
      this.indexedNode.delete(object);
      this.unbound.delete(object);
    }
    this.emit({ type: "DELETED", resource, object });
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Indexes the object under its owners as they are now; returns the owners it is no longer under. */
  private indexOwners(object: KubeObject): string[] {
    const owners = (object.metadata.ownerReferences ?? []).map((owner: { uid: string }) => owner.uid);
    const previous = this.indexedOwners.get(object) ?? [];
    const left = previous.filter((uid) => !owners.includes(uid));
    for (const uid of left) this.byOwner.get(uid)?.delete(object);
    for (const uid of owners) {
      const set = this.byOwner.get(uid) ?? new Set();
      set.add(object);
      this.byOwner.set(uid, set);
    }
    this.indexedOwners.set(object, owners);
    return left;
  }

  private indexPod(pod: KubeObject): void {
    const node: string | undefined = pod.spec?.nodeName || undefined;
    if (node === undefined) this.unbound.add(pod);
    else this.unbound.delete(pod);
    const previous = this.indexedNode.get(pod);
    if (previous === node) return;
    if (previous !== undefined) this.podsByNode.get(previous)?.delete(pod);
    if (node === undefined) {
      this.indexedNode.delete(pod);
      return;
    }
    this.indexedNode.set(pod, node);
    const set = this.podsByNode.get(node) ?? new Set();
    set.add(pod);
    this.podsByNode.set(node, set);
  }

  private changed(resource: Resource, object: KubeObject): void {
    this.resourceRevisions.set(resource, this.revision);
    if (resource === "events") return;
    for (const owner of object.metadata.ownerReferences ?? [])
      this.ownerRevisions.set(owner.uid, this.revision);
    const node = resource === "nodes" ? object.metadata.name : this.indexedNode.get(object);
    if (node !== undefined) this.nodeRevisions.set(node, this.revision);
    const namespace = object.metadata.namespace;
    if (RESOURCE_KINDS[resource].namespaced && namespace !== undefined)
      this.namespaceRevisions.set(namespace, this.revision);
    else this.clusterScopedRevision = this.revision;
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
