// How the app reaches the clusters' Kubernetes APIs:
//   KUBECONFIG_DIR   local only (ARM_ENDPOINT on 127.0.0.1): <cluster name>.yaml kubeconfigs (the
//                    simulator's); unset, clusters are reached with Entra tokens for AKS
//   KUBE_PAGE_SIZE   items per Kubernetes list call (default 500)

import { z } from "zod";
import { armEndpointIsLocal } from "./azure.settings.ts";
import { boundedInteger, isSet, optionalText, settingsGroup } from "./settings-group.ts";

export interface KubeSettings {
  connection: { kind: "entra" } | { kind: "kubeconfig-directory"; directory: string };
  pageSize: number;
}

export const kubeSettings = settingsGroup({
  name: "Kubernetes connection",
  schema: z.object({ KUBECONFIG_DIR: optionalText, KUBE_PAGE_SIZE: boundedInteger(500, 1, 5000) }),
  checks: (env) =>
    isSet(env, "KUBECONFIG_DIR") && armEndpointIsLocal(env) === false
      ? [
          "KUBECONFIG_DIR is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure clusters are reached with Entra tokens, never a stored kubeconfig",
        ]
      : [],
  build: (env): KubeSettings => ({
    connection: env.KUBECONFIG_DIR
      ? { kind: "kubeconfig-directory", directory: env.KUBECONFIG_DIR }
      : { kind: "entra" },
    pageSize: env.KUBE_PAGE_SIZE,
  }),
});
