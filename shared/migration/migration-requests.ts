// What people send the migrations API, as zod schemas: strict, so a misspelt field is refused rather
// than silently ignored, and each problem names its field ("pool: expected an AKS pool name, got ...").

import { z } from "zod";
import type { MigrationOptions } from "../domain/migration/migration-options.ts";
import {
  GATES,
  type GateDecision,
  isPodDecision,
  POD_DECISIONS,
} from "../domain/migration/migration-record.ts";
import { parseMigrationOptions } from "../domain/migration/options-request.ts";
import { describeIssues } from "../formats/schema-problems.ts";

const comment = z.string().max(2000, "must be at most 2000 characters").default("");

const nonEmpty = z.string().trim().min(1, "must not be empty");

export const startRequestSchema = z.strictObject({
  cluster: nonEmpty,
  pool: z
    .string()
    .regex(
      /^[a-z][a-z0-9]{0,11}$/,
      "expected an AKS pool name: 1-12 lower-case letters and digits, starting with a letter",
    ),
  targetOsSku: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9]{0,39}$/,
      "expected an osSku as AKS names them (AzureLinux3, Ubuntu2204, Windows2022)",
    ),
  options: z.unknown().optional(),
});

export const approvalRequestSchema = z.strictObject({
  gate: z.enum(GATES),
  decision: z.enum(["approve", "reject"]),
  comment,
});

const podName = z.strictObject({ namespace: nonEmpty, name: nonEmpty });

export const decisionRequestSchema = z
  .strictObject({
    decision: z.enum(["retry", ...POD_DECISIONS, "rollback"]),
    pod: podName.optional(),
    comment,
  })
  .superRefine(({ decision, pod }, context) => {
    const needsPod = isPodDecision(decision);
    if (needsPod && pod === undefined) {
      context.addIssue({
        code: "custom",
        path: ["pod"],
        message: `${decision} needs the pod, {namespace, name}`,
      });
    }
    if (!needsPod && pod !== undefined) {
      context.addIssue({ code: "custom", path: ["pod"], message: `${decision} names no pod` });
    }
  });

/** Pause, resume and rollback: a reason, if any. */
export const controlRequestSchema = z.strictObject({ comment });

export type StartRequest = z.output<typeof startRequestSchema>;

/** The decision a stuck-drain request carries, as the orchestration takes it. */
export function stuckDrainDecision(request: z.output<typeof decisionRequestSchema>): GateDecision {
  const { decision, pod } = request;
  if (isPodDecision(decision)) return { decision, pod: pod as NonNullable<typeof pod> };
  return { decision };
}

export type Checked<T> = { value: T } | { problems: string[] };

/** `body` checked with `schema`: its value, or one problem per field. */
export function checkBody<S extends z.ZodType>(schema: S, body: unknown): Checked<z.output<S>> {
  const result = schema.safeParse(body);
  return result.success ? { value: result.data } : { problems: describeIssues(result.error, body, []) };
}

/** A start (or plan) request whose options are checked too (their problems name "options.<field>"). */
export function checkStartRequest(
  body: unknown,
): Checked<Omit<StartRequest, "options"> & { options: MigrationOptions }> {
  const checked = checkBody(startRequestSchema, body);
  if ("problems" in checked) return checked;
  const options = parseMigrationOptions(checked.value.options);
  if ("problems" in options) return options;
  return { value: { ...checked.value, options: options.options } };
}
