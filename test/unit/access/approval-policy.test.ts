import { describe, expect, it } from "vitest";
import {
  approvalPolicyOf,
  groupRefusal,
  parseTagSelectors,
} from "../../../shared/domain/access/approval-policy.ts";
import { answerRefusal, needsTwoApprovals } from "../../../shared/domain/access/gate-rules.ts";
import { type Principal, ROLES } from "../../../shared/domain/access/principal.ts";
import { aMigrationRecord } from "../../support/migration-fixtures.ts";

const PRODUCTION = [{ key: "environment", value: "production" }];
const GROUP_A = "7b0f6c2e-1d3a-4c5b-9e8f-0a1b2c3d4e5f";
const GROUP_B = "2c9d8e7f-6a5b-4c3d-8e1f-9a0b1c2d3e4f";

function approver(groups: string[], name = "ana@contoso.com"): Principal {
  return { id: `id-${name}`, name, roles: [ROLES.approver], groups, identityProvider: "aad" };
}

describe("approvalPolicyOf", () => {
  it("lets any approver approve once when the cluster has no access tags and no policy selects it", () => {
    expect(approvalPolicyOf({ team: "payments" }, PRODUCTION)).toEqual({ approvalsRequired: 1, rules: [] });
  });

  it("reads approver groups from the tag (any separator, any tag-name case), each once", () => {
    const policy = approvalPolicyOf({ "Lifecycle-Approvers": ` ${GROUP_A}, ${GROUP_B};${GROUP_A} ` }, []);
    expect(policy.approverGroups).toEqual([GROUP_A, GROUP_B]);
    expect(policy.rules).toEqual([
      `cluster tag lifecycle-approvers limits approvers to the groups ${GROUP_A}, ${GROUP_B}`,
    ]);
  });

  it("fails closed on an empty approver tag: nobody may approve", () => {
    const policy = approvalPolicyOf({ "lifecycle-approvers": " , " }, []);
    expect(policy.approverGroups).toEqual([]);
    expect(groupRefusal(policy, "ana@contoso.com", [GROUP_A])).toBe(
      'rule "approver groups": cluster tag lifecycle-approvers names no group, so nobody may approve',
    );
  });

  it("asks for two approvers from the count tag, the policy's selectors, or an unreadable count", () => {
    expect(approvalPolicyOf({ "lifecycle-approvals": "2" }, []).approvalsRequired).toBe(2);
    expect(approvalPolicyOf({ "lifecycle-approvals": "1" }, []).approvalsRequired).toBe(1);
    const unreadable = approvalPolicyOf({ "lifecycle-approvals": "two" }, []);
    expect(unreadable).toEqual({
      approvalsRequired: 2,
      rules: ['cluster tag lifecycle-approvals="two" is not 1 or 2: two approvers are asked for'],
    });
    const selected = approvalPolicyOf({ Environment: "Production" }, PRODUCTION);
    expect(selected).toEqual({
      approvalsRequired: 2,
      rules: ["TWO_APPROVERS_WHERE environment=production asks for two approvers"],
    });
    // A cluster tagged 1 explicitly is still selected by the app's policy: the stricter rule wins.
    expect(
      approvalPolicyOf({ environment: "production", "lifecycle-approvals": "1" }, PRODUCTION)
        .approvalsRequired,
    ).toBe(2);
  });
});

describe("groupRefusal", () => {
  const policy = approvalPolicyOf({ "lifecycle-approvers": `${GROUP_A},${GROUP_B}` }, []);

  it("lets a member of any named group approve, whatever the id's case", () => {
    expect(groupRefusal(policy, "ana", ["other", GROUP_B.toUpperCase()])).toBeUndefined();
    expect(groupRefusal(approvalPolicyOf({}, []), "ana", [])).toBeUndefined();
  });

  it("refuses someone in none of them, naming the rule and the groups", () => {
    expect(groupRefusal(policy, "ben@contoso.com", ["other"])).toBe(
      `rule "approver groups": ben@contoso.com is in none of the groups cluster tag lifecycle-approvers names (${GROUP_A}, ${GROUP_B})`,
    );
  });
});

describe("parseTagSelectors", () => {
  it("reads tag=value pairs and names the entry that is not one", () => {
    expect(parseTagSelectors(" environment = production ,env=prod,")).toEqual({
      selectors: [
        { key: "environment", value: "production" },
        { key: "env", value: "prod" },
      ],
    });
    expect(parseTagSelectors("")).toEqual({ selectors: [] });
    expect(parseTagSelectors("environment")).toEqual({ problem: '"environment" is not tag=value' });
    expect(parseTagSelectors("a=b=c")).toEqual({ problem: '"a=b=c" is not tag=value' });
  });
});

describe("gate rules under a cluster's approval policy", () => {
  const record = aMigrationRecord({
    phase: "awaiting-start",
    awaiting: {
      gate: "start",
      nonce: "n-1",
      since: "2026-01-10T10:00:00.000Z",
      evidence: {},
      accepts: ["approve", "reject"],
      role: ROLES.approver,
      notBy: "0c6f-operator",
    },
    approvalPolicy: approvalPolicyOf({ "lifecycle-approvers": GROUP_A, "lifecycle-approvals": "2" }, []),
  });

  it("refuses an approver outside the cluster's groups with 403, after the role rule", () => {
    const outsider = answerRefusal(record, {
      gate: "start",
      answer: { decision: "approve" },
      by: approver([]),
    });
    expect(outsider?.status).toBe(403);
    expect(outsider?.reason).toMatch(/^rule "approver groups": ana@contoso.com is in none of the groups/);
    const noRole = answerRefusal(record, {
      gate: "start",
      answer: { decision: "approve" },
      by: { ...approver([GROUP_A]), roles: [] },
    });
    expect(noRole?.reason).toBe('rule "role": gate "start" is answered by the role LifecycleApprover');
    const app = answerRefusal(record, {
      gate: "start",
      answer: { decision: "approve" },
      by: { ...approver([GROUP_A]), application: true },
    });
    expect(app).toEqual({
      status: 403,
      reason: 'rule "people approve": ana@contoso.com is an application, not a person',
    });
    expect(
      answerRefusal(record, { gate: "start", answer: { decision: "reject" }, by: approver([GROUP_A]) }),
    ).toBe(undefined);
  });

  it("asks two approvals for an approval only: a rejection, a pause's resume and a stuck drain's choice take one", () => {
    expect(needsTwoApprovals(record, "start", { decision: "approve" })).toBe(true);
    expect(needsTwoApprovals(record, "start", { decision: "reject" })).toBe(false);
    expect(needsTwoApprovals(record, "paused", { decision: "resume" })).toBe(false);
    expect(needsTwoApprovals(record, "decision", { decision: "retry" })).toBe(false);
    expect(
      needsTwoApprovals({ ...record, approvalPolicy: undefined }, "start", { decision: "approve" }),
    ).toBe(false);
  });
});
