// `aks-image-lifecycle notices send` against the simulated Service Bus namespace, and what the queue
// trigger does with what it receives: ingest into Table Storage (test/e2e runs the trigger itself).
import { join } from "node:path";
import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../bin/cli.ts";
import { type ServiceBusNamespace, startServiceBusNamespace } from "../../local/sim/servicebus/namespace.ts";
import { TableNoticeRepository } from "../../shared/azure/tables/notice-repository.ts";
import { ingestNoticeMessage } from "../../shared/notices/ingest-notice.ts";
import { useAzuriteTables } from "../support/table-fixture.ts";

const tables = useAzuriteTables();
const FIXTURES = join(import.meta.dirname, "../fixtures/notices");
const SAMPLE = join(import.meta.dirname, "../../local/notices/azure-linux-2-removal-moved.notice.json");
const WITHDRAWAL = join(
  import.meta.dirname,
  "../../local/notices/azure-linux-2-removal-moved.withdrawal.json",
);
const QUEUE = "retirement-notices";
let namespace: ServiceBusNamespace;
let client: ServiceBusClient;

beforeAll(async () => {
  namespace = await startServiceBusNamespace({
    queues: [{ name: QUEUE, requiresDuplicateDetection: true, maxDeliveryCount: 3 }],
  });
  client = new ServiceBusClient(namespace.connectionString);
});

afterAll(async () => {
  await client?.close();
  await namespace?.close();
});

function cli(args: string[], env: Record<string, string> = {}) {
  const out = { stdout: "", stderr: "" };
  const io = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env,
    now: () => new Date("2026-11-25T08:00:00Z"),
  };
  return runCli(args, io).then((code) => ({ code, ...out }));
}

async function drain() {
  const receiver = client.createReceiver(QUEUE);
  const messages = await receiver.receiveMessages(10, { maxWaitTimeInMs: 500 });
  return { receiver, messages };
}

describe("aks-image-lifecycle notices send", () => {
  it("sends a valid notice once (message id from the file), which the service records once", async () => {
    const file = SAMPLE;
    const args = ["notices", "send", file, "--connection-string", namespace.connectionString];
    const sent = await cli(args);
    expect(sent).toMatchObject({ code: 0, stderr: "" });
    expect(sent.stdout).toBe(
      "sent notice for osSku AzureLinux2: images removed 2026-06-30 (source https://github.com/Azure/AKS/issues/4988)\n" +
        "  to queue retirement-notices as message azl2-removal-2026-06-30\n",
    );
    // The same file again: the queue's duplicate detection drops it.
    expect((await cli(args)).code).toBe(0);

    const { receiver, messages } = await drain();
    expect(messages).toHaveLength(1);
    const [message] = messages;
    if (!message) throw new Error("no message");
    expect(message.messageId).toBe("azl2-removal-2026-06-30");
    expect(message.applicationProperties).toEqual({ shape: "product-notice" });

    const repo = new TableNoticeRepository(tables.store());
    const outcome = await ingestNoticeMessage(repo, {
      body: message.body,
      messageId: String(message.messageId),
      receivedAt: (message.enqueuedTimeUtc as Date).toISOString(),
    });
    await receiver.completeMessage(message);
    await receiver.close();
    expect(outcome).toMatchObject({
      kind: "notice",
      noticeId: "azl2-removal-2026-06-30",
      acceptance: "accepted",
    });
    expect((await repo.notices())[0]?.notice.imageRemoval).toBe("2026-06-30");
  });

  it("uses a hash of the content as message id when the file has no id, and reads settings from the environment", async () => {
    const file = join(FIXTURES, "kubernetes-1-33-end-of-support.notice.json");
    const sent = await cli(["notices", "send", file], {
      ServiceBusConnection: namespace.connectionString,
      NOTICES_QUEUE: QUEUE,
    });
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/as message [0-9a-f]{64}\n$/);
    const { receiver, messages } = await drain();
    for (const message of messages) await receiver.completeMessage(message);
    await receiver.close();
    expect(messages.map((m) => m.messageId)).toEqual([sent.stdout.match(/as message ([0-9a-f]{64})/)?.[1]]);
  });

  it("sends an AKS event under its event id", async () => {
    const sent = await cli([
      "notices",
      "send",
      join(FIXTURES, "cloud-event-node-pool-rolling-failed.json"),
      "--connection-string",
      namespace.connectionString,
    ]);
    expect(sent.stdout).toContain(
      "sent cluster event: Node pool apps of cluster prod-weu: rolling its nodes (upgrade or update) failed",
    );
    expect(sent.stdout).toContain("as message 8c1f3d5e-0c7e-4c3b-9a51-3c2d1b8f0a04");
    const { receiver, messages } = await drain();
    for (const message of messages) await receiver.completeMessage(message);
    await receiver.close();
    expect(messages).toHaveLength(1);
  });

  it("sends a withdrawal under its id", async () => {
    const sent = await cli([
      "notices",
      "send",
      WITHDRAWAL,
      "--connection-string",
      namespace.connectionString,
    ]);
    expect(sent).toEqual({
      code: 0,
      stdout:
        "sent withdrawal of notice azl2-removal-2026-06-30 about osSku AzureLinux2 (source https://github.com/Azure/AKS/issues/4988)\n" +
        "  to queue retirement-notices as message azl2-removal-2026-06-30-withdrawn\n",
      stderr: "",
    });
    const { receiver, messages } = await drain();
    for (const message of messages) await receiver.completeMessage(message);
    await receiver.close();
    expect(messages.map((m) => m.messageId)).toEqual(["azl2-removal-2026-06-30-withdrawn"]);
  });

  it("refuses a bad file locally with every reason, and sends nothing", async () => {
    const before = namespace.counts(QUEUE).active;
    const refused = await cli([
      "notices",
      "send",
      join(FIXTURES, "invalid/notice-bad-date-and-http-source.json"),
      "--connection-string",
      namespace.connectionString,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      `aks-image-lifecycle notices: ${join(FIXTURES, "invalid/notice-bad-date-and-http-source.json")} refused, nothing sent: lifecycle notice refused: 2 problems\n` +
        '  - imageRemoval: expected a calendar date YYYY-MM-DD, got "2026-02-30"\n' +
        '  - sourceUrl: expected an https URL, got "http://example.com/retirement"\n',
    );
    expect(namespace.counts(QUEUE).active).toBe(before);
  });

  it("says what is missing: the file, the connection, a valid connection, the action", async () => {
    const file = join(FIXTURES, "kubernetes-1-33-end-of-support.notice.json");
    expect((await cli(["notices", "send", "/no/such/file.json"])).stderr).toMatch(
      /^aks-image-lifecycle notices: cannot read \/no\/such\/file\.json: ENOENT/,
    );
    const noConnection = await cli(["notices", "send", file]);
    expect(noConnection.code).toBe(2);
    expect(noConnection.stderr).toContain(
      "no Service Bus connection: pass --connection-string or set ServiceBusConnection",
    );
    const badConnection = await cli(["notices", "send", file, "--connection-string", "Endpoint=https://x"]);
    expect(badConnection.stderr).toContain(
      "ServiceBusConnection: expected a Service Bus connection string (Endpoint=sb://…;…)",
    );
    expect((await cli(["notices", "push", file])).stderr).toContain('unknown action "push" (expected send)');
    expect(
      (
        await cli([
          "notices",
          "send",
          file,
          "--queue",
          "no-such-queue",
          "--connection-string",
          namespace.connectionString,
        ])
      ).stderr,
    ).toMatch(/^aks-image-lifecycle notices: could not send to queue no-such-queue: /);
  });
});
