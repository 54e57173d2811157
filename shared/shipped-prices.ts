// The price table shipped with the product (shared/domain/cost/vm-prices.json). It needs no settings,
// so the CLI's offline commands read it without building the composition's adapters.

import { readFileSync } from "node:fs";
import { type PriceTable, parsePriceTable } from "./domain/cost/cost.ts";

const PRICE_TABLE = new URL("./domain/cost/vm-prices.json", import.meta.url);

export function shippedPrices(): PriceTable {
  return parsePriceTable(JSON.parse(readFileSync(PRICE_TABLE, "utf8")), "shared/domain/cost/vm-prices.json");
}
