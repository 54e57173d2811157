// Starts real Azurite (Table service) as a child process, for npm start and the tests.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";

/** Azurite's well-known development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  readonly tableEndpoint: string;
  readonly connectionString: string;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  /** Directory for Azurite's files; in-memory when absent. */
  location?: string;
}

const tableMain = createRequire(import.meta.url).resolve("azurite/dist/src/table/main.js");

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  let lastError: unknown;
  // The port is probed free then handed to Azurite, which cannot report an ephemeral one: retry on a lost race.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(port, options);
      const tableEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
      return {
        tableEndpoint,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${tableEndpoint};`,
        close: () => stop(child),
      };
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`Azurite did not start: ${String(lastError)}`);
}

function launch(port: number, options: AzuriteOptions): Promise<ChildProcess> {
  const persistence = options.location ? ["--location", options.location] : ["--inMemoryPersistence"];
  const args = [
    tableMain,
    "--tableHost",
    "127.0.0.1",
    "--tablePort",
    String(port),
    ...persistence,
    "--disableTelemetry",
    "--skipApiVersionCheck",
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("successfully started")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`Azurite exited with code ${code}: ${output.trim()}`)));
    child.once("error", reject);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  // SIGINT is Azurite's graceful shutdown (it flushes its database); SIGKILL if it hangs.
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGINT");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
