// How the app reaches Azure Resource Manager (which also serves Resource Graph), and with which identity:
//   ARM_ENDPOINT      Azure Resource Manager (default https://management.azure.com)
//   ARM_CA_FILE       PEM file of a CA to trust for ARM_ENDPOINT (the simulator's)
//   ARM_LOCAL_TOKEN   a fixed bearer token, only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); otherwise
//                     managed identity (DefaultAzureCredential, which reads AZURE_CLIENT_ID for a
//                     user-assigned identity)

import { z } from "zod";
import { type Env, isLoopback, isSet, optionalText, settingsGroup } from "./settings-group.ts";

const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

export type AzureCredentialSettings = { kind: "managed-identity" } | { kind: "local-token"; token: string };

export interface AzureSettings {
  armEndpoint: string;
  armCaFile?: string;
  credential: AzureCredentialSettings;
}

const armEndpoint = optionalText
  .transform((value) => value ?? DEFAULT_ARM_ENDPOINT)
  .refine((value) => URL.canParse(value) && new URL(value).protocol === "https:", {
    message: "expected an https URL (ARM refuses bearer tokens over plain http)",
  });

/**
 * Whether ARM_ENDPOINT is on this machine (the simulator), where stored tokens and kubeconfigs are
 * allowed; undefined while it is malformed (this group reports that).
 */
export function armEndpointIsLocal(env: Env): boolean | undefined {
  const parsed = armEndpoint.safeParse(env.ARM_ENDPOINT);
  return parsed.success ? isLoopback(new URL(parsed.data).hostname) : undefined;
}

export const azureSettings = settingsGroup({
  name: "Azure connection",
  schema: z.object({ ARM_ENDPOINT: armEndpoint, ARM_CA_FILE: optionalText, ARM_LOCAL_TOKEN: optionalText }),
  checks: (env) =>
    isSet(env, "ARM_LOCAL_TOKEN") && armEndpointIsLocal(env) === false
      ? [
          "ARM_LOCAL_TOKEN is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure the managed identity is used",
        ]
      : [],
  build: (env): AzureSettings => ({
    armEndpoint: env.ARM_ENDPOINT,
    ...(env.ARM_CA_FILE && { armCaFile: env.ARM_CA_FILE }),
    credential: env.ARM_LOCAL_TOKEN
      ? { kind: "local-token", token: env.ARM_LOCAL_TOKEN }
      : { kind: "managed-identity" },
  }),
});
