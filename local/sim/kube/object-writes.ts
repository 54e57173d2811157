// Writes as the apiserver applies them once they pass object-validation.ts: create (with admission's
// defaults), update in place (PUT, patches, the status and scale subresources), delete (graceful for
// pods, cascading through owner references) and pods/eviction. The controllers take it from there.

import type { IncomingMessage } from "node:http";
import type { SimCluster } from "../model/cluster.ts";
import { disruptPod, evictPod } from "../model/controllers/disruption.ts";
import { removeNode, scheduleReregistration } from "../model/controllers/nodes.ts";
import { beginPodDeletion, bindPod } from "../model/controllers/pods.ts";
import { type KubeObject, RESOURCE_KINDS } from "../model/kube-types.ts";
import { type KubeStatus, meta, status } from "../model/objects.ts";
import type { Target } from "./api-paths.ts";
import { fail, methodNotAllowed, objectDetails } from "./kube-errors.ts";
import { requireObject } from "./object-reads.ts";
import {
  checkCreateNamespace,
  checkDeletePreconditions,
  checkNewName,
  checkNewPod,
  checkUpdate,
  type DeletePreconditions,
} from "./object-validation.ts";
import { applyPatch, parseJson } from "./request-body.ts";

/** Kinds whose spec changes bump metadata.generation. */
const GENERATIONAL = ["deployments", "statefulsets", "daemonsets", "replicasets", "poddisruptionbudgets"];

export class ObjectWrites {
  private readonly cluster: SimCluster;

  constructor(cluster: SimCluster) {
    this.cluster = cluster;
  }

  create(target: Target, body: Record<string, unknown>): KubeObject {
    const info = RESOURCE_KINDS[target.resource];
    const object = body as unknown as KubeObject;
    object.metadata = (object.metadata ?? {}) as KubeObject["metadata"];
    const namespace = checkCreateNamespace(this.cluster, target, object);
    let name = object.metadata.name;
    if (!name && object.metadata.generateName)
      name = `${object.metadata.generateName}${this.cluster.rng.kubeSuffix(5)}`;
    name = checkNewName(this.cluster, target, namespace, name);
    const created: KubeObject = {
      ...object,
      apiVersion: info.apiVersion,
      kind: info.kind,
      metadata: {
        ...object.metadata,
        ...meta({ name, uid: this.cluster.uid(), ...(namespace ? { namespace } : {}) }, this.cluster.now()),
        ...(object.metadata.labels ? { labels: object.metadata.labels } : {}),
        ...(object.metadata.annotations ? { annotations: object.metadata.annotations } : {}),
        ...(object.metadata.ownerReferences ? { ownerReferences: object.metadata.ownerReferences } : {}),
        ...(GENERATIONAL.includes(target.resource) ? { generation: 1 } : {}),
      },
    };
    if (target.resource === "pods") {
      checkNewPod(created);
      this.cluster.preparePod(created, { startupMs: this.cluster.ctx.timings.podStartupSeconds * 1000 });
    } else if (target.resource === "namespaces") {
      created.metadata.labels = { ...created.metadata.labels, "kubernetes.io/metadata.name": name };
      created.spec = { finalizers: ["kubernetes"] };
      created.status = { phase: "Active" };
    } else if (target.resource !== "events" && target.resource !== "csidrivers") {
      // A Node posted without a spec gets an empty one, as from the apiserver.
      if (target.resource === "nodes") created.spec ??= {};
      created.status = {};
    }
    this.cluster.store.create(target.resource, created);
    // A pod that names its node skips the scheduler: that node's kubelet takes it at once.
    const nodeName: string | undefined = target.resource === "pods" ? created.spec.nodeName : undefined;
    const node = nodeName ? this.cluster.node(nodeName) : undefined;
    if (node) bindPod(this.cluster, created, node, false);
    this.cluster.kick();
    return created;
  }

  patch(req: IncomingMessage, target: Target, object: KubeObject, body: string): KubeObject {
    return this.update(
      target,
      object,
      applyPatch(req, structuredClone(object), body) as Record<string, unknown>,
    );
  }

  /** Validates an update (from PUT or a patch) and applies it in place, as the registry strategy does. */
  update(target: Target, current: KubeObject, candidate: Record<string, unknown>): KubeObject {
    const next = candidate as unknown as KubeObject;
    checkUpdate(target, current, next);
    const spec = next.spec;
    const specChanged = JSON.stringify(spec) !== JSON.stringify(current.spec);
    // Main-resource updates ignore status; status updates ignore everything else.
    if (target.subresource === "status") current.status = next.status;
    else {
      current.metadata = {
        ...next.metadata,
        name: current.metadata.name,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: current.metadata.resourceVersion,
        ...(current.metadata.namespace ? { namespace: current.metadata.namespace } : {}),
        ...(current.metadata.deletionTimestamp
          ? { deletionTimestamp: current.metadata.deletionTimestamp }
          : {}),
        ...(current.metadata.generation !== undefined
          ? { generation: current.metadata.generation + (specChanged ? 1 : 0) }
          : {}),
      };
      if (spec !== undefined) current.spec = spec;
      for (const key of Object.keys(next)) {
        if (!["apiVersion", "kind", "metadata", "spec", "status"].includes(key))
          (current as unknown as Record<string, unknown>)[key] = (next as unknown as Record<string, unknown>)[
            key
          ];
      }
    }
    this.cluster.store.touch(target.resource, current);
    this.cluster.kick();
    return current;
  }

