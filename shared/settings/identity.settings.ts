// Who may be asking, and how the app knows:
//   IDENTITY_MODE   easyauth: App Service Authentication fronts the app and sets x-ms-client-principal
//                   local: the same header trusted from this machine only (npm start, with the
//                   simulator), announced in every response
//                   unset: nobody is known, so every write is refused (fail closed)

import { z } from "zod";
import { armEndpointIsLocal } from "./azure.settings.ts";
import { settingsGroup } from "./settings-group.ts";

export const IDENTITY_MODES = ["easyauth", "local"] as const;
export type IdentityMode = (typeof IDENTITY_MODES)[number];

export interface IdentitySettings {
  mode: IdentityMode | undefined;
}

export const identitySettings = settingsGroup({
  name: "identity",
  schema: z.object({
    IDENTITY_MODE: z
      .string()
      .optional()
      .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()))
      .pipe(z.enum(IDENTITY_MODES, { error: `expected one of ${IDENTITY_MODES.join(", ")}` }).optional()),
  }),
  checks: (env) =>
    env.IDENTITY_MODE?.trim() === "local" && armEndpointIsLocal(env) === false
      ? [
          "IDENTITY_MODE local trusts a header anyone on the machine can send: only with an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure use easyauth",
        ]
      : [],
  build: (env): IdentitySettings => ({ mode: env.IDENTITY_MODE }),
});
