import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type Cost,
  HOURS_PER_YEAR,
  nodeHoursCost,
  type OverlapPlan,
  overlapCost,
  parsePriceTable,
  rotationTax,
} from "../../shared/domain/cost/cost.ts";
import { testPriceTable } from "../support/price-fixtures.ts";

const SYNTHETIC = { source: "synthetic test prices", sourced: false };
const known = (amount: number): Cost => ({ kind: "known", amount, currency: "USD", prices: SYNTHETIC });

describe("the shipped price table", () => {
  const shipped = parsePriceTable(
    JSON.parse(readFileSync(new URL("../../shared/domain/cost/vm-prices.json", import.meta.url), "utf8")),
    "shared/domain/cost/vm-prices.json",
  );
  it("loads, and says plainly that its prices are not sourced", () => {
    expect(shipped.sourced).toBe(false);
    expect(shipped.pricesAsOf).toBeUndefined();
    expect(shipped.source).toMatch(/^NOT SOURCED: configuration the operator must supply/);
    expect(shipped.pricesPerNodeHour.size).toBeGreaterThan(10);
  });

  it("marks every figure computed from it as not sourced", () => {
    const plan: OverlapPlan = { soakHours: 1, drainHoursPerNode: 1, pattern: { kind: "sequential" } };
    const pool = { vmSize: "Standard_D4s_v5", nodeCount: 3, migrationsPerYear: 1 };
    const tax = rotationTax(shipped, [pool], plan);
    for (const cost of [overlapCost(shipped, pool, plan).cost, tax.annualSpend, tax.annualOverlap]) {
      expect(cost.kind).toBe("known");
      expect(cost.prices).toEqual({ source: shipped.source, sourced: false });
    }
  });
});

describe("parsePriceTable", () => {
  const valid = {
    source: "https://prices.azure.com/api/retail/prices?$filter=armRegionName eq 'westeurope' (run by ops)",
    sourced: true,
    pricesAsOf: "2026-11-01",
    currency: "EUR",
    region: "westeurope",
    os: "Linux",
    pricing: "pay-as-you-go",
    pricesPerNodeHour: { Standard_D4s_v5: 0.2, Standard_D8s_v5: null },
  };

  it("reads a sourced table; sizes are case-insensitive and null means unknown", () => {
    const table = parsePriceTable(valid, "prices.json");
    expect(table.pricesAsOf).toBe("2026-11-01");
    expect(nodeHoursCost(table, [{ vmSize: "standard_d4s_V5", nodeHours: 10 }])).toEqual({
      kind: "known",
      amount: 2,
      currency: "EUR",
      prices: { source: valid.source, sourced: true, pricesAsOf: "2026-11-01" },
    });
    expect(nodeHoursCost(table, [{ vmSize: "Standard_D8s_v5", nodeHours: 10 }]).kind).toBe("unknown");
  });

  const bad: Array<[string, unknown, string]> = [
    ["not an object", [], "prices.json: is not a JSON object"],
    ["no source", { ...valid, source: " " }, "prices.json: source must be a non-empty string"],
    [
      "sourced without a date",
      { ...valid, pricesAsOf: null },
      "a sourced table needs pricesAsOf and a source",
    ],
    [
      "sourced without a URL",
      { ...valid, source: "the portal" },
      "a sourced table needs pricesAsOf and a source",
    ],
    ["a bad date", { ...valid, pricesAsOf: "Nov 2026" }, 'pricesAsOf "Nov 2026" must be a calendar date'],
    ["a bad currency", { ...valid, currency: "euro" }, 'currency "euro" must be an ISO 4217 code'],
    [
      "a zero price",
      { ...valid, pricesPerNodeHour: { Standard_D4s_v5: 0 } },
      "pricesPerNodeHour.Standard_D4s_v5 is 0; expected a positive EUR amount or null",
    ],
    [
      "a price as text",
      { ...valid, pricesPerNodeHour: { Standard_D4s_v5: "0.2" } },
      'pricesPerNodeHour.Standard_D4s_v5 is "0.2"',
    ],
    [
      "a size listed twice",
      { ...valid, pricesPerNodeHour: { Standard_D4s_v5: 0.2, standard_d4s_v5: 0.3 } },
      "lists standard_d4s_v5 twice",
    ],
    ["no prices", { ...valid, pricesPerNodeHour: undefined }, "pricesPerNodeHour must be an object"],
  ];
  it.each(bad)("rejects %s", (_name, value, message) => {
    expect(() => parsePriceTable(value, "prices.json")).toThrow(message);
  });
});

