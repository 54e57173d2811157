// Who is asking: a person or workload as the platform's authentication names them (App Service
// Authentication's x-ms-client-principal in Azure), never as a request body claims.

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
  /** Where the identity came from ("aad", "local"). */
  identityProvider: string;
}
