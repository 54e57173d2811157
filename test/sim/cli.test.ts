import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { fixedTokenCredential } from "../../local/sim/simulator.ts";
import { DEMO, PROD_SUBSCRIPTION } from "./fixture.ts";

describe("npm run sim", () => {
  it("prints one JSON line with every endpoint, the CA path and each cluster's kubeconfig", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sim-cli-"));
    const child = spawn(
      process.execPath,
      ["local/sim/cli.ts", "--scenario", DEMO, "--clock", "virtual", "--data", dataDir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`the simulator exited with ${code}`)));
      });
      const summary = JSON.parse(line);
      expect(summary).toMatchObject({ clock: "virtual", caPath: join(dataDir, "ca.pem") });
      expect(summary.arm).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(summary.resourceGraph).toBe(summary.arm);
      expect(summary.serviceBusConnectionString).toMatch(
        /^Endpoint=sb:\/\/127\.0\.0\.1:\d+;.*UseDevelopmentEmulator=true;?$/,
      );
      expect(Object.keys(summary.clusters)).toEqual([
        "aks-prod-weu",
        "aks-prod-eus",
        "aks-dev-weu",
        "aks-test-neu",
      ]);
      const kubeconfig = summary.clusters["aks-dev-weu"].kubeconfig;
      expect(existsSync(kubeconfig)).toBe(true);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfig);
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      expect(nodes.items).toHaveLength(5);
      const arm = new ContainerServiceClient(fixedTokenCredential, PROD_SUBSCRIPTION, {
        endpoint: summary.arm,
        tlsOptions: { ca: readFileSync(summary.caPath, "utf8") },
      });
      expect((await arm.managedClusters.get("rg-prod-weu", "aks-prod-weu")).name).toBe("aks-prod-weu");
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("refuses a scenario with a bad field, naming it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sim-cli-")), "bad.yaml");
    writeFileSync(
      file,
      readFileSync(DEMO, "utf8").replace("vmSize: Standard_D4ds_v5", "vmSize: Standard_Nope"),
    );
    const child = spawn(process.execPath, ["local/sim/cli.ts", "--scenario", file], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(`${file} is not a valid scenario:`);
    expect(stderr).toContain('subscriptions[0].clusters[0].pools[0].vmSize: unknown VM size "Standard_Nope"');
  });
});