describe("nodeHoursCost", () => {
  const table = testPriceTable();
  const cases: Array<[string, Parameters<typeof nodeHoursCost>[1], Cost]> = [
    ["nothing", [], known(0)],
    ["one size", [{ vmSize: "Standard_D4s_v5", nodeHours: 100 }], known(50)],
    [
      "two sizes",
      [
        { vmSize: "Standard_D4s_v5", nodeHours: 100 },
        { vmSize: "Standard_E8s_v5", nodeHours: 10 },
      ],
      known(70),
    ],
    [
      "an unknown size makes the total unknown, keeping what was priced",
      [
        { vmSize: "Standard_D4s_v5", nodeHours: 100 },
        { vmSize: "Standard_NC24ads_A100_v4", nodeHours: 1 },
        { vmSize: "Standard_L8s_v3", nodeHours: 0 },
      ],
      {
        kind: "unknown",
        currency: "USD",
        prices: SYNTHETIC,
        unknownVmSizes: ["Standard_L8s_v3", "Standard_NC24ads_A100_v4"],
        knownPart: 50,
      },
    ],
  ];
  it.each(cases)("%s", (_name, usage, expected) => {
    expect(nodeHoursCost(table, usage)).toEqual(expected);
  });

  it("rejects negative node-hours", () => {
    expect(() => nodeHoursCost(table, [{ vmSize: "Standard_D4s_v5", nodeHours: -1 }])).toThrow(
      "node-hours of Standard_D4s_v5 is -1; expected a non-negative number",
    );
  });
});

