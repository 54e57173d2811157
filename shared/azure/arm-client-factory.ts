// The Azure clients every adapter shares, made from the Azure connection settings: one credential, one ARM
// client per subscription (managed clusters and their agent pools) and the Resource Graph client, all on
// the endpoint the settings name and trusting their CA. The CA file is read when the first client is made,
// so code that needs only the credential (a table endpoint, a Service Bus namespace) never reads it.

import { readFileSync } from "node:fs";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { AzureSettings } from "../settings/azure.settings.ts";
import { resourceGraphClient } from "./resource-graph.ts";

export interface AzureClients {
  readonly credential: TokenCredential;
  /** The subscription's ARM client, made on first use. */
  containerService(subscriptionId: string): ContainerServiceClient;
  /** The Resource Graph client, made on first use. */
  resourceGraph(): ResourceGraphClient;
}

export function azureClientsFor(settings: AzureSettings): AzureClients {
  const credential = credentialFor(settings);
  let options: { endpoint: string; tlsOptions?: { ca: string } } | undefined;
  const clientOptions = () => {
    options ??= {
      endpoint: settings.armEndpoint,
      ...(settings.armCaFile && { tlsOptions: { ca: readCaFile(settings.armCaFile) } }),
    };
    return options;
  };
  const containerServices = new Map<string, ContainerServiceClient>();
  let resourceGraph: ResourceGraphClient | undefined;
  return {
    credential,
    containerService(subscriptionId) {
      let client = containerServices.get(subscriptionId);
      if (!client) {
        client = new ContainerServiceClient(credential, subscriptionId, clientOptions());
        containerServices.set(subscriptionId, client);
      }
      return client;
    },
    resourceGraph() {
      resourceGraph ??= resourceGraphClient(credential, clientOptions());
      return resourceGraph;
    },
  };
}

/** Managed identity in Azure; the simulator's fixed token only where settings allow it (loopback). */
function credentialFor(settings: AzureSettings): TokenCredential {
  const { credential } = settings;
  if (credential.kind === "managed-identity") return new DefaultAzureCredential();
  return {
    getToken: async () => ({ token: credential.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`ARM_CA_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
}
