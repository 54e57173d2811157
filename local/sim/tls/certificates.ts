// The simulator's own PKI: a CA and a server certificate for 127.0.0.1 and localhost, so clients connect
// over HTTPS and verify the chain instead of switching TLS checks off. Kept in the data dir and reused
// while valid, so kubeconfigs and trust settings written earlier stay good across restarts.
// Validity uses the machine's real time: TLS checks never see the simulated clock.

import { webcrypto } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as X509 from "@peculiar/x509";
// @peculiar/x509 requires a Reflect metadata polyfill (its README names this one). A hand-made subset
// would sit on the global Reflect looking complete to every other library in the process.
import "reflect-metadata";

export interface SimulatorTls {
  /** PEM of the CA that signed the server certificate: what clients trust. */
  caPem: string;
  caPath: string;
  certPem: string;
  keyPem: string;
}

/** Loaded after the polyfill above has run: @peculiar/x509's tsyringe checks for it on import. */
async function loadX509(): Promise<typeof X509> {
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${base64.trimEnd()}\n-----END ${label}-----\n`;
}

async function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

async function generate(x509: typeof X509): Promise<Omit<SimulatorTls, "caPath">> {
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + 365 * DAY_MS);
  const caKeys = await newKeyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=aks-image-lifecycle simulator CA, O=aks-image-lifecycle",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await newKeyPair();
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=localhost",
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keyDer = await webcrypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
  return { caPem: ca.toString("pem"), certPem: server.toString("pem"), keyPem: pem("PRIVATE KEY", keyDer) };
}

function stillValid(x509: typeof X509, certPem: string): boolean {
  const cert = new x509.X509Certificate(certPem);
  return cert.notAfter.getTime() - Date.now() > DAY_MS;
}

/** Loads the CA and server certificate from `dataDir`, generating them when missing or about to expire. */
export async function ensureCertificates(dataDir: string): Promise<SimulatorTls> {
  const x509 = await loadX509();
  mkdirSync(dataDir, { recursive: true });
  const caPath = join(dataDir, "ca.pem");
  const certPath = join(dataDir, "server.pem");
  const keyPath = join(dataDir, "server-key.pem");
  if ([caPath, certPath, keyPath].every((p) => existsSync(p))) {
    const certPem = readFileSync(certPath, "utf8");
    if (stillValid(x509, certPem)) {
      return { caPem: readFileSync(caPath, "utf8"), caPath, certPem, keyPem: readFileSync(keyPath, "utf8") };
    }
  }
  const fresh = await generate(x509);
  writeFileSync(caPath, fresh.caPem);
  writeFileSync(certPath, fresh.certPem);
  writeFileSync(keyPath, fresh.keyPem, { mode: 0o600 });
  return { ...fresh, caPath };
}
