// The twin as an operator meets it: the kubectl installed on this machine against a simulated cluster,
// compared with what the API holds (read through client-node).

import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, type Fixture, startFixture, statusOf } from "./fixture.ts";

const CLUSTER = "aks-prod-weu";
const KUBECTL = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
if (!KUBECTL) console.warn("test/sim/kubectl.test.ts skipped: kubectl is not installed on this machine");

const run = promisify(execFile);

/** kubectl's table output as rows of cells keyed by header (columns are 2+ spaces apart). */
function table(output: string): Array<Record<string, string>> {
  const [header = "", ...lines] = output.trimEnd().split("\n");
  const columns = header.trim().split(/\s{2,}/);
  return lines.map((line) => {
    const cells = line.trim().split(/\s{2,}/);
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""]));
  });
}

function headerOf(output: string): string[] {
  return (output.split("\n")[0] ?? "").trim().split(/\s{2,}/);
}

describe.skipIf(!KUBECTL)("kubectl against a simulated cluster", () => {
  let f: Fixture;
  let core: k8s.CoreV1Api;
  let dir: string;
  let kubeconfig: string;

  /** Runs kubectl with the cluster's kubeconfig and its own cache; stdout, or the failure's stderr. */
  async function kubectl(...args: string[]): Promise<string> {
    const { stdout } = await run(
      "kubectl",
      ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args],
      {
        env: { PATH: process.env.PATH ?? "", HOME: dir },
      },
    );
    return stdout;
  }

  beforeAll(async () => {
    f = await startFixture({ scenarioFile: DEMO });
    f.clock.pause();
    dir = mkdtempSync(join(tmpdir(), "kubectl-test-"));
    kubeconfig = join(dir, "kubeconfig.yaml");
    const kc = f.kube(CLUSTER);
    writeFileSync(kubeconfig, kc.exportConfig());
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  afterAll(async () => {
    await f.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("get nodes -o wide prints the apiserver's node columns, filled from the nodes", async () => {
    const output = await kubectl("get", "nodes", "-o", "wide");
    expect(headerOf(output)).toEqual([
      "NAME",
      "STATUS",
      "ROLES",
      "AGE",
      "VERSION",
      "INTERNAL-IP",
      "EXTERNAL-IP",
      "OS-IMAGE",
      "KERNEL-VERSION",
      "CONTAINER-RUNTIME",
    ]);
    const nodes = (await core.listNode()).items;
    const rows = table(output);
    expect(rows.map((r) => r.NAME)).toEqual(nodes.map((n) => n.metadata?.name));
    for (const [i, node] of nodes.entries()) {
      expect(rows[i]).toMatchObject({
        STATUS: "Ready",
        ROLES: "agent",
        VERSION: node.status?.nodeInfo?.kubeletVersion,
        "INTERNAL-IP": node.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
        "EXTERNAL-IP": "<none>",
        "KERNEL-VERSION": node.status?.nodeInfo?.kernelVersion,
        "CONTAINER-RUNTIME": node.status?.nodeInfo?.containerRuntimeVersion,
      });
    }
  });

  it("get pods -A -o wide prints readiness, status, IP and node of every pod", async () => {
    const output = await kubectl("get", "pods", "-A", "-o", "wide");
    expect(headerOf(output)).toEqual([
      "NAMESPACE",
      "NAME",
      "READY",
      "STATUS",
      "RESTARTS",
      "AGE",
      "IP",
      "NODE",
      "NOMINATED NODE",
      "READINESS GATES",
    ]);
    const pods = (await core.listPodForAllNamespaces()).items;
    const rows = new Map(table(output).map((r) => [`${r.NAMESPACE}/${r.NAME}`, r]));
    expect(rows.size).toBe(pods.length);
    for (const pod of pods) {
      const row = rows.get(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
      expect(row).toMatchObject({
        READY: pod.status?.phase === "Running" ? "1/1" : "0/1",
        STATUS: pod.status?.phase,
        IP: pod.status?.podIP,
        NODE: pod.spec?.nodeName,
      });
    }
  });

  it("knows the short names and the 'all' category, from the aggregated discovery alone", async () => {
    const verbose = await run(
      "kubectl",
      [
        "--kubeconfig",
        kubeconfig,
        "--cache-dir",
        join(dir, "fresh-cache"),
        "-v=6",
        "get",
        "po,deploy,rs,sts,ds,pdb",
        "-n",
        "shop",
      ],
      { env: { PATH: process.env.PATH ?? "", HOME: dir } },
    );
    expect(verbose.stderr).toMatch(/GET https:\/\/\S+\/apis\?timeout=\S+ 200 OK/);
    expect(verbose.stderr).not.toMatch(/GET https:\/\/\S+\/apis\/apps\/v1\?/);
    expect(verbose.stdout).toContain("deployment.apps/storefront");
    expect(verbose.stdout).toContain("statefulset.apps/orders-db");
    expect(verbose.stdout).toContain("poddisruptionbudget.policy/storefront");
    const all = await kubectl("get", "all", "-n", "shop", "-o", "name");
    const pods = (await core.listNamespacedPod({ namespace: "shop" })).items.map(
      (p) => `pod/${p.metadata?.name}`,
    );
    expect(all.trim().split("\n")).toEqual(
      expect.arrayContaining([...pods, "deployment.apps/storefront", "statefulset.apps/orders-db"]),
    );
    const resources = table(await kubectl("api-resources"));
    expect(resources.find((r) => r.NAME === "poddisruptionbudgets")?.SHORTNAMES).toBe("pdb");
  });

  it("get pdb prints each budget's bounds and the disruptions it allows", async () => {
    const output = await kubectl("get", "pdb", "-n", "shop");
    expect(headerOf(output)).toEqual([
      "NAME",
      "MIN AVAILABLE",
      "MAX UNAVAILABLE",
      "ALLOWED DISRUPTIONS",
      "AGE",
    ]);
    const budgets = (
      await f
        .kube(CLUSTER)
        .makeApiClient(k8s.PolicyV1Api)
        .listNamespacedPodDisruptionBudget({ namespace: "shop" })
    ).items;
    expect(table(output)).toEqual(
      budgets.map((b) => ({
        NAME: b.metadata?.name,
        "MIN AVAILABLE": b.spec?.minAvailable === undefined ? "N/A" : String(b.spec.minAvailable),
        "MAX UNAVAILABLE": b.spec?.maxUnavailable === undefined ? "N/A" : String(b.spec.maxUnavailable),
        "ALLOWED DISRUPTIONS": String(b.status?.disruptionsAllowed),
        AGE: expect.any(String),
      })),
    );
  });

  it("describe node shows the node's lease, renewed as simulated time passes", async () => {
    const node = (await core.listNode()).items[0]?.metadata?.name as string;
    const renewTime = async () => {
      const text = await kubectl("describe", "node", node);
      expect(text).not.toContain("Failed to get lease");
      expect(text).toMatch(new RegExp(`HolderIdentity:\\s+${node}`));
      return Date.parse(/RenewTime:\s+(.+)/.exec(text)?.[1] as string);
    };
    const before = await renewTime();
    expect(f.clock.now() - before).toBeLessThan(10_000);
    await f.clock.advanceBy(35_000);
    const after = await renewTime();
    expect(after - before).toBeGreaterThanOrEqual(30_000);
    expect(f.clock.now() - after).toBeLessThan(10_000);
  });

  it("auth whoami and can-i answer for the token's identity (the local account, an Entra ID user); a review naming nothing is refused", async () => {
    expect(table(await kubectl("auth", "whoami"))).toEqual([
      { ATTRIBUTE: "Username", VALUE: "masterclient" },
      { ATTRIBUTE: "Groups", VALUE: "[system:masters system:authenticated]" },
    ]);
    expect((await kubectl("auth", "can-i", "create", "pods/eviction", "-n", "shop")).trim()).toBe("yes");
    const claims = {
      upn: "ops@contoso.example",
      oid: "5f0c2a1e-0000-4000-8000-000000000001",
      groups: ["aks-operators"],
    };
    const entraToken = `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.signature`;
    expect(table(await kubectl("auth", "whoami", "--token", entraToken))).toEqual([
      { ATTRIBUTE: "Username", VALUE: "ops@contoso.example" },
      { ATTRIBUTE: "UID", VALUE: claims.oid },
      { ATTRIBUTE: "Groups", VALUE: "[aks-operators system:authenticated]" },
      { ATTRIBUTE: "Extra: oid", VALUE: `[${claims.oid}]` },
    ]);
    const authorization = f.kube(CLUSTER).makeApiClient(k8s.AuthorizationV1Api);
    const neither = await authorization.createSelfSubjectAccessReview({ body: { spec: {} } }).catch((e) => e);
    expect(statusOf(neither)).toMatchObject({ code: 422, reason: "Invalid" });
  });

  it("a scale leaves the deployment and replicaset controllers' events", async () => {
    await kubectl("scale", "deployment/storefront", "-n", "shop", "--replicas=8");
    const rs = (
      await f
        .kube(CLUSTER)
        .makeApiClient(k8s.AppsV1Api)
        .listNamespacedReplicaSet({ namespace: "shop", labelSelector: "app=storefront" })
    ).items[0]?.metadata?.name;
    const pods = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=storefront" })).items;
    const created = pods.filter((p) => p.status?.phase === "Pending").map((p) => p.metadata?.name);
    expect(created).toHaveLength(2);
    const events = table(await kubectl("get", "events", "-n", "shop"));
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          REASON: "ScalingReplicaSet",
          OBJECT: "deployment/storefront",
          MESSAGE: `Scaled up replica set ${rs} from 6 to 8`,
        }),
        ...created.map((name) =>
          expect.objectContaining({
            REASON: "SuccessfulCreate",
            OBJECT: `replicaset/${rs}`,
            MESSAGE: `Created pod: ${name}`,
          }),
        ),
      ]),
    );
  });

  it("top nodes and top pods read the Metrics API: a node uses its pods' usage and half its reservation", async () => {
    const nodes = table(await kubectl("top", "nodes"));
    const pods = table(await kubectl("top", "pods", "-A"));
    const running = (await core.listPodForAllNamespaces({ fieldSelector: "status.phase=Running" })).items;
    expect(pods.map((p) => `${p.NAMESPACE}/${p.NAME}`).sort()).toEqual(
      running.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort(),
    );
    const node = (await core.listNode()).items[0] as k8s.V1Node;
    const milli = (cpu: string) => (cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);
    const onNode = running.filter((p) => p.spec?.nodeName === node.metadata?.name);
    const podCpu = onNode
      .map((p) => pods.find((r) => r.NAMESPACE === p.metadata?.namespace && r.NAME === p.metadata?.name))
      .reduce((sum, r) => sum + milli(r?.["CPU(cores)"] as string), 0);
    const reserved =
      milli(node.status?.capacity?.cpu as string) - milli(node.status?.allocatable?.cpu as string);
    const nodeCpu = milli(nodes.find((r) => r.NAME === node.metadata?.name)?.["CPU(cores)"] as string);
    expect(Math.abs(nodeCpu - (podCpu + reserved / 2))).toBeLessThanOrEqual(1);
  });

  it("a pod with no running container goes at once; a running one stays Terminating", async () => {
    await kubectl("run", "sleeper", "-n", "default", "--image=mcr.microsoft.com/azurelinux/busybox");
    await kubectl("delete", "pod", "sleeper", "-n", "default", "--wait=false");
    await kubectl("delete", "pod", "debug-shell", "-n", "default", "--wait=false");
    await f.clock.advanceBy(1_000);
    const rows = table(await kubectl("get", "pods", "-n", "default"));
    expect(rows).toEqual([expect.objectContaining({ NAME: "debug-shell", STATUS: "Terminating" })]);
  });

  it("uncordon leaves no empty taints behind", async () => {
    const name = (await core.listNode({ labelSelector: "agentpool=apps" })).items[0]?.metadata
      ?.name as string;
    await kubectl("cordon", name);
    expect(table(await kubectl("get", "node", name))[0]?.STATUS).toBe("Ready,SchedulingDisabled");
    await kubectl("uncordon", name);
    const spec = JSON.parse(await kubectl("get", "node", name, "-o", "jsonpath={.spec}"));
    expect(spec).not.toHaveProperty("taints");
    expect(spec).not.toHaveProperty("unschedulable");
  });

  it("apply validates against the OpenAPI document (fields the kind lacks are refused) and explain reads it", async () => {
    const manifest = (image: string, extra = "") =>
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: hello, namespace: default}",
        "spec:",
        "  replicas: 2",
        "  selector: {matchLabels: {app: hello}}",
        "  template:",
        "    metadata: {labels: {app: hello}}",
        "    spec:",
        "      containers:",
        `      - {name: hello, image: ${image}${extra}}`,
      ].join("\n");
    const file = join(dir, "hello.yaml");
    writeFileSync(file, manifest("nginx"));
    expect((await kubectl("apply", "-f", file)).trim()).toBe("deployment.apps/hello created");
    writeFileSync(file, manifest("nginx:1.27"));
    expect((await kubectl("apply", "-f", file)).trim()).toBe("deployment.apps/hello configured");
    const apps = f.kube(CLUSTER).makeApiClient(k8s.AppsV1Api);
    const applied = await apps.readNamespacedDeployment({ name: "hello", namespace: "default" });
    expect(applied.spec?.template.spec?.containers[0]?.image).toBe("nginx:1.27");
    writeFileSync(file, manifest("nginx:1.27", ", imagee: typo"));
    const refused = await kubectl("apply", "-f", file).catch((e: { stderr: string }) => e.stderr);
    expect(refused).toContain(
      'strict decoding error: unknown field "spec.template.spec.containers[0].imagee"',
    );
    const explained = await kubectl("explain", "deployment.spec.strategy");
    expect(explained).toMatch(/KIND:\s+Deployment/);
    expect(explained).toMatch(/rollingUpdate\s+<\w+>/);
    expect(explained).toMatch(/type\s+<string>/);
  });
});
