// The identity's roles: built-in role ids as Microsoft publishes them, each assignment on the one
// resource that needs it, nothing broader than Contributor anywhere, and a cluster role whose actions are
// exactly the ARM and Kubernetes calls the adapters make (read from their source, so a new call without
// its permission fails here).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  allTemplates,
  block,
  ROOT,
  readInfra,
  roleAssignments,
  stringList,
  stringObject,
} from "./bicep-templates.ts";

/** Built-in role ids, each from its entry in Microsoft's list of built-in roles. */
const BUILT_IN_ROLES: Record<string, { id: string; source: string }> = {
  reader: {
    id: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    source: "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general#reader",
  },
  storageBlobDataOwner: {
    id: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    source:
      "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-owner",
  },
  storageQueueDataContributor: {
    id: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    source:
      "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-queue-data-contributor",
  },
  storageTableDataContributor: {
    id: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    source:
      "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-table-data-contributor",
  },
  serviceBusDataReceiver: {
    id: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    source:
      "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration#azure-service-bus-data-receiver",
  },
  serviceBusDataSender: {
    id: "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    source:
      "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration#azure-service-bus-data-sender",
  },
  monitoringMetricsPublisher: {
    id: "3913510d-42f4-4e42-8a64-420c390055eb",
    source:
      "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/monitor#monitoring-metrics-publisher",
  },
  durableTaskDataContributor: {
    id: "0ad04412-c4d5-4796-b79c-f76d14c8d402",
    source:
      "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration#durable-task-data-contributor",
  },
};

const templates = allTemplates();
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

describe("built-in roles", () => {
  it("uses the role ids Microsoft publishes, each with its source beside it", () => {
    const text = readInfra("app/built-in-roles.bicep");
    const ids = stringObject(text, "builtInRoles");
    expect(ids).toEqual(
      Object.fromEntries(Object.entries(BUILT_IN_ROLES).map(([key, role]) => [key, role.id])),
    );
    for (const role of Object.values(BUILT_IN_ROLES)) expect(text).toContain(`// ${role.source}\n`);
  });

  it("writes role ids nowhere else, so no role outside that table (Owner, Contributor, ...) is granted", () => {
    const literal = [...templates]
      .filter(([path]) => path !== "app/built-in-roles.bicep")
      .flatMap(([path, text]) => [...text.matchAll(GUID)].map((match) => `${path}: ${match[0]}`));
    expect(literal).toEqual([]);
  });
});

describe("role assignments", () => {
  const assigned = (path: string) =>
    roleAssignments(templates.get(path) as string).map(
      (a) => `${a.role} on ${a.scope ?? "the subscription"}`,
    );

  it("gives the app's identity data roles on exactly the resources it uses", () => {
    expect(assigned("app/access.bicep").sort()).toEqual(
      [
        "storageBlobDataOwner on storageAccount",
        "storageTableDataContributor on storageAccount",
        "storageQueueDataContributor on storageAccount",
        "serviceBusDataReceiver on noticesQueue",
        "serviceBusDataSender on alertTopic",
        "monitoringMetricsPublisher on appInsights",
        "durableTaskDataContributor on taskHub",
      ].sort(),
    );
    const principals = roleAssignments(templates.get("app/access.bicep") as string).map((a) => a.principalId);
    expect(new Set(principals)).toEqual(new Set(["principalId"]));
  });

  it("grants queue access only to the Azure Storage Durable backend, and the task hub only to the scheduler", () => {
    const access = templates.get("app/access.bicep") as string;
    expect(access).toMatch(
      /resource durableQueues 'Microsoft\.Authorization\/roleAssignments@[^']+' = if \(durableBackend == 'azureStorage'\)/,
    );
    expect(access).toMatch(
      /resource durableTaskHub 'Microsoft\.Authorization\/roleAssignments@[^']+' = if \(durableBackend == 'durableTaskScheduler'\)/,
    );
  });

  it("gives Reader on the subscription for Resource Graph (and the capacity reads), nothing else there", () => {
    expect(assigned("app/fleet-access.bicep")).toEqual(["reader on the subscription"]);
    expect(readFileSync(join(ROOT, "shared/azure/agent-pools.ts"), "utf8")).toContain(
      "/providers/Microsoft.Compute",
    );
  });

  it("lets Event Grid's topics only send to the notices queue", () => {
    expect(new Set(assigned("app/event-grid.bicep"))).toEqual(
      new Set(["serviceBusDataSender on noticesQueue"]),
    );
  });

  it("assigns roles in no other template", () => {
    const elsewhere = [...templates]
      .filter(
        ([path]) => !["app/access.bicep", "app/fleet-access.bicep", "app/event-grid.bicep"].includes(path),
      )
      .filter(([, text]) => text.includes("Microsoft.Authorization/roleAssignments"))
      .map(([path]) => path);
    expect(elsewhere).toEqual([]);
  });
});

