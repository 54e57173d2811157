import { describe, expect, it } from "vitest";
import { offers } from "../../../shared/domain/access/gate-rules.ts";
import { type Principal, ROLES, type Role } from "../../../shared/domain/access/principal.ts";
import type { Awaiting } from "../../../shared/domain/migration/migration-record.ts";
import { aMigrationRecord, aStuckPod } from "../../support/migration-fixtures.ts";

function person(name: string, roles: Role[]): Principal {
  return { id: `id-${name}`, name, roles, groups: [], identityProvider: "aad" };
}

const ANA = person("ana@contoso.com", [ROLES.approver]);
const OLGA_REQUESTER = {
  ...person("olga@contoso.com", [ROLES.operator, ROLES.approver]),
  id: "0c6f-operator",
};

function waiting(awaiting: Partial<Awaiting>) {
  return aMigrationRecord({
    phase: "awaiting-start",
    awaiting: {
      gate: "start",
      nonce: "n-1",
      since: "2026-01-10T09:05:00.000Z",
      evidence: {},
      accepts: ["approve", "reject"],
      role: ROLES.approver,
      notBy: "0c6f-operator",
      ...awaiting,
    },
  });
}

describe("offers: what a person may do at a migration, and why not", () => {
  it("offers an approver the gate's answers and refuses her the operators' controls, naming the role", () => {
    expect(offers(waiting({}), ANA)).toEqual({
      answers: [
        { action: "approve", allowed: true },
        { action: "reject", allowed: true },
      ],
      controls: ["pause", "rollback"].map((action) => ({
        action,
        allowed: false,
        reason: "ana@contoso.com does not hold the role LifecycleOperator this action needs",
      })),
    });
  });

  it("refuses the requester her own gate by the rule the API applies, though she holds the role", () => {
    const { answers, controls } = offers(waiting({}), OLGA_REQUESTER);
    expect(answers.map((offer) => (offer.allowed ? offer.action : offer.reason))).toEqual([
      'rule "not the requester": olga@contoso.com requested this migration, so someone else must answer its gate "start"',
      'rule "not the requester": olga@contoso.com requested this migration, so someone else must answer its gate "start"',
    ]);
    expect(controls.every((offer) => offer.allowed)).toBe(true);
  });

  it("lets the requester resume her own pause, an operator's answer", () => {
    const paused = waiting({ gate: "paused", accepts: ["resume"], role: ROLES.operator });
    expect(offers(paused, OLGA_REQUESTER).answers).toEqual([{ action: "resume", allowed: true }]);
    expect(offers(paused, ANA).answers).toEqual([
      {
        action: "resume",
        allowed: false,
        reason: "ana@contoso.com does not hold the role LifecycleOperator this action needs",
      },
    ]);
  });

  it("offers a stuck drain's pod decisions when the wait lists a pod", () => {
    const stuck = waiting({
      gate: "decision",
      accepts: ["retry", "skip-pod", "delete-pod", "rollback"],
      evidence: { stuck: [aStuckPod("report-worker-0")] },
    });
    expect(offers(stuck, ANA).answers.every((offer) => offer.allowed)).toBe(true);
  });

  it("offers a force delete for a pod stuck Terminating beside a plain delete for another stuck pod", () => {
    const stuck = waiting({
      gate: "decision",
      accepts: ["retry", "skip-pod", "delete-pod", "force-delete-pod", "rollback"],
      evidence: {
        stuck: [aStuckPod("report-worker-0"), { ...aStuckPod("db-0"), reason: "terminating-past-grace" }],
      },
    });
    expect(offers(stuck, ANA).answers.every((offer) => offer.allowed)).toBe(true);
  });

  it("refuses a second approval by the same person under the two-approver rule", () => {
    const twoApprovers = {
      ...waiting({}),
      approvalPolicy: {
        approvalsRequired: 2 as const,
        rules: ["cluster tag lifecycle-approvals=2 asks for two approvers"],
      },
    };
    expect(offers(twoApprovers, ANA, [ANA.id]).answers).toEqual([
      {
        action: "approve",
        allowed: false,
        reason: `rule "two approvers": ana@contoso.com has approved gate "start" already; it opens on another approver's approval`,
      },
      { action: "reject", allowed: true },
    ]);
    expect(offers(twoApprovers, ANA, ["someone-else"]).answers[0]).toEqual({
      action: "approve",
      allowed: true,
    });
  });

  it("offers nothing to answer when nothing waits, and no control once the migration has ended", () => {
    const ended = aMigrationRecord({ outcome: "succeeded", phase: "done" });
    expect(offers(ended, { ...OLGA_REQUESTER, id: "other" })).toEqual({
      answers: [],
      controls: ["pause", "rollback"].map((action) => ({
        action,
        allowed: false,
        reason: `migration ${ended.id} has ended (succeeded): nothing to act on`,
      })),
    });
  });
});
