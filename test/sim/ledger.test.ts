// The ledger's machine history: what the bench integrates overlap node-hours from.

import { describe, expect, it } from "vitest";
import { Ledger } from "../../local/sim/model/ledger.ts";

const HOUR = 3_600_000;

describe("the ledger's machines", () => {
  it("lists every machine's running time in start order, a running one open, and sums node-hours from it", () => {
    const ledger = new Ledger();
    ledger.machineStarted("c", "new", "n-0", 2 * HOUR);
    ledger.machineStarted("c", "old", "o-0", 0);
    ledger.machineStopped("c", "o-0", 3 * HOUR);
    const snapshot = ledger.snapshot(4 * HOUR);
    expect(snapshot.machines).toEqual([
      { cluster: "c", pool: "old", machine: "o-0", from: 0, to: 3 * HOUR },
      { cluster: "c", pool: "new", machine: "n-0", from: 2 * HOUR },
    ]);
    expect(snapshot.nodeHours).toEqual([
      { cluster: "c", pool: "new", nodeHours: 2, machines: 1 },
      { cluster: "c", pool: "old", nodeHours: 3, machines: 1 },
    ]);
  });
});
