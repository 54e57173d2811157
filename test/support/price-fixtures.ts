// A price table for cost tests: synthetic round numbers chosen for the arithmetic, not Azure's prices.

import { type PriceTable, parsePriceTable } from "../../shared/domain/cost/cost.ts";

export function testPriceTable(
  prices: Record<string, number | null> = { Standard_D4s_v5: 0.5, Standard_E8s_v5: 2 },
): PriceTable {
  return parsePriceTable(
    {
      source: "synthetic test prices",
      sourced: false,
      pricesAsOf: null,
      currency: "USD",
      region: "westeurope",
      os: "Linux",
      pricing: "pay-as-you-go",
      pricesPerNodeHour: prices,
    },
    "test table",
  );
}
