// Who is asking, from a header only (never a body). In easyauth mode App Service Authentication sets
// x-ms-client-principal and drops any a client sends; in entra mode the caller sends an Entra ID token as
// `Authorization: Bearer` and it is validated here (x-ms-client-principal means nothing then: no platform
// vouches for it); in local mode x-ms-client-principal is trusted from this machine only and every answer
// says so (X-Identity-Mode: local); with no mode set nobody is known and writes are refused. A caller
// without the role an action needs is refused naming the role.

import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { capabilities } from "../shared/composition.ts";
import { parseClientPrincipal } from "../shared/domain/access/client-principal.ts";
import { roleRefusal } from "../shared/domain/access/gate-rules.ts";
import type { Principal, Role } from "../shared/domain/access/principal.ts";
import { isLoopback } from "../shared/settings/settings-group.ts";
import { SettingsError } from "../shared/settings.ts";
import { jsonError } from "./http-json.ts";

export const CLIENT_PRINCIPAL_HEADER = "x-ms-client-principal";
export const IDENTITY_MODE_HEADER = "X-Identity-Mode";

/** Strict base64 (App Service pads it); Buffer alone would skip what is not base64. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export type Identified = { principal: Principal } | { refusal: HttpResponseInit };

/** A bearer token, as RFC 6750 writes one: base64url, base64 and a few more characters. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
/** Seconds a client should wait when the tenant's keys cannot be fetched. */
const KEYS_RETRY_AFTER_S = 30;

let localModeLogged = false;

/**
 * The headers every answer carries: local mode is announced so nobody mistakes it for a signed-in caller.
 * Misconfigured settings announce nothing (the answer itself says the service is not configured).
 */
export function identityHeaders(): Record<string, string> {
  try {
    const { identitySettings } = capabilities("identitySettings");
    return identitySettings.mode === "local" ? { [IDENTITY_MODE_HEADER]: "local" } : {};
  } catch (error) {
    if (error instanceof SettingsError) return {};
    throw error;
  }
}

/** The caller, if the header names one who holds `role`; else the 401 or 403 to answer. */
export async function identify(
  request: HttpRequest,
  context: InvocationContext,
  role: Role,
): Promise<Identified> {
  const identified = await identifyCaller(request, context);
  if ("refusal" in identified) return identified;
  const refused = roleRefusal(identified.principal, role);
  return refused ? refuse(403, refused) : identified;
}

/** The caller the request's header or token names, whatever their roles; else the 401 (503) to answer. */
export async function identifyCaller(request: HttpRequest, context: InvocationContext): Promise<Identified> {
  const { mode } = capabilities("identitySettings").identitySettings;
  if (mode === undefined) {
    return refuse(401, "no identity source is configured (AUTH_MODE): the service acts for nobody");
  }
  if (mode === "entra") return fromBearerToken(request, context);
  if (mode === "local") {
    if (!localModeLogged) {
      localModeLogged = true;
      context.warn(
        "AUTH_MODE is local: x-ms-client-principal is trusted from this machine, for development only",
      );
    }
    if (!isLoopback(new URL(request.url).hostname) || request.headers.has("x-forwarded-for")) {
      return refuse(401, "local identity mode trusts callers on this machine only");
    }
  }
  const header = request.headers.get(CLIENT_PRINCIPAL_HEADER)?.trim();
  if (!header) {
    return refuse(401, `sign in first: the request has no ${CLIENT_PRINCIPAL_HEADER} header`);
  }
  if (!BASE64.test(header)) return refuse(401, `${CLIENT_PRINCIPAL_HEADER} is not base64 of JSON`);
  const parsed = parseClientPrincipal(Buffer.from(header, "base64").toString("utf8"));
  if ("problem" in parsed) return refuse(401, parsed.problem);
  return parsed;
}

/** The caller an Entra ID token names, refused as RFC 6750 says: a challenge saying what is wrong. */
async function fromBearerToken(request: HttpRequest, context: InvocationContext): Promise<Identified> {
  const authorization = request.headers.get("authorization")?.trim();
  if (!authorization) {
    return refuse(401, "sign in first: send an Entra ID access token as Authorization: Bearer", {
      "WWW-Authenticate": "Bearer",
    });
  }
  const token = BEARER.exec(authorization)?.[1];
  const checked = token
    ? await capabilities("bearerTokens").bearerTokens.validate(token)
    : { invalid: "the Authorization header is not a Bearer token" };
  if ("unavailable" in checked) {
    context.warn(`Entra ID token not checked: ${checked.cause}`);
    return refuse(503, checked.unavailable, { "Retry-After": String(KEYS_RETRY_AFTER_S) });
  }
  if ("invalid" in checked) {
    return refuse(401, checked.invalid, {
      "WWW-Authenticate": `Bearer error="invalid_token", error_description="${checked.invalid}"`,
    });
  }
  return { principal: checked.principal };
}

function refuse(status: 401 | 403 | 503, reason: string, headers: Record<string, string> = {}): Identified {
  return { refusal: { ...jsonError(status, reason), headers } };
}
