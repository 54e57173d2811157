// Who may approve a cluster's migrations, from the cluster's ARM tags and the app's policy:
//   lifecycle-approvers   Entra group object ids (separated by commas, semicolons or spaces): an approver
//                         must be in one of them (the token's or the platform's groups claim)
//   lifecycle-approvals   "2": an approval gate opens on the second distinct approver's approval
// and TWO_APPROVERS_WHERE (tag selectors such as environment=production) requires two approvers on every
// cluster it selects. A tag that cannot be read restricts, never loosens: no group matches an empty list,
// and an unreadable count asks for two. The policy is read at preflight and kept on the migration.

export const APPROVERS_TAG = "lifecycle-approvers";
export const APPROVALS_TAG = "lifecycle-approvals";

/** A cluster tag and value, matched case-insensitively (ARM tag names are case-insensitive). */
export interface TagSelector {
  key: string;
  value: string;
}

export interface ApprovalPolicy {
  /** Undefined: any approver. Otherwise the groups one of which an approver must be in (maybe none). */
  approverGroups?: string[];
  approvalsRequired: 1 | 2;
  /** Each rule in force, in a line a refusal can quote ("cluster tag lifecycle-approvals=2"). */
  rules: string[];
}

export function approvalPolicyOf(
  tags: Readonly<Record<string, string>>,
  twoApproversWhere: readonly TagSelector[],
): ApprovalPolicy {
  const rules: string[] = [];
  const groupsTag = tagValue(tags, APPROVERS_TAG);
  let approverGroups: string[] | undefined;
  if (groupsTag !== undefined) {
    approverGroups = [...new Set(groupsTag.split(/[\s,;]+/).filter((id) => id !== ""))];
    rules.push(
      approverGroups.length > 0
        ? `cluster tag ${APPROVERS_TAG} limits approvers to the groups ${approverGroups.join(", ")}`
        : `cluster tag ${APPROVERS_TAG} is empty: it names no group, so nobody may approve`,
    );
  }
  let approvalsRequired: 1 | 2 = 1;
  const countTag = tagValue(tags, APPROVALS_TAG);
  if (countTag !== undefined && countTag.trim() !== "1") {
    approvalsRequired = 2;
    rules.push(
      countTag.trim() === "2"
        ? `cluster tag ${APPROVALS_TAG}=2 asks for two approvers`
        : `cluster tag ${APPROVALS_TAG}="${countTag}" is not 1 or 2: two approvers are asked for`,
    );
  }
  const selected = twoApproversWhere.find(
    (selector) => tagValue(tags, selector.key)?.toLowerCase() === selector.value.toLowerCase(),
  );
  if (selected && approvalsRequired === 1) {
    approvalsRequired = 2;
    rules.push(`TWO_APPROVERS_WHERE ${selected.key}=${selected.value} asks for two approvers`);
  }
  return { ...(approverGroups && { approverGroups }), approvalsRequired, rules };
}

/** Why a person in `groups` may not approve under `policy`, or undefined when they may. */
export function groupRefusal(
  policy: ApprovalPolicy,
  name: string,
  groups: readonly string[],
): string | undefined {
  const allowed = policy.approverGroups;
  if (allowed === undefined) return undefined;
  const wanted = new Set(allowed.map((id) => id.toLowerCase()));
  if (groups.some((group) => wanted.has(group.toLowerCase()))) return undefined;
  return allowed.length === 0
    ? `rule "approver groups": cluster tag ${APPROVERS_TAG} names no group, so nobody may approve`
    : `rule "approver groups": ${name} is in none of the groups cluster tag ${APPROVERS_TAG} names (${allowed.join(", ")})`;
}

/** Reads "key=value, key=value" (the setting's form); a problem names the entry that is not. */
export function parseTagSelectors(text: string): { selectors: TagSelector[] } | { problem: string } {
  const selectors: TagSelector[] = [];
  for (const entry of text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")) {
    const [key, value, ...rest] = entry.split("=").map((part) => part.trim());
    if (!key || !value || rest.length > 0) {
      return { problem: `"${entry}" is not tag=value` };
    }
    selectors.push({ key, value });
  }
  return { selectors };
}

function tagValue(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  const lower = key.toLowerCase();
  return Object.entries(tags).find(([name]) => name.toLowerCase() === lower)?.[1];
}