describe("overlapCost", () => {
  const table = testPriceTable();
  const cases: Array<[string, number, OverlapPlan, { overlapNodeHours: number; durationHours: number }]> = [
    [
      "4 nodes drained one an hour after a 2 h soak, each deleted once empty",
      4,
      { soakHours: 2, drainHoursPerNode: 1, pattern: { kind: "sequential" } },
      { overlapNodeHours: 4 * 2 + (1 + 2 + 3 + 4), durationHours: 6 },
    ],
    [
      "the same pool kept whole until 4 h after the drain (the article's rollback window)",
      4,
      { soakHours: 2, drainHoursPerNode: 1, pattern: { kind: "retain-old-pool", retentionHours: 4 } },
      { overlapNodeHours: 4 * 10, durationHours: 10 },
    ],
    [
      "one node, no soak",
      1,
      { soakHours: 0, drainHoursPerNode: 0.5, pattern: { kind: "sequential" } },
      { overlapNodeHours: 0.5, durationHours: 0.5 },
    ],
    [
      "an empty pool costs nothing to replace",
      0,
      { soakHours: 24, drainHoursPerNode: 1, pattern: { kind: "retain-old-pool", retentionHours: 4 } },
      { overlapNodeHours: 0, durationHours: 28 },
    ],
  ];
  it.each(cases)("%s", (_name, nodeCount, plan, expected) => {
    const estimate = overlapCost(table, { vmSize: "Standard_D4s_v5", nodeCount }, plan);
    expect(estimate).toEqual({ ...expected, cost: known(expected.overlapNodeHours * 0.5) });
  });

  it("makes sequential deletion cheaper than keeping the pool, more so for larger pools", () => {
    const plan = (pattern: OverlapPlan["pattern"]): OverlapPlan => ({
      soakHours: 4,
      drainHoursPerNode: 0.5,
      pattern,
    });
    for (const nodeCount of [2, 10, 50]) {
      const pool = { vmSize: "Standard_D4s_v5", nodeCount };
      const sequential = overlapCost(table, pool, plan({ kind: "sequential" })).overlapNodeHours;
      const retained = overlapCost(
        table,
        pool,
        plan({ kind: "retain-old-pool", retentionHours: 0 }),
      ).overlapNodeHours;
      expect(sequential).toBeLessThan(retained);
      // The drain part shrinks to (n + 1) / 2n of a kept pool's.
      expect(sequential - nodeCount * 4).toBeCloseTo(
        ((retained - nodeCount * 4) * (nodeCount + 1)) / (2 * nodeCount),
      );
    }
  });

  it("stepped: counts the nodes beyond the old pool's count through the soak, each batch and the retention", () => {
    const stepped = (grow: boolean, shrink: boolean): OverlapPlan => ({
      soakHours: 1,
      drainHoursPerNode: 0.5,
      pattern: {
        kind: "stepped",
        batches: 2,
        growNewPool: grow,
        headroomNodes: 1,
        shrinkOldPool: shrink,
        retainedNodes: 0,
        retentionHours: 4,
      },
    });
    const pool = { vmSize: "Standard_D4s_v5", nodeCount: 8 };
    // Both pools whole from creation to the end: the retain-old-pool figure, four batches of two.
    expect(overlapCost(table, pool, stepped(false, false))).toMatchObject({
      overlapNodeHours: 8 * (1 + 4 * 0.5 + 4),
      durationHours: 7,
    });
    // Created with two batches and headroom (5), kept two batches ahead but one short of whole until machines
    // go (7, 8, 8, 8); each batch's machines gone as the next starts (8, 6, 4, 2); none retained.
    expect(overlapCost(table, pool, stepped(true, true)).overlapNodeHours).toBeCloseTo(
      1 * 5 + 0.5 * (7 + 8 - 8) + 0.5 * (8 + 6 - 8) + 0.5 * (8 + 4 - 8) + 0.5 * (8 + 2 - 8),
    );
    // Each half alone saves part of it.
    const full = overlapCost(table, pool, stepped(false, false)).overlapNodeHours;
    expect(overlapCost(table, pool, stepped(true, false)).overlapNodeHours).toBeLessThan(full);
    expect(overlapCost(table, pool, stepped(false, true)).overlapNodeHours).toBeLessThan(full);
  });

  it("stepped: takes the plan's own batch sizes, or the automatic cap without them", () => {
    const plan = (batches: number | "auto" | number[]): OverlapPlan => ({
      soakHours: 0,
      drainHoursPerNode: 1,
      pattern: {
        kind: "stepped",
        batches,
        growNewPool: false,
        headroomNodes: 1,
        shrinkOldPool: false,
        retainedNodes: 0,
        retentionHours: 0,
      },
    });
    const pool = { vmSize: "Standard_D4s_v5", nodeCount: 50 };
    expect(overlapCost(table, pool, plan([30, 20])).durationHours).toBe(2);
    // A fifth of 50 nodes: five batches of ten.
    expect(overlapCost(table, pool, plan("auto")).durationHours).toBe(5);
    expect(overlapCost(table, pool, plan(1)).durationHours).toBe(50);
  });

  it("reproduces the article's example: $2,000 a day kept twice for 7 days adds $14,000", () => {
    const tenNodes = testPriceTable({ Standard_D4s_v5: 2000 / 24 / 10 });
    const estimate = overlapCost(
      tenNodes,
      { vmSize: "Standard_D4s_v5", nodeCount: 10 },
      { soakHours: 0, drainHoursPerNode: 0, pattern: { kind: "retain-old-pool", retentionHours: 7 * 24 } },
    );
    expect(estimate.cost.kind === "known" && estimate.cost.amount).toBeCloseTo(14_000, 6);
  });

  it("reports an unknown VM size as unknown, not as free", () => {
    const estimate = overlapCost(
      table,
      { vmSize: "Standard_M416ms_v2", nodeCount: 3 },
      { soakHours: 1, drainHoursPerNode: 1, pattern: { kind: "sequential" } },
    );
    expect(estimate.overlapNodeHours).toBe(9);
    expect(estimate.cost).toEqual({
      kind: "unknown",
      currency: "USD",
      prices: SYNTHETIC,
      unknownVmSizes: ["Standard_M416ms_v2"],
      knownPart: 0,
    });
  });

  it("rejects impossible plans with the field named", () => {
    const pool = { vmSize: "Standard_D4s_v5", nodeCount: 3 };
    const sequential = { kind: "sequential" } as const;
    expect(() =>
      overlapCost(
        table,
        { ...pool, nodeCount: 2.5 },
        { soakHours: 0, drainHoursPerNode: 1, pattern: sequential },
      ),
    ).toThrow("node count of the Standard_D4s_v5 pool is 2.5");
    expect(() =>
      overlapCost(table, pool, { soakHours: -1, drainHoursPerNode: 1, pattern: sequential }),
    ).toThrow("soakHours is -1");
    expect(() =>
      overlapCost(table, pool, {
        soakHours: 0,
        drainHoursPerNode: 1,
        pattern: { kind: "retain-old-pool", retentionHours: Number.NaN },
      }),
    ).toThrow("retentionHours is NaN");
  });
});

