// The caller as App Service Authentication describes them in x-ms-client-principal (base64 of this JSON):
// {auth_typ, claims: [{typ, val}], name_typ, role_typ}. Roles are the claims whose typ is role_typ; only
// the product's own roles count. The header's base64 is undone by the caller of this parser.

import { type Principal, productRoles, type Role } from "./principal.ts";

/** The object id claim, as Entra ID issues it, and its short form. */
const OBJECT_ID_CLAIMS = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];

/**
 * A v2 ID token (a browser's session) may carry no claim of the header's name_typ (an email address type)
 * when the account has no email: Entra's own sign-in names come next.
 */
const FALLBACK_NAME_CLAIMS = ["preferred_username", "name"];

/** Entra's group object ids, one claim each, as App Service Authentication passes them on. */
const GROUPS_CLAIM = "groups";

export type ClientPrincipalParse = { principal: Principal } | { problem: string };

interface Claim {
  typ: string;
  val: string;
}

/** Parses the decoded header; a problem says what is wrong with it, never echoing its values. */
export function parseClientPrincipal(json: string): ClientPrincipalParse {
  let decoded: unknown;
  try {
    decoded = JSON.parse(json);
  } catch {
    return { problem: "x-ms-client-principal is not base64 of JSON" };
  }
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) {
    return { problem: "x-ms-client-principal is not a JSON object" };
  }
  const header = decoded as Record<string, unknown>;
  for (const field of ["auth_typ", "name_typ", "role_typ"]) {
    if (typeof header[field] !== "string" || header[field] === "") {
      return { problem: `x-ms-client-principal has no ${field}` };
    }
  }
  const claims = header.claims;
  if (!Array.isArray(claims) || !claims.every(isClaim)) {
    return { problem: "x-ms-client-principal's claims are not a list of {typ, val} strings" };
  }
  const claimOf = (typ: string) => claims.find((claim) => claim.typ === typ && claim.val !== "")?.val;
  const name = [header.name_typ as string, ...FALLBACK_NAME_CLAIMS]
    .map(claimOf)
    .find((value) => value !== undefined);
  const id = OBJECT_ID_CLAIMS.map(claimOf).find((value) => value !== undefined) ?? name;
  if (name === undefined || id === undefined) {
    return {
      problem: "x-ms-client-principal names nobody: no claim of its name_typ, preferred_username or name",
    };
  }
  const roles = productRoles(
    claims.filter((claim) => claim.typ === header.role_typ).map((claim) => claim.val),
  );
  const groups = [...new Set(claims.filter((claim) => claim.typ === GROUPS_CLAIM).map((claim) => claim.val))];
  return { principal: { id, name, roles, groups, identityProvider: header.auth_typ as string } };
}

function isClaim(value: unknown): value is Claim {
  if (typeof value !== "object" || value === null) return false;
  const claim = value as Record<string, unknown>;
  return typeof claim.typ === "string" && typeof claim.val === "string";
}

/** The header a person at a terminal presents in local mode (the CLI's --as and --role). */
export function localClientPrincipal(
  name: string,
  roles: readonly Role[],
  groups: readonly string[] = [],
): string {
  const roleType = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
  const nameType = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
  return JSON.stringify({
    auth_typ: "local",
    name_typ: nameType,
    role_typ: roleType,
    claims: [
      { typ: nameType, val: name },
      ...roles.map((role) => ({ typ: roleType, val: role })),
      ...groups.map((group) => ({ typ: GROUPS_CLAIM, val: group })),
    ],
  });
}
