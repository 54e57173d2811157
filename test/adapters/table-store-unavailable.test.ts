// Table Storage that cannot be reached is said so (StoreUnavailableError, which the read side answers with
// 503), whether nothing listens, the connection is reset, or the service answers 503 through the SDK's
// retries; a request the service refuses for its own reasons stays the SDK's error.

import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { RestError } from "@azure/data-tables";
import { afterEach, describe, expect, it } from "vitest";
import { AZURITE_ACCOUNT, AZURITE_KEY } from "../../local/azurite.ts";
import { TableStore } from "../../shared/azure/tables/table-store.ts";
import { StoreUnavailableError } from "../../shared/store-unavailable.ts";

const servers: { close(callback: () => void): void }[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise<void>((done) => server.close(() => done()))),
  );
});

function storeAt(port: number): TableStore {
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${endpoint};`;
  return new TableStore({ kind: "connection-string", connectionString }, "unavailable");
}

async function listening(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return (server.address() as { port: number }).port;
}

function answering(status: number): Server {
  return createServer((request, response) => {
    request.resume();
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify({ "odata.error": { code: "Busy", message: { value: "busy" } } }));
  });
}

describe("Table Storage that cannot be reached", () => {
  it("is unavailable when nothing listens", async () => {
    const port = await listening(answering(200));
    await new Promise<void>((done) => (servers.pop() as Server).close(() => done()));
    await expect(storeAt(port).table("Scans")).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("is unavailable when every connection is reset, after the SDK's retries", async () => {
    const port = await listening(createTcpServer((socket) => socket.resetAndDestroy()));
    const error = await storeAt(port)
      .table("Scans")
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/unreachable: Table Storage cannot be reached/);
  });

  it("is unavailable when it answers 503 through the SDK's retries", async () => {
    const port = await listening(answering(503));
    await expect(storeAt(port).table("Scans")).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("is reachable, and the SDK's own error, when it refuses the request", async () => {
    const port = await listening(answering(400));
    const error = await storeAt(port)
      .table("Scans")
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RestError);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
  });
});