/** Each ARM call the adapters make, and the action it needs on the cluster. */
const ARM_CALLS: Record<string, string> = {
  "managedClusters.get": "Microsoft.ContainerService/managedClusters/read",
  "agentPools.get": "Microsoft.ContainerService/managedClusters/agentPools/read",
  "agentPools.createOrUpdate": "Microsoft.ContainerService/managedClusters/agentPools/write",
  "agentPools.delete": "Microsoft.ContainerService/managedClusters/agentPools/delete",
  "agentPools.deleteMachines": "Microsoft.ContainerService/managedClusters/agentPools/deleteMachines/action",
  "machines.list": "Microsoft.ContainerService/managedClusters/agentPools/machines/read",
  "managedClusters.listClusterUserCredentials":
    "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
  // Polls the Azure-AsyncOperation URL, .../providers/Microsoft.ContainerService/locations/{region}/operations/{id}.
  restorePoller: "Microsoft.ContainerService/locations/operations/read",
};

/**
 * Each Kubernetes call and the Azure RBAC for Kubernetes data action it needs
 * (https://learn.microsoft.com/azure/role-based-access-control/permissions/containers). The eviction and
 * scale subresources have no data action of their own there: they are taken as their parent's write.
 */
const KUBE_CALLS: Record<string, string> = {
  "core.listNode": "nodes/read",
  "core.readNode": "nodes/read",
  "core.patchNode": "nodes/write",
  "core.listPodForAllNamespaces": "pods/read",
  "core.listNamespacedPod": "pods/read",
  "core.readNamespacedPod": "pods/read",
  "core.createNamespacedPod": "pods/write",
  "core.createNamespacedPodEviction": "pods/write",
  "core.deleteNamespacedPod": "pods/delete",
  "core.readNamespace": "namespaces/read",
  "core.createNamespace": "namespaces/write",
  "core.listPersistentVolume": "persistentvolumes/read",
  "core.listPersistentVolumeClaimForAllNamespaces": "persistentvolumeclaims/read",
  "storage.listCSIDriver": "storage.k8s.io/csidrivers/read",
  "policy.listPodDisruptionBudgetForAllNamespaces": "policy/poddisruptionbudgets/read",
  "apps.listDaemonSetForAllNamespaces": "apps/daemonsets/read",
  "apps.listDeploymentForAllNamespaces": "apps/deployments/read",
  "apps.readNamespacedDeployment": "apps/deployments/read",
  "apps.patchNamespacedDeploymentScale": "apps/deployments/write",
  "apps.readNamespacedReplicaSet": "apps/replicasets/read",
  "apps.listStatefulSetForAllNamespaces": "apps/statefulsets/read",
  "apps.readNamespacedStatefulSet": "apps/statefulsets/read",
  "apps.patchNamespacedStatefulSetScale": "apps/statefulsets/write",
};

function sources(folder: string): string {
  return readdirSync(join(ROOT, folder))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readFileSync(join(ROOT, folder, file), "utf8"))
    .join("\n");
}

function callsIn(text: string, pattern: RegExp): Set<string> {
  return new Set([...text.matchAll(pattern)].map((match) => match[1] as string));
}

describe("the custom cluster role", () => {
  const fleet = readInfra("app/fleet-access.bicep");
  const permissions = block(fleet, "permissions: [");
  const armCode = `${sources("shared/azure")}\n${sources("shared/kube")}`;
  const kubeCode = sources("shared/kube");

  it("allows exactly the ARM actions behind the adapters' calls", () => {
    const calls = callsIn(armCode, /\b((?:managedClusters|agentPools|machines)\.\w+|restorePoller)\(/g);
    expect([...calls].filter((call) => !(call in ARM_CALLS))).toEqual([]);
    expect(new Set(stringList(permissions, "actions"))).toEqual(
      new Set([...calls].map((call) => ARM_CALLS[call] as string)),
    );
  });

  it("allows exactly the Kubernetes data actions behind the adapters' calls", () => {
    const clients = callsIn(kubeCode, /makeApiClient\((\w+)\)/g);
    // The JSON-list clients are CoreV1Api and PolicyV1Api with another response processor (json-lists.ts).
    expect([...clients].sort()).toEqual([
      "AppsV1Api",
      "CoreV1ApiJsonLists",
      "PolicyV1ApiJsonLists",
      "StorageV1Api",
    ]);
    const calls = callsIn(kubeCode, /\b((?:core|apps|policy|storage)\.\w+)\(/g);
    expect([...calls].filter((call) => !(call in KUBE_CALLS))).toEqual([]);
    expect(new Set(stringList(permissions, "dataActions"))).toEqual(
      new Set([...calls].map((call) => `Microsoft.ContainerService/managedClusters/${KUBE_CALLS[call]}`)),
    );
  });

  it("has no wildcard, no cluster write, no admin credential, no secrets and no exec", () => {
    const granted = [...stringList(permissions, "actions"), ...stringList(permissions, "dataActions")];
    expect(
      granted.filter((action) =>
        /\*|managedClusters\/(write|delete)$|listClusterAdminCredential|secrets|exec|runCommand/.test(action),
      ),
    ).toEqual([]);
  });
});