describe("rotationTax", () => {
  it("reproduces the article's 20% tax: 4 migrations a year, each keeping the pool twice for 438 hours", () => {
    // Spend $1M a year; each migration overlaps 438 h, so 4 of them cost $200K.
    const pricePerNode = 1_000_000 / (10 * HOURS_PER_YEAR);
    const table = testPriceTable({ Standard_D8s_v5: pricePerNode });
    const tax = rotationTax(table, [{ vmSize: "Standard_D8s_v5", nodeCount: 10, migrationsPerYear: 4 }], {
      soakHours: 438,
      drainHoursPerNode: 0,
      pattern: { kind: "retain-old-pool", retentionHours: 0 },
    });
    expect(tax.migrationsPerYear).toBe(4);
    expect(tax.annualSpend.kind === "known" && tax.annualSpend.amount).toBeCloseTo(1_000_000, 6);
    expect(tax.annualOverlap.kind === "known" && tax.annualOverlap.amount).toBeCloseTo(200_000, 6);
    expect(tax.share).toBeCloseTo(0.2, 10);
  });

  it("adds up a fleet whose pools rotate at different rates", () => {
    const table = testPriceTable();
    const plan: OverlapPlan = { soakHours: 0, drainHoursPerNode: 1, pattern: { kind: "sequential" } };
    const tax = rotationTax(
      table,
      [
        { vmSize: "Standard_D4s_v5", nodeCount: 3, migrationsPerYear: 1 / 3 },
        { vmSize: "Standard_E8s_v5", nodeCount: 2, migrationsPerYear: 1 },
      ],
      plan,
    );
    // Overlap: D4s 6 node-hours * 0.5 / 3 = 1; E8s 3 node-hours * 2 = 6. Spend: (1.5 + 4) * 8760.
    expect(tax.annualOverlap.kind === "known" && tax.annualOverlap.amount).toBeCloseTo(7, 10);
    expect(tax.annualSpend).toEqual(known(5.5 * HOURS_PER_YEAR));
    expect(tax.share).toBeCloseTo(7 / (5.5 * HOURS_PER_YEAR), 12);
    expect(tax.migrationsPerYear).toBeCloseTo(4 / 3, 12);
  });

  it("leaves the share unknown while a pool's VM size has no price", () => {
    const tax = rotationTax(
      testPriceTable(),
      [
        { vmSize: "Standard_D4s_v5", nodeCount: 3, migrationsPerYear: 1 },
        { vmSize: "Standard_HB120rs_v3", nodeCount: 2, migrationsPerYear: 1 },
      ],
      { soakHours: 1, drainHoursPerNode: 1, pattern: { kind: "sequential" } },
    );
    expect(tax.share).toBeUndefined();
    expect(tax.annualSpend).toMatchObject({ kind: "unknown", unknownVmSizes: ["Standard_HB120rs_v3"] });
    expect(tax.annualOverlap).toMatchObject({ kind: "unknown", unknownVmSizes: ["Standard_HB120rs_v3"] });
  });
});
