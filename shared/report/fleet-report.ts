// The fleet report: assessed pools, most urgent first, as JSON for machines or a table for people.

import { utcDayOf } from "../domain/lifecycle/calendar-date.ts";
import { describeDays } from "../domain/lifecycle/lifecycle-text.ts";
import type { DeadlineEvent, PoolAssessment, PoolState } from "../domain/lifecycle/pool-assessment.ts";

export interface ReportPool {
  clusterId: string;
  cluster: string;
  pool: string;
  osSku: string | null;
  effectiveOs: string;
  kubernetesVersion: string;
  nodeImageVersion: string | null;
  state: PoolState;
  endOfSupport: string | null;
  imageRemoval: string | null;
  daysToEndOfSupport: number | null;
  daysToRemoval: number | null;
  recommendedOsSku: string | null;
  reasons: string[];
}

export interface ReportJson {
  generatedAt: string;
  pools: ReportPool[];
}

export function toReportJson(pools: readonly PoolAssessment[], generatedAt: Date): ReportJson {
  return {
    generatedAt: generatedAt.toISOString(),
    pools: pools.map((pool) => ({
      clusterId: pool.ref.clusterId,
      cluster: pool.ref.cluster,
      pool: pool.ref.pool,
      osSku: pool.osSku ?? null,
      effectiveOs: pool.effectiveOs,
      kubernetesVersion: pool.kubernetesVersion,
      nodeImageVersion: pool.nodeImageVersion ?? null,
      state: pool.state,
      endOfSupport: pool.endOfSupport ?? null,
      imageRemoval: pool.imageRemoval ?? null,
      daysToEndOfSupport: pool.daysToEndOfSupport ?? null,
      daysToRemoval: pool.daysToRemoval ?? null,
      recommendedOsSku: pool.recommendation?.osSku ?? null,
      reasons: pool.reasons,
    })),
  };
}

const ANSI = { reset: "\x1b[0m", bold: "\x1b[1m", dim: "\x1b[2m" } as const;

const STATE_COLOUR: Readonly<Record<PoolState, string>> = {
  "images-removed": "\x1b[1;31m",
  "end-of-support": "\x1b[31m",
  "nearing-end": "\x1b[33m",
  unknown: "\x1b[35m",
  "retirement-announced": "\x1b[36m",
  supported: "\x1b[32m",
};

const DEADLINE_TEXT: Readonly<Record<DeadlineEvent, string>> = {
  "os-end-of-support": "OS support ends",
  "image-removal": "images removed",
  "kubernetes-end-of-support": "K8s support ends",
};

function nextDeadline(pool: PoolAssessment): string {
  const next = pool.nextDeadline;
  return next ? `${DEADLINE_TEXT[next.event]} ${describeDays(next.days)}` : "-";
}

function nodeImage(pool: PoolAssessment): string {
  if (!pool.nodeImageVersion) return "-";
  const age = pool.nodeImageAgeDays === undefined ? "age unknown" : `${pool.nodeImageAgeDays}d old`;
  return `${pool.nodeImageVersion} (${age})`;
}

function target(pool: PoolAssessment): string {
  const recommendation = pool.recommendation;
  if (!recommendation) return "-";
  return `${recommendation.osSku} (${recommendation.compatible ? "compatible" : "blocked"})`;
}

const COLUMNS: readonly { title: string; cell: (pool: PoolAssessment) => string }[] = [
  { title: "CLUSTER", cell: (pool) => pool.ref.cluster },
  { title: "POOL", cell: (pool) => pool.ref.pool },
  { title: "OS SKU", cell: (pool) => pool.osSku ?? "-" },
  { title: "EFFECTIVE OS", cell: (pool) => pool.effectiveOs },
  { title: "K8S", cell: (pool) => pool.kubernetesVersion },
  { title: "NODE IMAGE", cell: nodeImage },
  { title: "STATE", cell: (pool) => pool.state },
  { title: "END OF SUPPORT", cell: (pool) => pool.endOfSupport ?? "-" },
  { title: "IMAGE REMOVAL", cell: (pool) => pool.imageRemoval ?? "-" },
  { title: "NEXT", cell: nextDeadline },
  { title: "TARGET", cell: target },
];

const STATE_COLUMN = COLUMNS.findIndex((column) => column.title === "STATE");

export interface TableOptions {
  colour: boolean;
  now: Date;
  /** Where the fleet came from, for the heading. */
  source: string;
}

export function renderTable(pools: readonly PoolAssessment[], options: TableOptions): string {
  const paint = (code: string, text: string) => (options.colour ? `${code}${text}${ANSI.reset}` : text);
  const rows = pools.map((pool) => COLUMNS.map((column) => column.cell(pool)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.title.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  // Pad before painting: escape codes have no width on screen.
  const line = (cells: readonly string[], paintCell: (text: string, index: number) => string) =>
    cells
      .map((cell, index) => paintCell(cell.padEnd(widths[index] ?? 0), index))
      .join("  ")
      .trimEnd();

  const heading = `AKS image lifecycle report for ${utcDayOf(options.now)}: ${options.source}`;
  const header = line(
    COLUMNS.map((column) => column.title),
    (text) => paint(ANSI.bold, text),
  );
  const body = pools.map((pool, index) =>
    line(rows[index] ?? [], (text, column) =>
      column === STATE_COLUMN ? paint(STATE_COLOUR[pool.state], text) : text,
    ),
  );

  const details = pools
    .filter((pool) => pool.state !== "supported")
    .flatMap((pool) => [
      paint(STATE_COLOUR[pool.state], `${pool.ref.cluster}/${pool.ref.pool} (${pool.state})`),
      ...pool.reasons.map((reason) => `  - ${reason}`),
    ]);

  return [
    paint(ANSI.bold, heading),
    summarize(pools),
    "",
    header,
    ...body,
    ...(details.length ? ["", paint(ANSI.bold, "Why"), ...details] : []),
    "",
  ].join("\n");
}

function summarize(pools: readonly PoolAssessment[]): string {
  const clusters = new Set(pools.map((pool) => pool.ref.clusterId.toLowerCase())).size;
  const subscriptions = new Set(pools.map((pool) => pool.ref.subscriptionId.toLowerCase())).size;
  const counts = new Map<PoolState, number>();
  for (const pool of pools) counts.set(pool.state, (counts.get(pool.state) ?? 0) + 1);
  const byState = [...counts].map(([state, count]) => `${count} ${state}`).join(", ");
  return `${pools.length} pools in ${clusters} clusters across ${subscriptions} subscriptions${byState ? `: ${byState}` : ""}`;
}
