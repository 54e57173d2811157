// Starts real Azurite (Table service) as a child process, for npm start and the tests. The child runs in
// its own process group with local/azurite.preload.ts loaded: a terminal's Ctrl-C reaches only its starter,
// which stops it last, and it never outlives its starter (it shuts down when the IPC channel closes).
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** Azurite's well-known development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  readonly tableEndpoint: string;
  readonly connectionString: string;
  readonly pid: number;
  /** Settles when the process ends, with how it ended ("exited with code 1: …", "was killed by SIGKILL"). */
  readonly exited: Promise<string>;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  /** Directory for Azurite's files; in-memory when absent. */
  location?: string;
}

const tableMain = createRequire(import.meta.url).resolve("azurite/dist/src/table/main.js");
const preload = fileURLToPath(new URL("./azurite.preload.ts", import.meta.url));
/** Error output kept for the message when Azurite fails or dies. */
const ERRORS_TAIL_CHARS = 2_000;
/** A graceful shutdown (Azurite saves its database) that takes longer than this is cut short. */
const CLOSE_GRACE_MS = 10_000;

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  // The port is probed free then handed to Azurite, which cannot report an ephemeral one: retry on a lost race.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, options);
    } catch (error) {
      const lostRace = /EADDRINUSE/.test(String(error));
      if (!lostRace || attempt === 5) throw new Error(`Azurite did not start: ${(error as Error).message}`);
    }
  }
}

function launch(port: number, options: AzuriteOptions): Promise<Azurite> {
  const persistence = options.location ? ["--location", options.location] : ["--inMemoryPersistence"];
  const args = [
    "--import",
    preload,
    tableMain,
    "--tableHost",
    "127.0.0.1",
    "--tablePort",
    String(port),
    ...persistence,
    "--silent", // no access log
    "--disableTelemetry",
    "--skipApiVersionCheck",
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], detached: true });
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-ERRORS_TAIL_CHARS);
  });
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve(errors.trim() ? `${how}: ${errors.trim()}` : how);
    });
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const started = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes("successfully started")) return;
      child.stdout?.off("data", started);
      child.stdout?.resume();
      const tableEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
      resolve({
        tableEndpoint,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${tableEndpoint};`,
        pid: child.pid as number,
        exited,
        close: () => stop(child, exited),
      });
    };
    child.stdout?.on("data", started);
    exited.then((how) => reject(new Error(`Azurite ${how}`)));
    child.once("error", reject);
  });
}

async function stop(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // Closing the channel is Azurite's cue to shut down gracefully (the preload); SIGKILL if it hangs.
  const force = setTimeout(() => child.kill("SIGKILL"), CLOSE_GRACE_MS);
  if (child.connected) child.disconnect();
  await exited;
  clearTimeout(force);
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
