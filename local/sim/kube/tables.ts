// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (Accept: application/json;as=Table;...),
// with the columns and cells of the apiserver's printers (kubernetes/kubernetes
// pkg/printers/internalversion/printers.go, AddHandlers: podColumnDefinitions, nodeColumnDefinitions,
// deploymentColumnDefinitions, ...). Priority-1 columns are the ones `-o wide` adds. Kinds without a printer
// there get the default columns the apiserver gives them (Name, Created At).

import type { IncomingMessage } from "node:http";
import type { KubeObject, LabelSelector, Resource } from "../model/kube-types.ts";

interface Column {
  name: string;
  type: "string" | "integer" | "date";
  format?: "name";
  priority?: 1;
  description: string;
}

type Cell = string | number;

interface Printer {
  columns: Column[];
  /** The cells after Name (all of them for nameless rows), in column order; `now` is the simulated clock's ms. */
  cells(object: KubeObject, now: number): Cell[];
  /** Events have no leading Name column (theirs comes last, for -o wide). */
  namelessRow?: true;
}

const NAME: Column = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
};
const AGE: Column = {
  name: "Age",
  type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
};
const CONTAINERS: Column = {
  name: "Containers",
  type: "string",
  priority: 1,
  description: "Names of each container in the template.",
};
const IMAGES: Column = {
  name: "Images",
  type: "string",
  priority: 1,
  description: "Images referenced by each container in the template.",
};
const SELECTOR: Column = {
  name: "Selector",
  type: "string",
  priority: 1,
  description: "Label selector for pods.",
};

const col = (name: string, type: Column["type"], description: string, priority?: 1): Column => ({
  name,
  type,
  description,
  ...(priority ? { priority } : {}),
});

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, as every Age cell is written. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function since(timestamp: string | undefined, now: number): string {
  return timestamp ? humanDuration(now - Date.parse(timestamp)) : "<unknown>";
}

function age(object: KubeObject, now: number): string {
  return since(object.metadata.creationTimestamp, now);
}

/** labels.FormatLabels: sorted k=v pairs, or <none>. */
function formatLabels(labels: Record<string, string> | undefined): string {
  const pairs = Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels?.[k]}`);
  return pairs.length > 0 ? pairs.join(",") : "<none>";
}

/** metav1.FormatLabelSelector. */
function formatSelector(selector: LabelSelector | undefined): string {
  if (!selector) return "<none>";
  const parts = Object.keys(selector.matchLabels ?? {})
    .sort()
    .map((k) => `${k}=${selector.matchLabels?.[k]}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(",") : "<none>";
}

type Container = { name: string; image: string };

function templateCells(template: { spec?: { containers?: Container[] } } | undefined): string[] {
  const containers = template?.spec?.containers ?? [];
  return [containers.map((c) => c.name).join(","), containers.map((c) => c.image).join(",")];
}

/** Age, Containers, Images and Selector, the closing cells of deployments, replicasets and daemonsets. */
function workloadTail(workload: KubeObject, now: number): Cell[] {
  return [
    age(workload, now),
    ...templateCells(workload.spec?.template),
    formatSelector(workload.spec?.selector),
  ];
}

const orNone = (value: unknown): Cell =>
  value === undefined || value === null || value === "" ? "<none>" : (value as Cell);

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string };
    running?: object;
    terminated?: { reason?: string; signal?: number; exitCode?: number };
  };
  lastState?: { terminated?: { finishedAt?: string } };
}

/** printPod: READY, STATUS and RESTARTS as kubectl shows them (init containers aside). */
function podCells(pod: KubeObject, now: number): Cell[] {
  const statuses: ContainerStatus[] = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? 0;
  let reason: string = pod.status?.reason || pod.status?.phase || "";
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let running = false;
  for (const s of [...statuses].reverse()) {
    restarts += s.restartCount ?? 0;
    const finished = s.lastState?.terminated?.finishedAt;
    if (finished && (lastRestart === undefined || Date.parse(finished) > lastRestart))
      lastRestart = Date.parse(finished);
    const terminated = s.state?.terminated;
    if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated)
      reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
    else if (s.ready && s.state?.running) {
      running = true;
      ready++;
    }
  }
  if (reason === "Completed" && running)
    reason = pod.status?.conditions?.some(isReady) ? "Running" : "NotReady";
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === "NodeLost" ? "Unknown" : "Terminating";
  const restartText =
    lastRestart !== undefined && restarts > 0
      ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
      : String(restarts);
  const gates: Array<{ conditionType: string }> = pod.spec?.readinessGates ?? [];
  const conditions: Array<{ type: string; status: string }> = pod.status?.conditions ?? [];
  const gatesMet = gates.filter((g) =>
    conditions.some((c) => c.type === g.conditionType && c.status === "True"),
  ).length;
  return [
    `${ready}/${total}`,
    reason,
    restartText,
    age(pod, now),
    orNone(pod.status?.podIP),
    orNone(pod.spec?.nodeName),
    orNone(pod.status?.nominatedNodeName),
    gates.length > 0 ? `${gatesMet}/${gates.length}` : "<none>",
  ];
}

