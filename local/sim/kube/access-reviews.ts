// Who the token is and what it may do: SelfSubjectReview (kubectl auth whoami) and
// SelfSubjectAccessReview / SelfSubjectRulesReview (kubectl auth can-i). The twin enforces no RBAC, so every
// review allows; the identity is the token's: an Entra ID token's user and groups (as AKS's Entra
// integration maps them), otherwise the local account AKS gives its cluster credential.

import type { SimCluster } from "../model/cluster.ts";
import { fail, invalidField, notServed } from "./kube-errors.ts";
import { parseJson } from "./request-body.ts";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

const LOCAL_ACCOUNT: UserInfo = {
  username: "masterclient",
  groups: ["system:masters", "system:authenticated"],
};
const ALLOWED_REASON = "the simulator authorizes every authenticated request (it models no RBAC)";

/** The identity a bearer token stands for. */
export function identityOf(token: string): UserInfo {
  const claims = jwtClaims(token);
  if (!claims) return LOCAL_ACCOUNT;
  const oid = typeof claims.oid === "string" ? claims.oid : undefined;
  const name = [claims.upn, claims.preferred_username, oid, claims.sub].find((v) => typeof v === "string");
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((g) => typeof g === "string") : [];
  return {
    username: (name as string | undefined) ?? "system:anonymous",
    ...(oid ? { uid: oid, extra: { oid: [oid] } } : {}),
    groups: [...groups, "system:authenticated"],
  };
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null ? claims : undefined;
  } catch {
    return undefined;
  }
}

const REVIEWS: Record<
  string,
  { kind: string; answer: (spec: Record<string, unknown>, user: UserInfo) => unknown }
> = {
  "authentication.k8s.io/v1/selfsubjectreviews": {
    kind: "SelfSubjectReview",
    answer: (_spec, user) => ({ userInfo: user }),
  },
  "authorization.k8s.io/v1/selfsubjectaccessreviews": {
    kind: "SelfSubjectAccessReview",
    answer: (spec) => {
      if (Boolean(spec.resourceAttributes) === Boolean(spec.nonResourceAttributes))
        throw invalidField(
          "SelfSubjectAccessReview.authorization.k8s.io",
          "",
          "spec.resourceAttributes",
          'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
        );
      return { allowed: true, reason: ALLOWED_REASON };
    },
  },
  "authorization.k8s.io/v1/selfsubjectrulesreviews": {
    kind: "SelfSubjectRulesReview",
    answer: () => ({
      resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
      nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
      incomplete: false,
    }),
  },
};

function reviewAt(segments: string[]) {
  return segments[0] === "apis" && segments.length === 4 ? REVIEWS[segments.slice(1).join("/")] : undefined;
}

export function isReviewPath(segments: string[]): boolean {
  return reviewAt(segments) !== undefined;
}

/** The review a POST to apis/<group>/<version>/<reviews> creates, answered for the token's identity. */
export function createReview(
  cluster: SimCluster,
  segments: string[],
  token: string,
  body: string,
): { code: number; body: unknown } {
  const served = reviewAt(segments);
  if (!served) throw notServed();
  const request = parseJson(body);
  const spec = request.spec ?? {};
  if (typeof spec !== "object" || Array.isArray(spec))
    throw fail(400, "BadRequest", "error decoding the request body: spec must be an object");
  return {
    code: 201,
    body: {
      kind: served.kind,
      apiVersion: `${segments[1]}/${segments[2]}`,
      metadata: { creationTimestamp: cluster.iso() },
      ...(served.kind === "SelfSubjectReview" ? {} : { spec }),
      status: served.answer(spec as Record<string, unknown>, identityOf(token)),
    },
  };
}
