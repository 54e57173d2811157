// Kubeconfigs for a simulated cluster: a token one written to the data dir for tests and tools, and the
// Entra (kubelogin exec) one ARM's listClusterUserCredential returns, as AKS shapes them.

import { stringify } from "yaml";
import type { SimCluster } from "../model/cluster.ts";

/** The AKS AAD server application (token audience for Entra-enabled clusters). */
export const AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
/** The Azure CLI's client application kubelogin uses by default. */
const AZURE_CLI_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";

type Auth = { kind: "token" } | { kind: "exec"; tenantId: string };

export function kubeconfigYaml(
  cluster: SimCluster,
  server: string,
  caPem: string,
  auth: Auth,
  userName = `clusterUser_${cluster.resourceGroup}_${cluster.name}`,
): string {
  const user =
    auth.kind === "token"
      ? { token: cluster.token }
      : {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            args: [
              "get-token",
              "--environment",
              "AzurePublicCloud",
              "--server-id",
              AKS_SERVER_APP_ID,
              "--client-id",
              AZURE_CLI_CLIENT_ID,
              "--tenant-id",
              auth.tenantId,
              "--login",
              "devicecode",
            ],
            command: "kubelogin",
            env: null,
            installHint:
              "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n",
            interactiveMode: "IfAvailable",
            provideClusterInfo: false,
          },
        };
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: cluster.name,
        cluster: { "certificate-authority-data": Buffer.from(caPem).toString("base64"), server },
      },
    ],
    contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: userName } }],
    "current-context": cluster.name,
    preferences: {},
    users: [{ name: userName, user }],
  });
}
