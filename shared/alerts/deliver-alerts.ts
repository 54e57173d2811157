// Sends every pending alert of the outbox to every configured sink. Each alert is leased first, so two
// runs do not send it together; each sink's result is recorded as soon as it is known, so a delivered
// alert is never sent again to that sink. Transient failures are retried with exponential backoff on
// the given clock (virtual time works); what still fails stays pending for the next run and is reported.
// A sink that exhausts its retries is not tried again in this run: the remaining alerts wait for the
// next one rather than each waiting out the whole backoff.

import type { LifecycleAlert } from "../domain/alerts/alert-policy.ts";
import type { AlertDeliverySummary } from "../domain/alerts/alert-runs.ts";
import { type AlertSink, asSinkError } from "../domain/ports/alert-sinks.ts";
import type { AlertRepository, OutboxClaim, SinkDelivery } from "../domain/ports/alerts.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import { backoffDelay, type RetryPolicy } from "../retry-policy.ts";

/** Attempts per alert and sink within one run. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 1_000, maxDelayMs: 30_000 };
/** Long enough for every sink's retries of one alert. */
export const DEFAULT_LEASE_MS = 10 * 60_000;
/** Failures listed by name in a delivery summary; the rest are counted. */
const LISTED_FAILURES = 20;

export interface DeliveryFailure {
  alertId: string;
  sink: string;
  /** Attempts in this run. */
  attempts: number;
  error: string;
  /** The sink refused the alert (not retried in this run; it stays pending all the same). */
  permanent: boolean;
}

export interface DeliveryReport {
  /** Alerts that every sink now has. */
  delivered: string[];
  failures: DeliveryFailure[];
  /** Alerts or sinks left for the next run without an attempt, and why. */
  skipped: { alertId: string; sink?: string; reason: string }[];
}

export interface DeliveryOptions {
  retry?: Partial<RetryPolicy>;
  leaseMs?: number;
  /** Names this run's leases, so the same run resumed after a crash takes them over at once. */
  holder?: string;
}

type Attempt =
  | { ok: true; attempts: number }
  | { ok: false; attempts: number; error: string; permanent: boolean };

interface Run {
  repository: AlertRepository;
  sinks: readonly AlertSink[];
  names: readonly string[];
  clock: RetryClock;
  retry: RetryPolicy;
  /** Sinks that exhausted their retries in this run. */
  down: Set<string>;
  report: DeliveryReport;
}

export async function deliverPendingAlerts(
  repository: AlertRepository,
  sinks: readonly AlertSink[],
  clock: RetryClock,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const names = sinks.map((sink) => sink.name);
  if (sinks.length === 0) throw new Error("no alert sink is configured: alerts stay pending until one is");
  if (new Set(names).size !== names.length)
    throw new Error(`alert sink names must differ: ${names.join(", ")}`);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const run: Run = {
    repository,
    sinks,
    names,
    clock,
    retry,
    down: new Set(),
    report: { delivered: [], failures: [], skipped: [] },
  };
  for (const pending of await repository.pendingAlerts()) {
    const claim = await repository.claim(
      pending.alert.id,
      clock.now(),
      clock.now() + leaseMs,
      options.holder,
    );
    if (claim) await deliverOne(run, claim);
    else {
      run.report.skipped.push({
        alertId: pending.alert.id,
        reason: "another delivery run holds it, or it was delivered meanwhile",
      });
    }
  }
  return run.report;
}

/** One alert to every sink that does not have it yet, under the run's lease. */
async function deliverOne(run: Run, claimed: OutboxClaim): Promise<void> {
  const { report } = run;
  const alertId = claimed.outbox.alert.id;
  let claim = claimed;
  for (const sink of run.sinks) {
    if (claim.outbox.deliveries[sink.name]?.status === "delivered") continue;
    if (run.down.has(sink.name)) {
      report.skipped.push({
        alertId,
        sink: sink.name,
        reason: `${sink.name} kept failing earlier in this run`,
      });
      continue;
    }
    const attempt = await sendWithRetry(sink, claim.outbox.alert, run.clock, run.retry);
    if (!attempt.ok) {
      report.failures.push({ alertId, sink: sink.name, ...attempt });
      if (!attempt.permanent) run.down.add(sink.name);
    }
    const next = await record(run, claim, sink.name, delivery(claim, sink.name, attempt, run.clock));
    if (!next) return;
    claim = next;
  }
  // Pending though every configured sink has it: the sink it waited for has left the configuration.
  // Recording one sink's result again settles it against the sinks configured now.
  const { deliveries } = claim.outbox;
  const [first = ""] = run.names;
  const kept = deliveries[first];
  if (
    claim.outbox.status === "pending" &&
    kept &&
    run.names.every((name) => deliveries[name]?.status === "delivered")
  ) {
    const next = await record(run, claim, first, kept);
    if (!next) return;
    claim = next;
  }
  await run.repository.release(claim);
  if (claim.outbox.status === "delivered") report.delivered.push(alertId);
}

/** One sink's result under the claim; undefined, and reported, when the lease was lost meanwhile. */
async function record(
  run: Run,
  claim: OutboxClaim,
  sink: string,
  result: SinkDelivery,
): Promise<OutboxClaim | undefined> {
  const next = await run.repository.recordDelivery(claim, sink, result, run.names);
  if (!next) {
    run.report.skipped.push({
      alertId: claim.outbox.alert.id,
      reason: "the lease ran out and another run took the alert over",
    });
  }
  return next;
}

function delivery(claim: OutboxClaim, sink: string, attempt: Attempt, clock: RetryClock): SinkDelivery {
  const before = claim.outbox.deliveries[sink];
  const at = new Date(clock.now()).toISOString();
  const attempts = (before?.attempts ?? 0) + attempt.attempts;
  return attempt.ok
    ? { status: "delivered", attempts, lastAttemptAt: at, deliveredAt: at }
    : { status: "pending", attempts, lastAttemptAt: at, lastError: attempt.error };
}

async function sendWithRetry(
  sink: AlertSink,
  alert: LifecycleAlert,
  clock: RetryClock,
  retry: RetryPolicy,
): Promise<Attempt> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sink.send(alert);
      return { ok: true, attempts: attempt };
    } catch (thrown) {
      const error = asSinkError(thrown);
      if (!error.transient || attempt >= retry.attempts) {
        return { ok: false, attempts: attempt, error: error.message, permanent: !error.transient };
      }
      await clock.sleep(backoffDelay(retry, attempt, error.retryAfterMs));
    }
  }
}

/**
 * One delivery run, summed up for a workflow's history. `holder` names the run (its orchestration
 * instance): resumed after a crash, it takes its leases over.
 */
export async function deliverAlerts(
  deps: {
    alerts: AlertRepository;
    alertSinks: readonly AlertSink[];
    clock: RetryClock;
  },
  holder?: string,
): Promise<AlertDeliverySummary> {
  if (deps.alertSinks.length === 0) {
    return { kind: "no-sinks", pending: await deps.alerts.pendingCount() };
  }
  const report = await deliverPendingAlerts(deps.alerts, deps.alertSinks, deps.clock, {
    ...(holder !== undefined && { holder }),
  });
  const pending = await deps.alerts.pendingCount();
  return {
    kind: "sent",
    sinks: deps.alertSinks.map((sink) => sink.name),
    delivered: report.delivered.length,
    failures: report.failures
      .slice(0, LISTED_FAILURES)
      .map(({ alertId, sink, error }) => ({ alertId, sink, error })),
    failureCount: report.failures.length,
    pending,
  };
}
