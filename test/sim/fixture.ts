// Starts the simulator for a test on a virtual clock and hands out real SDK clients that trust its CA.

import https from "node:https";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import * as k8s from "@kubernetes/client-node";
import type { VirtualClock } from "../../local/clock.ts";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { type Simulator, startSimulator } from "../../local/sim/simulator.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read ARM's and the admin API's JSON by path
type Json = any;

export const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
export const PROD_SUBSCRIPTION = "3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b";

export interface Fixture {
  sim: Simulator;
  clock: VirtualClock;
  arm(subscriptionId?: string): ContainerServiceClient;
  graph(): ResourceGraphClient;
  kube(cluster: string): k8s.KubeConfig;
  /** A raw HTTPS request to the ARM endpoint (for bodies the SDK would never send). */
  raw(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Json }>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
}

/** A fresh simulator on `scenario` with its clock paused, and a CoreV1Api on `cluster`. */
export async function startPausedCluster(
  scenario: ScenarioInput,
  cluster: string,
): Promise<{ f: Fixture; core: k8s.CoreV1Api }> {
  const f = await startFixture({ scenario });
  f.clock.pause();
  return { f, core: f.kube(cluster).makeApiClient(k8s.CoreV1Api) };
}

export async function startFixture(
  scenario: { scenarioFile: string } | { scenario: ScenarioInput },
): Promise<Fixture> {
  const sim = await startSimulator({ ...scenario, clock: "virtual", serviceBus: false });
  const options = { ...sim.azureClientOptions(), retryOptions: { maxRetries: 0 } };
  return {
    sim,
    clock: sim.clock as VirtualClock,
    arm: (subscriptionId = PROD_SUBSCRIPTION) =>
      new ContainerServiceClient(sim.credential, subscriptionId, options),
    graph: () => new ResourceGraphClient(sim.credential, options),
    kube(cluster) {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(sim.kubeconfigPath(cluster));
      return kc;
    },
    raw(method, path, body, headers = { authorization: "Bearer test" }) {
      const url = new URL(path, sim.endpoints.arm);
      return new Promise((resolve, reject) => {
        const req = https.request(
          url,
          {
            method,
            ca: sim.caPem,
            headers: { ...headers, "content-type": "application/json" },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: text ? JSON.parse(text) : undefined,
              });
            });
          },
        );
        req.on("error", reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    },
    async admin(method, path, body) {
      const response = await fetch(new URL(path, sim.endpoints.admin), {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** Polls LROs every few milliseconds of real time: simulated time runs on its own. */
export const FAST = { updateIntervalInMs: 5 };

export function readyStatus(node: k8s.V1Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

/** The metav1.Status an ApiException from client-node carries. */
export function statusOf(error: unknown): { code: number; reason?: string; message: string; details?: Json } {
  const body = (error as k8s.ApiException<unknown>).body;
  return typeof body === "string" ? JSON.parse(body) : (body as never);
}
