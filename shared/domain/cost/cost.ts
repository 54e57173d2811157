// What node-image rotation costs, following "The Real Cost of Migration" in the practice this product
// automates ("Operating AKS After Azure Linux Retirement: Image Lifecycle as Platform Practice"):
// node-hours times a price per VM size, the overlap of running old and new pools side by side during a
// blue-green migration, and the yearly "rotation tax" as a share of annual spend. Prices are
// configuration (cost/vm-prices.json or the operator's own table), never built in. A VM size missing from
// the table makes a cost unknown, never zero.

import { type IsoDate, isIsoDate } from "../lifecycle/calendar-date.ts";
import {
  autoBatchCap,
  GROWTH_LEAD_BATCHES,
  newPoolCeiling,
  newPoolRoomFor,
} from "../migration/drain-batches.ts";

/** What prices rest on. Every cost carries it, so no figure from illustrative prices passes for Azure's. */
export interface PriceBasis {
  /** Where the prices come from; for unsourced tables, a statement that they are. */
  source: string;
  /** False for illustrative or placeholder prices. */
  sourced: boolean;
  pricesAsOf?: IsoDate;
}

export interface PriceTable extends PriceBasis {
  currency: string;
  region: string;
  os: string;
  pricing: string;
  /** Price per node-hour by VM size, keys lower case (ARM's casing of sizes varies). */
  pricesPerNodeHour: ReadonlyMap<string, number>;
}

export type Cost = { currency: string; prices: PriceBasis } & (
  | { kind: "known"; amount: number }
  /** `knownPart` sums what could be priced; the total is unknown because of `unknownVmSizes`. */
  | { kind: "unknown"; unknownVmSizes: string[]; knownPart: number }
);

/** Hours in a 365-day year. */
export const HOURS_PER_YEAR = 8760;

