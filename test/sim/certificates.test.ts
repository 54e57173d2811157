import { mkdtempSync, readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureCertificates } from "../../local/sim/tls/certificates.ts";

function get(host: string, port: number, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get({ host, port, path: "/", ...(ca ? { ca } : {}) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

describe("simulator certificates", () => {
  it("serves 127.0.0.1 and localhost under a CA clients can trust, and reuses it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-tls-"));
    const tls = await ensureCertificates(dir);
    expect(readFileSync(tls.caPath, "utf8")).toBe(tls.caPem);
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await get("127.0.0.1", port, tls.caPem)).toBe(200);
      expect(await get("localhost", port, tls.caPem)).toBe(200);
      await expect(get("127.0.0.1", port)).rejects.toThrow(/unable to verify/);
    } finally {
      server.close();
    }
    const again = await ensureCertificates(dir);
    expect(again.caPem).toBe(tls.caPem);
    expect(again.certPem).toBe(tls.certPem);
  });
});

describe("the Reflect polyfill @peculiar/x509 needs", () => {
  it("is the whole reflect-metadata API, so decorator metadata of code loaded later still works", async () => {
    await ensureCertificates(mkdtempSync(join(tmpdir(), "sim-tls-")));
    class Dependency {}
    class Service {}
    // What TypeScript's emitDecoratorMetadata output does once Reflect.metadata exists.
    Reflect.decorate([Reflect.metadata("design:paramtypes", [Dependency])], Service);
    expect(Reflect.getMetadata("design:paramtypes", Service)).toEqual([Dependency]);
    expect(Reflect.hasOwnMetadata("design:paramtypes", Service)).toBe(true);
  });
});
