import { describe, expect, it } from "vitest";
import type { NodeOperations } from "../../../shared/domain/ports/node-operations.ts";
import type { KubeNode } from "../../../shared/domain/workloads/cluster-facts.ts";
import { observeHealth } from "../../../shared/migration/health-observation.ts";

const NOW = Date.parse("2026-03-02T08:10:00Z");
const iso = (secondsBeforeNow: number) => new Date(NOW - secondsBeforeNow * 1000).toISOString();

/** A node of pool `newpool` made `age` seconds ago whose Ready condition last changed `changed` seconds ago. */
function node(name: string, ready: boolean, age: number, changed = age): KubeNode {
  return {
    metadata: { name, labels: { agentpool: "newpool" }, creationTimestamp: iso(age) },
    status: {
      conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: iso(changed) }],
    },
  };
}

function observe(nodes: KubeNode[]) {
  const kube = { nodes: async () => nodes, pods: async () => [] } as unknown as NodeOperations;
  const clock = { now: () => NOW, sleep: async () => {} };
  return observeHealth(
    { nodes: kube, clock },
    {
      clusterId: "c",
      pools: ["newpool"],
    },
  );
}

describe("observeHealth", () => {
  it("tells a node not Ready since it joined from one that was Ready and is not any more", async () => {
    const seen = await observe([
      node("booting", false, 40),
      node("booting-slowly", false, 600, 595),
      node("was-ready", false, 600, 30),
      node("ready", true, 600),
    ]);
    expect(seen.notReadyNodes).toEqual(["was-ready"]);
    expect(seen.joiningNodes).toEqual([
      { node: "booting", since: iso(40) },
      { node: "booting-slowly", since: iso(600) },
    ]);
  });
});