/** Reads a price table, naming the origin and the field when something is wrong. */
export function parsePriceTable(value: unknown, origin: string): PriceTable {
  const fail = (problem: string): never => {
    throw new Error(`${origin}: ${problem}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return fail("is not a JSON object");
  const raw = value as Record<string, unknown>;
  const text = (field: string): string => {
    const v = raw[field];
    return typeof v === "string" && v.trim() !== "" ? v : fail(`${field} must be a non-empty string`);
  };
  const source = text("source");
  if (typeof raw.sourced !== "boolean") fail("sourced must be true or false");
  const sourced = raw.sourced === true;
  const pricesAsOf = raw.pricesAsOf ?? undefined;
  if (pricesAsOf !== undefined && (typeof pricesAsOf !== "string" || !isIsoDate(pricesAsOf))) {
    fail(`pricesAsOf ${JSON.stringify(pricesAsOf)} must be a calendar date (YYYY-MM-DD) or null`);
  }
  if (sourced && (pricesAsOf === undefined || !/https:\/\/\S+/.test(source))) {
    fail("a sourced table needs pricesAsOf and a source with the https URL the prices come from");
  }
  const currency = text("currency");
  if (!/^[A-Z]{3}$/.test(currency)) fail(`currency "${currency}" must be an ISO 4217 code such as USD`);
  const prices = raw.pricesPerNodeHour;
  if (typeof prices !== "object" || prices === null || Array.isArray(prices)) {
    return fail("pricesPerNodeHour must be an object of VM size to price");
  }
  const pricesPerNodeHour = new Map<string, number>();
  for (const [vmSize, price] of Object.entries(prices)) {
    // null is how an operator lists a size whose price is not known yet.
    if (price === null) continue;
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
      fail(
        `pricesPerNodeHour.${vmSize} is ${JSON.stringify(price)}; expected a positive ${currency} amount or null`,
      );
    }
    const key = vmSize.toLowerCase();
    if (pricesPerNodeHour.has(key))
      fail(`pricesPerNodeHour lists ${vmSize} twice (sizes are case-insensitive)`);
    pricesPerNodeHour.set(key, price as number);
  }
  return {
    source,
    sourced,
    ...(pricesAsOf !== undefined && { pricesAsOf: pricesAsOf as IsoDate }),
    currency,
    region: text("region"),
    os: text("os"),
    pricing: text("pricing"),
    pricesPerNodeHour,
  };
}

function requireNonNegative(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${what} is ${value}; expected a non-negative number`);
}

/** What every cost priced from `table` shares. */
function pricedFrom(table: PriceTable): { currency: string; prices: PriceBasis } {
  const { source, sourced, pricesAsOf } = table;
  return {
    currency: table.currency,
    prices: { source, sourced, ...(pricesAsOf !== undefined && { pricesAsOf }) },
  };
}

/** Sums costs priced from `table`. */
function addCosts(table: PriceTable, costs: readonly Cost[]): Cost {
  const unknownVmSizes = [
    ...new Set(costs.flatMap((c) => (c.kind === "unknown" ? c.unknownVmSizes : []))),
  ].sort();
  const known = costs.reduce((sum, c) => sum + (c.kind === "known" ? c.amount : c.knownPart), 0);
  const common = pricedFrom(table);
  return unknownVmSizes.length === 0
    ? { ...common, kind: "known", amount: known }
    : { ...common, kind: "unknown", unknownVmSizes, knownPart: known };
}

function scaleCost(cost: Cost, factor: number): Cost {
  return cost.kind === "known"
    ? { ...cost, amount: cost.amount * factor }
    : { ...cost, knownPart: cost.knownPart * factor };
}

export interface NodeHours {
  vmSize: string;
  nodeHours: number;
}

/** Node-hours times the hourly price of each size. */
export function nodeHoursCost(table: PriceTable, usage: readonly NodeHours[]): Cost {
  const common = pricedFrom(table);
  return addCosts(
    table,
    usage.map(({ vmSize, nodeHours }): Cost => {
      requireNonNegative(nodeHours, `node-hours of ${vmSize}`);
      const price = table.pricesPerNodeHour.get(vmSize.toLowerCase());
      return price === undefined
        ? { ...common, kind: "unknown", unknownVmSizes: [vmSize], knownPart: 0 }
        : { ...common, kind: "known", amount: price * nodeHours };
    }),
  );
}

/**
 * How the old pool goes away. `sequential`: nodes drain one at a time and each is deleted as soon as
 * it is empty (the article's "drain sequentially ... delete the drained node"). `retain-old-pool`:
 * nodes drain one at a time but the whole old pool stays until the drain ends plus a retention window,
 * for a fast rollback (the article: "keep at least 4 hours of old pool available").
 */
export type DrainPattern =
  | { kind: "sequential" }
  | { kind: "retain-old-pool"; retentionHours: number }
  | SteppedPattern;

/**
 * `stepped`: the drain in batches, each in the time of one node (`drainHoursPerNode`). The new pool is
 * created at full size, or with two batches' room and grown to stay GROWTH_LEAD_BATCHES ahead of the drain
 * under newPoolCeiling; the old pool keeps its nodes until the end or loses each batch's machines as the
 * next batch starts,
 * keeping `retainedNodes` through the retention window.
 */
export interface SteppedPattern {
  kind: "stepped";
  /** Equal batches of this many nodes; "auto": the automatic batch's cap; or the batches' sizes. */
  batches: number | "auto" | readonly number[];
  growNewPool: boolean;
  headroomNodes: number;
  shrinkOldPool: boolean;
  retainedNodes: number;
  retentionHours: number;
}

export interface OverlapPlan {
  /** Both pools run from the new pool's creation until the first drain (testing, soak). */
  soakHours: number;
  /** One node's drain; for `stepped`, one batch's. */
  drainHoursPerNode: number;
  pattern: DrainPattern;
}

export interface OldPool {
  vmSize: string;
  nodeCount: number;
}

export interface OverlapEstimate {
  /** Node-hours of the old pool while the new pool already runs: the extra capacity paid for. */
  overlapNodeHours: number;
  /** From the new pool's creation until the last old node is gone. */
  durationHours: number;
  cost: Cost;
}

/** The extra cost of a blue-green pool migration: the old pool's node-hours once the new pool is up. */
export function overlapCost(table: PriceTable, pool: OldPool, plan: OverlapPlan): OverlapEstimate {
  if (!Number.isInteger(pool.nodeCount) || pool.nodeCount < 0) {
    throw new Error(
      `node count of the ${pool.vmSize} pool is ${pool.nodeCount}; expected a whole number >= 0`,
    );
  }
  requireNonNegative(plan.soakHours, "soakHours");
  requireNonNegative(plan.drainHoursPerNode, "drainHoursPerNode");
  const n = pool.nodeCount;
  const drainHours = n * plan.drainHoursPerNode;
  let overlapNodeHours: number;
  let durationHours: number;
  if (plan.pattern.kind === "sequential") {
    // Node i of n is deleted i drain-slots after the soak: soak * n + slot * (1 + 2 + ... + n).
    overlapNodeHours = n * plan.soakHours + (plan.drainHoursPerNode * n * (n + 1)) / 2;
    durationHours = plan.soakHours + drainHours;
  } else if (plan.pattern.kind === "stepped") {
    return steppedOverlap(table, pool, plan, plan.pattern);
  } else {
    requireNonNegative(plan.pattern.retentionHours, "retentionHours");
    durationHours = plan.soakHours + drainHours + plan.pattern.retentionHours;
    overlapNodeHours = n * durationHours;
  }
  return {
    overlapNodeHours,
    durationHours,
    cost: nodeHoursCost(table, [{ vmSize: pool.vmSize, nodeHours: overlapNodeHours }]),
  };
}

/** Extra nodes (both pools' less the old pool's count) summed over the soak, each batch and the retention. */
function steppedOverlap(
  table: PriceTable,
  pool: OldPool,
  plan: OverlapPlan,
  pattern: SteppedPattern,
): OverlapEstimate {
  requireNonNegative(pattern.retentionHours, "retentionHours");
  const n = pool.nodeCount;
  const batches = batchSizes(n, pattern.batches);
  const room = (batch: number) =>
    newPoolRoomFor(batches, batch, { count: n, headroom: pattern.headroomNodes });
  const deletedBefore = (batch: number) => batches.slice(0, Math.max(0, batch)).reduce((a, b) => a + b, 0);
  // What the batch needs, or up to GROWTH_LEAD_BATCHES ahead when the ceiling allows; batch -1: the soak.
  const newNodes = (batch: number) =>
    pattern.growNewPool
      ? Math.max(
          room(Math.max(0, batch)),
          Math.min(
            room(batch + GROWTH_LEAD_BATCHES),
            newPoolCeiling(n, pattern.shrinkOldPool, deletedBefore(batch)),
          ),
        )
      : n;
  let overlapNodeHours = plan.soakHours * newNodes(-1);
  for (const batch of batches.keys()) {
    const oldNodes = pattern.shrinkOldPool ? n - deletedBefore(batch) : n;
    overlapNodeHours += plan.drainHoursPerNode * (newNodes(batch) + oldNodes - n);
  }
  const retained = pattern.shrinkOldPool ? Math.min(n, pattern.retainedNodes) : n;
  overlapNodeHours += pattern.retentionHours * retained;
  return {
    overlapNodeHours,
    durationHours: plan.soakHours + batches.length * plan.drainHoursPerNode + pattern.retentionHours,
    cost: nodeHoursCost(table, [{ vmSize: pool.vmSize, nodeHours: overlapNodeHours }]),
  };
}

function batchSizes(n: number, batches: SteppedPattern["batches"]): readonly number[] {
  if (typeof batches !== "number" && batches !== "auto") return batches;
  const size = Math.max(1, batches === "auto" ? autoBatchCap(n) : batches);
  return Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size));
}