  /** Deletes the object; answers what the apiserver returns: the pod itself, or a success Status. */
  remove(url: URL, target: Target, object: KubeObject, body: string): unknown {
    const options =
      body.trim() === ""
        ? {}
        : parseJson<{
            gracePeriodSeconds?: number;
            propagationPolicy?: string;
            preconditions?: DeletePreconditions;
          }>(body);
    checkDeletePreconditions(target, object, options.preconditions);
    const graceParam = url.searchParams.get("gracePeriodSeconds");
    const grace = graceParam !== null ? Number(graceParam) : options.gracePeriodSeconds;
    const propagation =
      url.searchParams.get("propagationPolicy") ?? options.propagationPolicy ?? "Background";
    const cluster = this.cluster;
    const success = () =>
      status(200, undefined, "", {
        ...objectDetails(target.resource, object.metadata.name),
        uid: object.metadata.uid,
      });
    switch (target.resource) {
      case "pods":
        disruptPod(cluster, object, "delete", grace);
        return object;
      case "nodes": {
        removeNode(cluster, object.metadata.name, "node-deleted");
        const located = cluster.machine(object.metadata.name);
        if (located && located.machine.state === "running")
          scheduleReregistration(cluster, located.pool, located.machine);
        return success();
      }
      case "namespaces":
        throw fail(405, "MethodNotAllowed", "the simulator does not support deleting namespaces", {});
      default:
        cluster.store.remove(target.resource, object);
        if (propagation !== "Orphan") this.cascade(object);
        cluster.kick();
        return success();
    }
  }

  /** The garbage collector removes what the deleted object owned (pods terminate gracefully). */
  private cascade(owner: KubeObject): void {
    for (const child of this.cluster.store.ownedBy(owner.metadata.uid)) {
      if (child.kind === "Pod") beginPodDeletion(this.cluster, child);
      else if (child.kind === "ReplicaSet") {
        this.cluster.store.remove("replicasets", child);
        this.cascade(child);
      }
    }
  }

  /**
   * The eviction's outcome as a Status: 201, or 429 (and 500) when disruption budgets forbid it; 409 when
   * its preconditions name another uid or resourceVersion (thrown, as for a delete).
   */
  evict(target: Target, body: Record<string, unknown>): KubeStatus {
    const pod = requireObject(this.cluster, target);
    const metadata = body.metadata as { name?: string } | undefined;
    if (metadata?.name !== undefined && metadata.name !== target.name)
      throw fail(400, "BadRequest", "name in URL does not match name in Eviction object");
    const deleteOptions = body.deleteOptions as
      | { gracePeriodSeconds?: number; dryRun?: string[]; preconditions?: DeletePreconditions }
      | undefined;
    return evictPod(this.cluster, pod, {
      ...(deleteOptions?.gracePeriodSeconds !== undefined
        ? { gracePeriodSeconds: deleteOptions.gracePeriodSeconds }
        : {}),
      dryRun: (deleteOptions?.dryRun ?? []).includes("All"),
      checkPreconditions: () => checkDeletePreconditions(target, pod, deleteOptions?.preconditions),
    });
  }

  /** The scale subresource: GET reads it, PUT and PATCH change the replicas through an update. */
  scale(req: IncomingMessage, target: Target, method: string, body: string): unknown {
    const object = requireObject(this.cluster, target);
    const scaleOf = () => ({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        creationTimestamp: object.metadata.creationTimestamp,
      },
      spec: { replicas: object.spec.replicas ?? 1 },
      status: {
        replicas: object.status?.replicas ?? 0,
        selector: Object.entries<string>(object.spec.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      },
    });
    if (method === "GET") return scaleOf();
    if (method !== "PATCH" && method !== "PUT") throw methodNotAllowed();
    let next: { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
    if (method === "PUT") next = parseJson(body);
    else next = applyPatch(req, scaleOf(), body) as typeof next;
    const replicas = next.spec?.replicas;
    if (!Number.isInteger(replicas) || (replicas as number) < 0) {
      throw fail(
        422,
        "Invalid",
        `Scale.autoscaling "${object.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    }
    this.update({ ...target, subresource: undefined }, object, {
      ...structuredClone(object),
      metadata: {
        ...object.metadata,
        ...(next.metadata?.resourceVersion ? { resourceVersion: next.metadata.resourceVersion } : {}),
      },
      spec: { ...object.spec, replicas },
    } as unknown as Record<string, unknown>);
    return scaleOf();
  }
}
