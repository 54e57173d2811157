// Who is asking: a person or workload as the platform's authentication names them (App Service
// Authentication's x-ms-client-principal or a validated Entra token), never as a request body claims.

export const ROLES = {
  /** Starts, pauses, resumes and rolls back migrations. */
  operator: "LifecycleOperator",
  /** Answers gates and stuck-drain decisions. */
  approver: "LifecycleApprover",
} as const;

export type Role = (typeof ROLES)[keyof typeof ROLES];

export interface Principal {
  /** Stable id: the object id claim when there is one, else the name. */
  id: string;
  /** What people read: the user principal name or email. */
  name: string;
  roles: Role[];
  /** Entra group object ids the token or platform names (the groups claim); empty when none are sent. */
  groups: string[];
  /** Where the identity came from ("aad", "local"). */
  identityProvider: string;
  /** An app signed in with its own token, not a person: it may operate, never approve. */
  application?: true;
}

const PRODUCT_ROLES: readonly string[] = Object.values(ROLES);

/** The product's roles among `values`, each once: any other role a token or header names grants nothing. */
export function productRoles(values: readonly string[]): Role[] {
  return [...new Set(values)].filter((role): role is Role => PRODUCT_ROLES.includes(role));
}
