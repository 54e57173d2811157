// Who may approve, beyond the app roles (clusters name their approver groups in tags, see
// shared/domain/access/approval-policy.ts):
//   TWO_APPROVERS_WHERE   cluster tags that ask for two approvers, "tag=value" separated by commas
//                         (e.g. "environment=production, env=prod"); default none

import { z } from "zod";
import { parseTagSelectors, type TagSelector } from "../domain/access/approval-policy.ts";
import { optionalText, settingsGroup } from "./settings-group.ts";

export interface AccessSettings {
  twoApproversWhere: TagSelector[];
}

const tagSelectors = optionalText.transform((value, ctx) => {
  const parsed = parseTagSelectors(value ?? "");
  if ("selectors" in parsed) return parsed.selectors;
  ctx.addIssue({
    code: "custom",
    message: `expected tag=value pairs separated by commas: ${parsed.problem}`,
  });
  return z.NEVER;
});

export const accessSettings = settingsGroup({
  name: "access",
  schema: z.object({ TWO_APPROVERS_WHERE: tagSelectors }),
  build: (env): AccessSettings => ({ twoApproversWhere: env.TWO_APPROVERS_WHERE }),
});
