// The service's API, called with the browser's identity: App Service Authentication's cookie in Azure
// (same origin, so the browser sends it), or in local mode the x-ms-client-principal header for a person
// chosen on this page, as the CLI's --as and --role build it. The service says it is in local mode
// (X-Identity-Mode: local) and trusts that header from its own machine only.

const API = new URL("../", document.baseURI);
const PERSON_KEY = "aks-image-lifecycle.local-person";
const ROLE_TYPE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
const NAME_TYPE = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

export const ROLES = ["LifecycleOperator", "LifecycleApprover"];

let localMode = false;

/** Whether the service identifies callers locally (it said so on its last answer). */
export function isLocalMode() {
  return localMode;
}

/** The person chosen on this page for local mode, or undefined. */
export function localPerson() {
  const saved = localStorage.getItem(PERSON_KEY);
  return saved ? JSON.parse(saved) : undefined;
}

export function chooseLocalPerson(person) {
  if (person) localStorage.setItem(PERSON_KEY, JSON.stringify(person));
  else localStorage.removeItem(PERSON_KEY);
}

/** App Service Authentication's header for a local person: base64 of its JSON, as the service reads it. */
function localHeader({ name, roles, groups }) {
  const claims = [
    { typ: NAME_TYPE, val: name },
    ...roles.map((role) => ({ typ: ROLE_TYPE, val: role })),
    ...groups.map((group) => ({ typ: "groups", val: group })),
  ];
  const json = JSON.stringify({ auth_typ: "local", name_typ: NAME_TYPE, role_typ: ROLE_TYPE, claims });
  return btoa(String.fromCharCode(...new TextEncoder().encode(json)));
}

/** GET or POST `path` (under /api/); the answer's status and JSON body (or text). */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { accept: "application/json" };
  const person = localPerson();
  if (localMode && person) headers["x-ms-client-principal"] = localHeader(person);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(new URL(path, API), {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const mode = response.headers.get("x-identity-mode") === "local";
  const retry = method === "GET" && mode && !localMode && person !== undefined;
  localMode = mode;
  // The first answer is what tells the page it may send the local header.
  if (retry) return api(path, { method, body });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, ok: response.ok, body: json, text };
}

/** The reason in an error answer, else its status. */
export function reasonOf(answer) {
  return answer.body?.error?.reason ?? `the service answered ${answer.status}`;
}

export function migrationPath(id) {
  return `migrations/${encodeURIComponent(id)}`;
}
