// Who may be asking, and how the app knows:
//   AUTH_MODE   easyauth: App Service Authentication fronts the app and sets x-ms-client-principal
//                   (refused unless the platform says Authentication is on: WEBSITE_AUTH_ENABLED=True;
//                   without it anyone could send the header)
//                   entra: Entra ID bearer tokens validated in code, for an app not fronted by App
//                   Service Authentication (settings below)
//                   local: the same header trusted from this machine only (npm start, with the
//                   simulator), announced in every response
//                   unset: nobody is known, so every write is refused (fail closed)
// With AUTH_MODE entra:
//   ENTRA_TENANT_ID      the tenant's id (a GUID): tokens of other tenants are refused
//   ENTRA_AUDIENCE       the app's client id and/or App ID URI, comma-separated: a token's aud is one of them
//   ENTRA_AUTHORITY      where the tenant's keys are published (default https://login.microsoftonline.com)
//   ENTRA_CA_FILE        PEM file of a CA to trust for an ENTRA_AUTHORITY on 127.0.0.1 (tests)
//   ENTRA_CLOCK_SKEW_S   seconds of clock difference allowed on nbf and exp (default 60, at most 300)

import { z } from "zod";
import { armEndpointIsLocal } from "./azure.settings.ts";
import {
  boundedInteger,
  type Env,
  isLoopback,
  isSet,
  optionalText,
  settingsGroup,
} from "./settings-group.ts";

export const AUTH_MODES = ["easyauth", "entra", "local"] as const;
export type IdentityMode = (typeof AUTH_MODES)[number];

export const PUBLIC_ENTRA_AUTHORITY = "https://login.microsoftonline.com";

export interface EntraSettings {
  /** Lower case, as Entra writes it in tokens. */
  tenantId: string;
  audiences: string[];
  /** Without a trailing slash. */
  authority: string;
  caFile?: string;
  clockSkewS: number;
}

export type IdentitySettings =
  | { mode: Exclude<IdentityMode, "entra"> | undefined }
  | { mode: "entra"; entra: EntraSettings };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const tenantId = optionalText.refine((value) => value === undefined || GUID.test(value), {
  message: "expected the tenant's id, a GUID (not common or organizations: tokens are pinned to one tenant)",
});

const audiences = optionalText
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((audience) => audience.trim())
      .filter((audience) => audience !== ""),
  )
  .refine((values) => values.every((value) => GUID.test(value) || URL.canParse(value)), {
    message: "expected the app's client id (a GUID) and/or its App ID URI (api://...), comma-separated",
  });

const authority = optionalText
  .transform((value) => (value ?? PUBLIC_ENTRA_AUTHORITY).replace(/\/+$/, ""))
  .refine((value) => URL.canParse(value) && new URL(value).protocol === "https:", {
    message: "expected an https URL (the keys that sign tokens must not be fetched in the clear)",
  });

/** Whether ENTRA_AUTHORITY is on this machine (a test server); undefined while it is malformed. */
function authorityIsLocal(env: Env): boolean | undefined {
  const parsed = authority.safeParse(env.ENTRA_AUTHORITY);
  return parsed.success ? isLoopback(new URL(parsed.data).hostname) : undefined;
}

export const identitySettings = settingsGroup({
  name: "identity",
  schema: z.object({
    AUTH_MODE: optionalText.pipe(
      z.enum(AUTH_MODES, { error: `expected one of ${AUTH_MODES.join(", ")}` }).optional(),
    ),
    ENTRA_TENANT_ID: tenantId,
    ENTRA_AUDIENCE: audiences,
    ENTRA_AUTHORITY: authority,
    ENTRA_CA_FILE: optionalText,
    ENTRA_CLOCK_SKEW_S: boundedInteger(60, 0, 300),
  }),
  checks: (env) => {
    const mode = env.AUTH_MODE?.trim();
    if (mode === "local" && armEndpointIsLocal(env) === false) {
      return [
        "AUTH_MODE local trusts a header anyone on the machine can send: only with an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure use easyauth or entra",
      ];
    }
    if (mode === "easyauth" && env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase() !== "true") {
      return [
        "AUTH_MODE easyauth trusts x-ms-client-principal, which only App Service Authentication may set: WEBSITE_AUTH_ENABLED is not True, so Authentication is off on this app and anyone could send the header",
      ];
    }
    if (mode === "entra") return entraChecks(env);
    return [];
  },
  build: (env): IdentitySettings => {
    if (env.AUTH_MODE !== "entra") return { mode: env.AUTH_MODE };
    return {
      mode: "entra",
      entra: {
        tenantId: (env.ENTRA_TENANT_ID as string).toLowerCase(),
        audiences: env.ENTRA_AUDIENCE,
        authority: env.ENTRA_AUTHORITY,
        ...(env.ENTRA_CA_FILE && { caFile: env.ENTRA_CA_FILE }),
        clockSkewS: env.ENTRA_CLOCK_SKEW_S,
      },
    };
  },
});

function entraChecks(env: Env): string[] {
  return [
    ...(isSet(env, "ENTRA_TENANT_ID") ? [] : ["AUTH_MODE entra needs ENTRA_TENANT_ID (the tenant's id)"]),
    ...(audiences.safeParse(env.ENTRA_AUDIENCE).data?.length === 0
      ? ["AUTH_MODE entra needs ENTRA_AUDIENCE (the app's client id and/or App ID URI)"]
      : []),
    ...(isSet(env, "ENTRA_CA_FILE") && authorityIsLocal(env) === false
      ? [
          "ENTRA_CA_FILE is only for an ENTRA_AUTHORITY on 127.0.0.1 (a test server); Entra's own authority chains to a public CA",
        ]
      : []),
  ];
}
