// Type-level tests of the workflow contracts, checked by `npm run typecheck` (never run): the line after
// each expect-error directive must be a compile error, so were a contract or helper to accept a wrong
// name, input or output, the directive would be unused and tsc would fail.

import type { DurableClient, OrchestrationContext, Task } from "durable-functions";
import { startOnce } from "../../functions/scan-starter.ts";
import { batchedFanOut } from "../../orchestrations/steps/batched-fan-out.ts";
import { activityTask, callActivity, callSubOrchestrator } from "../../orchestrations/steps/call-activity.ts";
import { registerActivity, registerOrchestration } from "../../orchestrations/steps/register.ts";
import type { ScanSummary } from "../../shared/domain/ports/inventory.ts";

const scan = { scanId: "2026-11-26T02:00:00Z", startedAt: "2026-11-26T02:00:00.000Z" };

export function* callsChecked(context: OrchestrationContext): Generator<Task, void, unknown> {
  const begun: ScanSummary = yield* callActivity(context, "begin-scan", scan);
  // @ts-expect-error: begin-scan needs startedAt
  yield* callActivity(context, "begin-scan", { scanId: scan.scanId });
  // @ts-expect-error: no activity has this name
  yield* callActivity(context, "begin-scans", scan);
  // @ts-expect-error: list-fleet returns the listing, not a scan summary
  const listed: ScanSummary = yield* callActivity(context, "list-fleet", { ...scan, now: scan.startedAt });
  // @ts-expect-error: deliver-alerts takes the delivering instance as its lease holder, not a scan
  yield* callActivity(context, "deliver-alerts", { scanId: scan.scanId });
  // @ts-expect-error: a chunk needs its clusters and concurrency
  yield* callSubOrchestrator(context, "dependency-scans", { scanId: scan.scanId });
  // @ts-expect-error: a chunk's result has no summary
  const chunk: ScanSummary = yield* callSubOrchestrator(context, "dependency-scans", {
    scanId: scan.scanId,
    clusters: [],
    concurrency: 1,
  });
  const scans = yield* batchedFanOut(context, ["c1"], 1, (clusterId) =>
    activityTask(context, "scan-dependencies", { scanId: scan.scanId, clusterId, pools: [] }),
  );
  // @ts-expect-error: a fan-out's results are its activity's outcomes, not scan summaries
  const summaries: ScanSummary[] = scans.flatMap((settled) => (settled.ok ? [settled.result] : []));
  void [begun, listed, chunk, summaries];
}

export function registrationsChecked(): void {
  registerActivity("finish-scan", {
    // @ts-expect-error: finish-scan must resolve to the scan's summary
    handler: async () => ({ kind: "no-scan" as const }),
  });
  registerActivity("scan-dependencies", {
    // @ts-expect-error: the handler's input is the contract's, whose pools are names, not numbers
    handler: async (input: { scanId: string; clusterId: string; pools: number[] }) => ({
      kind: "failed" as const,
      clusterId: input.clusterId,
      error: "",
      recorded: false as const,
    }),
  });
  // @ts-expect-error: the re-evaluation must return the alerts run as well as the notice id
  registerOrchestration("alerts-reevaluation", noticeOnly);
}

function* noticeOnly(
  context: OrchestrationContext,
  input: { noticeId: string },
): Generator<Task, { noticeId: string }, unknown> {
  yield context.df.createTimer(new Date(0));
  return { noticeId: input.noticeId };
}

export async function startsChecked(client: DurableClient): Promise<void> {
  await startOnce(client, "alerts-reevaluation", "alerts:notice:n1", { noticeId: "n1" });
  const scanInput = { requestedBy: "timer" as const, concurrency: 1 };
  await startOnce(client, "inventory-scan", "inventory-scan:2026-11-26", scanInput);
  // @ts-expect-error: the re-evaluation takes a notice id, not a scan's input
  await startOnce(client, "alerts-reevaluation", "alerts:notice:n1", scanInput);
}
