// A stand-in for Entra ID's authority: an HTTPS server on port 0 (certificate from the simulator's own
// PKI) that publishes a tenant's signing keys at /{tenant}/discovery/v2.0/keys, counting the requests,
// and signs tokens with locally generated RS256 keys as Entra would.

import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { ensureCertificates } from "../../local/sim/tls/certificates.ts";

export const TENANT_ID = "8d3f7b1a-2c4e-4f60-9a1b-3c5d7e9f0a2b";
export const CLIENT_ID = "5b7e2f90-1d3c-4a6b-8e0f-2a4c6e8b0d1f";
export const APP_ID_URI = "api://aks-image-lifecycle";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function aSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  // As Entra publishes them: no alg, use "sig".
  return { kid, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: "sig" } };
}

export interface EntraAuthority {
  /** https://127.0.0.1:<port>, as ENTRA_AUTHORITY. */
  readonly url: string;
  /** The CA the server's certificate chains to, as ENTRA_CA_FILE. */
  readonly caFile: string;
  /** Key-set requests served so far. */
  readonly keyRequests: number;
  /** The keys published from now on (a rotation replaces them). */
  publish(...keys: SigningKey[]): void;
  /** Answer key-set requests with this status instead (undefined: serve the keys). */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startEntraAuthority(tenantId = TENANT_ID): Promise<EntraAuthority> {
  const tls = await ensureCertificates(join(tmpdir(), `entra-authority-${process.pid}`));
  let published: SigningKey[] = [];
  let failure: number | undefined;
  let keyRequests = 0;
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
    if (request.method !== "GET" || request.url !== `/${tenantId}/discovery/v2.0/keys`) {
      response.writeHead(404).end();
      return;
    }
    keyRequests++;
    if (failure !== undefined) {
      response.writeHead(failure).end();
      return;
    }
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile: tls.caPath,
    get keyRequests() {
      return keyRequests;
    },
    publish: (...keys) => {
      published = keys;
    },
    failWith: (status) => {
      failure = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TokenOptions {
  /** Epoch milliseconds the token is issued at; it is valid for an hour from then. */
  now: number;
  authority: string;
  claims?: JWTPayload;
}

/** An access token as Entra issues one for the app: v2.0, for the tenant, signed with `key`. */
export function anAccessToken(
  key: SigningKey,
  { now, authority, claims = {} }: TokenOptions,
): Promise<string> {
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT({
    iss: `${authority}/${TENANT_ID}/v2.0`,
    aud: CLIENT_ID,
    tid: TENANT_ID,
    oid: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    preferred_username: "ana@contoso.com",
    roles: ["LifecycleApprover"],
    scp: "user_impersonation",
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + 3600,
    ver: "2.0",
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid })
    .sign(key.privateKey);
}