const isReady = (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True";

/** printNode: readiness with SchedulingDisabled, roles from node-role labels, the kubelet's nodeInfo. */
function nodeCells(node: KubeObject, now: number): Cell[] {
  const ready = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === "Ready");
  const status = [ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown"];
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  const labels: Record<string, string> = node.metadata.labels ?? {};
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith("node-role.kubernetes.io/")) roles.add(key.slice("node-role.kubernetes.io/".length));
    else if (key === "kubernetes.io/role" && value) roles.add(value);
  }
  const addresses: Array<{ type: string; address: string }> = node.status?.addresses ?? [];
  const address = (type: string) => orNone(addresses.find((a) => a.type === type)?.address);
  const info = node.status?.nodeInfo ?? {};
  return [
    status.join(","),
    roles.size > 0 ? [...roles].sort().join(",") : "<none>",
    age(node, now),
    info.kubeletVersion ?? "",
    address("InternalIP"),
    address("ExternalIP"),
    orNone(info.osImage),
    orNone(info.kernelVersion),
    orNone(info.containerRuntimeVersion),
  ];
}

interface EventFields {
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string | null;
  count?: number;
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

/** printEvent: LAST SEEN with the repeat count, the involved object as kind/name, the source. */
function eventCells(object: KubeObject, now: number): Cell[] {
  const e = object as unknown as EventFields;
  const first = since(e.firstTimestamp ?? e.eventTime ?? undefined, now);
  let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
  const count = e.count ?? 1;
  if (count > 1) last = `${last} (x${count} over ${first})`;
  const kind = (e.involvedObject?.kind ?? "").toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  const component = e.source?.component || e.reportingComponent || "";
  const host = e.source?.component ? e.source.host : e.reportingInstance;
  return [
    last,
    e.type ?? "",
    e.reason ?? "",
    target,
    e.involvedObject?.fieldPath ?? "",
    host ? `${component}, ${host}` : component,
    (e.message ?? "").trim(),
    first,
    count,
    object.metadata.name,
  ];
}

const PRINTERS: Partial<Record<Resource, Printer>> = {
  pods: {
    columns: [
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
      ),
      AGE,
      col(
        "IP",
        "string",
        "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
        1,
      ),
      col("Node", "string", "NodeName is a request to schedule this pod onto a specific node.", 1),
      col(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
        1,
      ),
      col(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness.",
        1,
      ),
    ],
    cells: podCells,
  },
  nodes: {
    columns: [
      col("Status", "string", "The status of the node"),
      col("Roles", "string", "The roles of the node"),
      AGE,
      col("Version", "string", "Kubelet Version reported by the node."),
      col("Internal-IP", "string", "List of internal IPs (if any) of the node.", 1),
      col("External-IP", "string", "List of external IPs (if any) of the node.", 1),
      col(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
        1,
      ),
      col(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
      ),
      col(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
        1,
      ),
    ],
    cells: nodeCells,
  },
  namespaces: {
    columns: [col("Status", "string", "The status of the namespace"), AGE],
    cells: (ns, now) => [ns.status?.phase ?? "", age(ns, now)],
  },
  events: {
    columns: [
      col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
      col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future."),
      col(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      ),
      col("Object", "string", "The object that this event is about."),
      col("Subobject", "string", "The subobject that this event is about.", 1),
      col(
        "Source",
        "string",
        "The component reporting this event. Should be a short machine understandable string.",
        1,
      ),
      col("Message", "string", "A human-readable description of the status of this operation."),
      col("First Seen", "string", "The time at which the event was first recorded.", 1),
      col("Count", "integer", "The number of times this event has occurred.", 1),
      col("Name", "string", "Name must be unique within a namespace.", 1),
    ],
    cells: eventCells,
    namelessRow: true,
  },
  deployments: {
    columns: [
      col("Ready", "string", "Number of the pod with ready state"),
      col(
        "Up-to-date",
        "integer",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      col(
        "Available",
        "integer",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells: (d, now) => [
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      ...workloadTail(d, now),
    ],
  },
  replicasets: {
    columns: [
      col("Desired", "integer", "Number of desired pods."),
      col("Current", "integer", "Number of actual pods."),
      col("Ready", "integer", "Number of ready pods."),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells: (rs, now) => [
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      ...workloadTail(rs, now),
    ],
  },
  statefulsets: {
    columns: [col("Ready", "string", "Number of the pod with ready state"), AGE, CONTAINERS, IMAGES],
    cells: (sts, now) => [
      `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`,
      age(sts, now),
      ...templateCells(sts.spec?.template),
    ],
  },
  daemonsets: {
    columns: [
      col("Desired", "integer", "The total number of nodes that should be running the daemon pod."),
      col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
      ),
      col(
        "Ready",
        "integer",
        "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
      ),
      col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod."),
      col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds).",
      ),
      col(
        "Node Selector",
        "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node.",
      ),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells: (ds, now) => [
      ds.status?.desiredNumberScheduled ?? 0,
      ds.status?.currentNumberScheduled ?? 0,
      ds.status?.numberReady ?? 0,
      ds.status?.updatedNumberScheduled ?? 0,
      ds.status?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      ...workloadTail(ds, now),
    ],
  },
  poddisruptionbudgets: {
    columns: [
      col("Min Available", "string", "The minimum number of pods that must be available simultaneously."),
      col("Max Unavailable", "string", "The maximum number of pods that may be unavailable simultaneously."),
      col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
      AGE,
    ],
    cells: (pdb, now) => [
      pdb.spec?.minAvailable !== undefined ? String(pdb.spec.minAvailable) : "N/A",
      pdb.spec?.maxUnavailable !== undefined ? String(pdb.spec.maxUnavailable) : "N/A",
      pdb.status?.disruptionsAllowed ?? 0,
      age(pdb, now),
    ],
  },
  leases: {
    columns: [col("Holder", "string", "The holder of the lease."), AGE],
    cells: (lease, now) => [lease.spec?.holderIdentity ?? "", age(lease, now)],
  },
};

const DEFAULT_PRINTER: Printer = {
  columns: [
    {
      name: "Created At",
      type: "date",
      description:
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
    },
  ],
  cells: (o) => [o.metadata.creationTimestamp],
};

/** Whether the Accept header asks for a meta.k8s.io/v1 Table (kubectl's get does, with fallbacks). */
export function wantsTable(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").split(",").some((entry) => {
    const params = new Map(
      entry
        .split(";")
        .slice(1)
        .map((p) => p.trim().split("=") as [string, string]),
    );
    return params.get("as") === "Table" && params.get("g") === "meta.k8s.io" && params.get("v") === "v1";
  });
}

export type IncludeObject = "None" | "Object" | "PartialObjectMetadata";

/** The includeObject query parameter, PartialObjectMetadata by default as on the apiserver. */
export function includeObjectOf(url: URL): IncludeObject {
  const value = url.searchParams.get("includeObject");
  return value === "None" || value === "Object" ? value : "PartialObjectMetadata";
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === "Object") return object;
  if (include === "None") return undefined;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata };
}

/**
 * The Table of some objects of one resource. Rows are computed from fields the objects already hold,
 * so a table of 20,000 pods costs about what their list does.
 */
export function toTable(
  resource: Resource,
  objects: readonly KubeObject[],
  listMeta: Record<string, unknown>,
  include: IncludeObject,
  now: number,
): unknown {
  const printer = PRINTERS[resource] ?? DEFAULT_PRINTER;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: (printer.namelessRow ? printer.columns : [NAME, ...printer.columns]).map((c) => ({
      format: "",
      priority: 0,
      ...c,
    })),
    rows: objects.map((o) => ({
      cells: printer.namelessRow ? printer.cells(o, now) : [o.metadata.name, ...printer.cells(o, now)],
      object: rowObject(o, include),
    })),
  };
}
