import { describe, expect, it } from "vitest";
import { RealClock } from "../../local/clock.ts";
import { listen } from "../../local/host/http-server.ts";
import { createLogger, type LogRecord } from "../../local/host/logger.ts";

describe("the host's HTTP listener", () => {
  it("logs a server error that happens after it started listening", async () => {
    const records: LogRecord[] = [];
    const clock = new RealClock();
    const logger = createLogger({ clock, level: "info", sink: (record) => records.push(record) });
    const listener = await listen({ port: 0, clock, logger, handlers: [] });
    try {
      listener.server.emit("error", new Error("too many open files"));
      expect(records).toContainEqual(
        expect.objectContaining({ level: "error", msg: "HTTP server error: too many open files" }),
      );
    } finally {
      await listener.close();
    }
  });

  it("says which port is taken when it cannot listen", async () => {
    const clock = new RealClock();
    const logger = createLogger({ clock, level: "none", sink: () => {} });
    const first = await listen({ port: 0, clock, logger, handlers: [] });
    try {
      await expect(listen({ port: first.port, clock, logger, handlers: [] })).rejects.toThrow(
        `127.0.0.1:${first.port} is in use`,
      );
    } finally {
      await first.close();
    }
  });
});
