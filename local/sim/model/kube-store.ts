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
  private readonly indexedNode = new WeakMap<KubeObject, string>();
  private readonly byOwner = new Map<string, Set<KubeObject>>();
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
    for (const owner of object.metadata.ownerReferences ?? []) {
      const set = this.byOwner.get(owner.uid) ?? new Set();
      set.add(object);
      this.byOwner.set(owner.uid, set);
    }
    if (resource === "pods") this.indexPod(object);
    this.emit({ type: "ADDED", resource, object });
    return object;
  }

  /** Records an in-place change: new resourceVersion, indexes refreshed, watchers told. */
  touch(resource: Resource, object: KubeObject): void {
    object.metadata.resourceVersion = String(++this.revision);
    if (resource === "pods") this.indexPod(object);
    this.emit({ type: "MODIFIED", resource, object });
  }

  remove(resource: Resource, object: KubeObject): void {
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const collection = this.collection(resource);
    if (collection.get(key) !== object) return;
    collection.delete(key);
    this.byNamespace.get(`${resource}/${object.metadata.namespace}`)?.delete(object);
    object.metadata.resourceVersion = String(++this.revision);
    for (const owner of object.metadata.ownerReferences ?? []) this.byOwner.get(owner.uid)?.delete(object);
    if (resource === "pods") {
      const node = this.indexedNode.get(object);
      if (node !== undefined) this.podsByNode.get(node)?.delete(object);
      this.indexedNode.delete(object);
    }
    this.emit({ type: "DELETED", resource, object });
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private indexPod(pod: KubeObject): void {
    const node: string | undefined = pod.spec?.nodeName || undefined;
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

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
