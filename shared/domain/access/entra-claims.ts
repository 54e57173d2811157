// The caller as a verified Entra ID access token describes them. The signature, issuer, audience and
// lifetime are checked before this (shared/azure/entra-tokens.ts); here the claims become a Principal:
// the tenant is pinned again (Entra signs every tenant's tokens with the same keys), the id is the object
// id, and only the product's own app roles count.

import { type Principal, productRoles } from "./principal.ts";

/** The claims people read a name from, most specific first; apps have none, so their object id is used. */
const NAME_CLAIMS = ["preferred_username", "upn", "name"];

export type EntraClaimsParse = { principal: Principal } | { problem: string };

/** A problem says what is wrong with the claims, never echoing their values. */
export function principalFromEntraClaims(
  claims: Record<string, unknown>,
  tenantId: string,
): EntraClaimsParse {
  if (typeof claims.tid !== "string" || claims.tid.toLowerCase() !== tenantId.toLowerCase()) {
    return { problem: "the token is from another tenant" };
  }
  // An access token for this API: delegated (scp, a person signed in) or app-only (idtyp "app", an optional
  // claim the app registration must ask for). An ID token has neither, though its audience is the app too.
  const delegated = typeof claims.scp === "string" && claims.scp !== "";
  const application = !delegated && claims.idtyp === "app";
  if (!delegated && !application) {
    return {
      problem: "the token is not an access token for this API: no scp (a person) and no idtyp app (an app)",
    };
  }
  const id = claims.oid;
  if (typeof id !== "string" || id === "") return { problem: "the token names nobody: it has no oid claim" };
  const name =
    NAME_CLAIMS.map((claim) => claims[claim]).find(
      (value): value is string => typeof value === "string" && value !== "",
    ) ?? id;
  const roles = productRoles(strings(claims.roles));
  const principal: Principal = { id, name, roles, groups: groupsOf(claims), identityProvider: "aad" };
  return { principal: application ? { ...principal, application: true } : principal };
}

/**
 * The groups claim. A member of more groups than fit in a token (group overage) gets `_claim_names.groups`
 * instead, pointing at Microsoft Graph: the principal then has no groups, since asking Graph needs a
 * permission and a call per request this service does not make.
 */
function groupsOf(claims: Record<string, unknown>): string[] {
  const claimNames = claims._claim_names;
  if (typeof claimNames === "object" && claimNames !== null && "groups" in claimNames) return [];
  return [...new Set(strings(claims.groups))];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