export interface FleetPool extends OldPool {
  /** How often this pool is migrated, e.g. 1/3 for an OS image retired every three years. */
  migrationsPerYear: number;
}

export interface RotationTax {
  migrationsPerYear: number;
  /** Running every pool all year. */
  annualSpend: Cost;
  /** Overlap cost of all the year's migrations. */
  annualOverlap: Cost;
  /** annualOverlap / annualSpend (0.2 is a 20% tax); undefined while either is unknown. */
  share?: number;
}

/** The article's "rotation tax": what a year of migrations adds, as a share of annual spend. */
/** `plan`: one for every pool, or each pool's own (its mode and zones shape a stepped overlap). */
export function rotationTax<P extends FleetPool>(
  table: PriceTable,
  fleet: readonly P[],
  plan: OverlapPlan | ((pool: P) => OverlapPlan),
): RotationTax {
  for (const pool of fleet)
    requireNonNegative(pool.migrationsPerYear, `migrationsPerYear of the ${pool.vmSize} pool`);
  const annualSpend = nodeHoursCost(
    table,
    fleet.map((pool) => ({ vmSize: pool.vmSize, nodeHours: pool.nodeCount * HOURS_PER_YEAR })),
  );
  const annualOverlap = addCosts(
    table,
    fleet.map((pool) =>
      scaleCost(
        overlapCost(table, pool, typeof plan === "function" ? plan(pool) : plan).cost,
        pool.migrationsPerYear,
      ),
    ),
  );
  const share =
    annualSpend.kind === "known" && annualOverlap.kind === "known" && annualSpend.amount > 0
      ? annualOverlap.amount / annualSpend.amount
      : undefined;
  return {
    migrationsPerYear: fleet.reduce((sum, pool) => sum + pool.migrationsPerYear, 0),
    annualSpend,
    annualOverlap,
    ...(share !== undefined && { share }),
  };
}
