// The embedded host's figures: a 1,000-activity fan-out, episodes per second of a 500-activity sequence,
// SQLite bytes per 1,000 history events, and peak memory. Run alone: npx node bench/host.bench.ts
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { EventType } from "../local/host/durable-history.ts";
import { startHost } from "../local/host/host.ts";
import { openDatabase } from "../local/sqlite.ts";

const APP = "test/host-app/index.ts";

interface HostFigures {
  readonly fanOutActivities: number;
  readonly fanOutSeconds: number;
  readonly fanOutEpisodes: number;
  /** The same fan-out with activities that each wait 5 ms, so results trickle in between episodes. */
  readonly waitingFanOutSeconds: number;
  readonly waitingFanOutEpisodes: number;
  readonly sequenceActivities: number;
  readonly sequenceEpisodesPerSecond: number;
  readonly historyEvents: number;
  /** The history table and its index. */
  readonly historyBytesPerThousandEvents: number;
  /** The whole file: history, bookkeeping of running instances, free pages. */
  readonly fileBytesPerThousandEvents: number;
  readonly peakRssMegabytes: number;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

export default async function benchHost(): Promise<HostFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), "host-bench-"));
  const host = await startHost({ app: APP, port: 0, dataDir, logLevel: "error" });
  let historyEvents = 0;
  const run = async (name: string, input: unknown) => {
    const client = host.getClient();
    const started = performance.now();
    const id = await client.startNew(name, { input });
    const status = await host.waitForInstance(id, { timeoutMs: 300_000 });
    const seconds = (performance.now() - started) / 1000;
    if (status.runtimeStatus !== "Completed")
      throw new Error(`${name} ended ${status.runtimeStatus}: ${status.output}`);
    // As stored, episode by episode (the HTTP API shows it folded).
    const history = host.history(id);
    historyEvents += history.length;
    return { seconds, episodes: history.filter((e) => e.EventType === EventType.OrchestratorStarted).length };
  };
  let figures: HostFigures;
  try {
    await run("sequence", { start: 0, count: 5 });
    const fanOut = await run("fanOut", { count: 1000 });
    const waitingFanOut = await run("fanOut", { count: 1000, activity: "gauge", arg: 5 });
    const sequence = await run("sequence", { start: 0, count: 500 });
    await host.stop();
    // Stopping closes the database, which folds the write-ahead log into the file.
    const file = join(dataDir, "durable.sqlite");
    const fileBytes = (await stat(file)).size;
    const db = openDatabase(file, { readOnly: true });
    const historyBytes = Number(
      db
        .prepare("SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN ('history', 'history_by_instance')")
        .get()?.bytes,
    );
    db.close();
    figures = {
      fanOutActivities: 1000,
      fanOutSeconds: fanOut.seconds,
      fanOutEpisodes: fanOut.episodes,
      waitingFanOutSeconds: waitingFanOut.seconds,
      waitingFanOutEpisodes: waitingFanOut.episodes,
      sequenceActivities: 500,
      sequenceEpisodesPerSecond: sequence.episodes / sequence.seconds,
      historyEvents,
      historyBytesPerThousandEvents: (historyBytes / historyEvents) * 1000,
      fileBytesPerThousandEvents: (fileBytes / historyEvents) * 1000,
      peakRssMegabytes: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await host.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
  const rows: [string, string][] = [
    [
      "1,000-activity fan-out, wall time",
      `${figures.fanOutSeconds.toFixed(2)} s (${figures.fanOutEpisodes} episodes)`,
    ],
    [
      "1,000-activity fan-out, 5 ms activities",
      `${figures.waitingFanOutSeconds.toFixed(2)} s (${figures.waitingFanOutEpisodes} episodes, 16 at a time)`,
    ],
    ["500-activity sequence, episodes per second", `${figures.sequenceEpisodesPerSecond.toFixed(0)} /s`],
    [
      "SQLite per 1,000 history events",
      `${kib(figures.historyBytesPerThousandEvents)} history table and index; ` +
        `${kib(figures.fileBytesPerThousandEvents)} whole file (${figures.historyEvents} events)`,
    ],
    ["peak memory (max RSS)", `${figures.peakRssMegabytes.toFixed(0)} MiB`],
  ];
  for (const [name, value] of rows) console.log(`host  ${name.padEnd(46)} ${value}`);
  return figures;
}

if (import.meta.main) await benchHost();
