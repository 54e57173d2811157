// Who may be asking, and how the app knows:
//   AUTH_MODE   easyauth: App Service Authentication fronts the app and sets x-ms-client-principal
//                   (refused unless the platform says Authentication is on: WEBSITE_AUTH_ENABLED=True;
//                   without it anyone could send the header)
//                   local: the same header trusted from this machine only (npm start, with the
//                   simulator), announced in every response
//                   unset: nobody is known, so every write is refused (fail closed)

import { z } from "zod";
import { armEndpointIsLocal } from "./azure.settings.ts";
import { settingsGroup } from "./settings-group.ts";

export const AUTH_MODES = ["easyauth", "local"] as const;
export type IdentityMode = (typeof AUTH_MODES)[number];

export interface IdentitySettings {
  mode: IdentityMode | undefined;
}

export const identitySettings = settingsGroup({
  name: "identity",
  schema: z.object({
    AUTH_MODE: z
      .string()
      .optional()
      .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()))
      .pipe(z.enum(AUTH_MODES, { error: `expected one of ${AUTH_MODES.join(", ")}` }).optional()),
  }),
  checks: (env) => {
    const mode = env.AUTH_MODE?.trim();
    if (mode === "local" && armEndpointIsLocal(env) === false) {
      return [
        "AUTH_MODE local trusts a header anyone on the machine can send: only with an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure use easyauth",
      ];
    }
    if (mode === "easyauth" && env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase() !== "true") {
      return [
        "AUTH_MODE easyauth trusts x-ms-client-principal, which only App Service Authentication may set: WEBSITE_AUTH_ENABLED is not True, so Authentication is off on this app and anyone could send the header",
      ];
    }
    return [];
  },
  build: (env): IdentitySettings => ({ mode: env.AUTH_MODE }),
});
