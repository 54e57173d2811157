// Entra ID access tokens checked in code (AUTH_MODE entra): the signature against the keys the tenant
// publishes, then the issuer, the audience and the lifetime, with jose doing the JOSE work. The keys are
// fetched with node:https (jose's remote key set uses the global fetch, which takes no private CA) and
// kept for a day; a token signed with a key not among them fetches them again once, so a rotation is
// picked up, but at most once per cooldown, so tokens with made-up key ids cannot flood the authority.

import { readFileSync } from "node:fs";
import { get } from "node:https";
import { createLocalJWKSet, decodeProtectedHeader, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { principalFromEntraClaims } from "../domain/access/entra-claims.ts";
import type { BearerTokenCheck, BearerTokenValidator } from "../domain/ports/bearer-tokens.ts";
import { type EntraSettings, PUBLIC_ENTRA_AUTHORITY } from "../settings/identity.settings.ts";

/** Entra signs with RSA keys; refusing every other algorithm refuses `none` and HMAC (a public key as a secret). */
const ALGORITHMS = ["RS256"];
const KEYS_LIFETIME_MS = 24 * 3_600_000;
/** Microsoft.IdentityModel's own refresh interval for unknown keys. */
export const UNKNOWN_KEY_COOLDOWN_MS = 5 * 60_000;
const FETCH_TIMEOUT_MS = 10_000;
const UNKNOWN_KEY = "the token is signed with a key the tenant does not publish";
/** A key set is a few kilobytes; anything far larger is not one. */
const MAX_KEYS_BYTES = 1_000_000;

export interface EntraTokenOptions extends EntraSettings {
  /** Epoch milliseconds: token lifetimes and the key cache are measured on it. */
  clock: { now(): number };
}

interface PublishedKeys {
  set: JWTVerifyGetKey;
  keyIds: ReadonlySet<string>;
  fetchedAt: number;
}

class KeysUnavailable extends Error {}

/**
 * The issuers a tenant's tokens carry: v2.0 tokens name the authority and tenant; v1.0 ones (an app whose
 * manifest asks for them) name sts.windows.net, which only the public cloud's authority issues.
 */
export function entraIssuers(authority: string, tenantId: string): string[] {
  const v2 = `${authority}/${tenantId}/v2.0`;
  return authority === PUBLIC_ENTRA_AUTHORITY ? [v2, `https://sts.windows.net/${tenantId}/`] : [v2];
}

export class EntraTokenValidator implements BearerTokenValidator {
  private readonly options: EntraTokenOptions;
  private readonly keysUrl: URL;
  private keys: PublishedKeys | undefined;
  /** When the keys were last asked for, fetched or not: the cooldown runs from it. */
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private fetching: Promise<PublishedKeys> | undefined;

  constructor(options: EntraTokenOptions) {
    this.options = options;
    this.keysUrl = new URL(`${options.authority}/${options.tenantId}/discovery/v2.0/keys`);
  }

  async validate(token: string): Promise<BearerTokenCheck> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { invalid: "the token is not a JWT" };
    }
    if (!ALGORITHMS.includes(header.alg ?? "")) return { invalid: "only RS256-signed tokens are accepted" };
    const keyId = header.kid;
    if (typeof keyId !== "string") return { invalid: "the token names no signing key (kid)" };
    try {
      let keys = await this.currentKeys();
      if (!keys.keyIds.has(keyId) && this.mayFetch()) keys = await this.fetchKeys();
      if (!keys.keyIds.has(keyId)) return { invalid: UNKNOWN_KEY };
      const { tenantId, audiences, authority, clockSkewS, clock } = this.options;
      const { payload } = await jwtVerify(token, keys.set, {
        algorithms: ALGORITHMS,
        issuer: entraIssuers(authority, tenantId),
        audience: audiences,
        clockTolerance: clockSkewS,
        currentDate: new Date(clock.now()),
        requiredClaims: ["exp"],
      });
      const parsed = principalFromEntraClaims(payload, tenantId);
      return "problem" in parsed ? { invalid: parsed.problem } : parsed;
    } catch (error) {
      if (error instanceof KeysUnavailable) {
        return {
          unavailable: "the tenant's signing keys cannot be fetched: try again later",
          cause: error.message,
        };
      }
      if (error instanceof errors.JOSEError) return { invalid: refusalReason(error) };
      throw error;
    }
  }

  private async currentKeys(): Promise<PublishedKeys> {
    const { keys } = this;
    const fresh = keys !== undefined && this.options.clock.now() - keys.fetchedAt < KEYS_LIFETIME_MS;
    return fresh ? keys : this.fetchKeys();
  }

  private mayFetch(): boolean {
    return this.options.clock.now() - this.lastFetchAt >= UNKNOWN_KEY_COOLDOWN_MS;
  }

  /** One fetch at a time: requests arriving meanwhile wait for it. Keys rotated out are gone after it. */
  private fetchKeys(): Promise<PublishedKeys> {
    this.fetching ??= (async () => {
      const startedAt = this.options.clock.now();
      this.lastFetchAt = startedAt;
      try {
        this.keys = await this.download(startedAt);
        return this.keys;
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }

  private async download(fetchedAt: number): Promise<PublishedKeys> {
    const body = await getText(this.keysUrl, this.caPem());
    let jwks: unknown;
    try {
      jwks = JSON.parse(body);
    } catch {
      throw new KeysUnavailable(`${this.keysUrl} did not answer JSON`);
    }
    try {
      const set = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
      const listed = (jwks as { keys: { kid?: unknown }[] }).keys.map((key) => key.kid);
      const keyIds = new Set(listed.filter((kid): kid is string => typeof kid === "string"));
      return { set, keyIds, fetchedAt };
    } catch {
      throw new KeysUnavailable(`${this.keysUrl} did not answer a JSON Web Key Set`);
    }
  }

  /** Read on each fetch (once a day), so a renewed test CA is picked up. */
  private caPem(): string | undefined {
    const { caFile } = this.options;
    if (caFile === undefined) return undefined;
    try {
      return readFileSync(caFile, "utf8");
    } catch (error) {
      throw new KeysUnavailable(`ENTRA_CA_FILE ${caFile} cannot be read: ${(error as Error).message}`);
    }
  }
}

/** What jose found wrong, in words that name a claim at most, never its value. */
function refusalReason(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return `the token has no ${error.claim} claim`;
    if (error.claim === "nbf") return "the token is not valid yet";
    if (error.claim === "iss") return "the token is from another issuer";
    if (error.claim === "aud") return "the token is for another audience";
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return UNKNOWN_KEY;
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return "the token is not a well-formed JWT";
  }
  return "the token cannot be verified";
}

/** GET over HTTPS, trusting `ca` instead of the public roots when given; any failure is KeysUnavailable. */
function getText(url: URL, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ...(ca && { ca }), timeout: FETCH_TIMEOUT_MS }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new KeysUnavailable(`${url} answered ${response.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_KEYS_BYTES) {
          request.destroy(new KeysUnavailable(`${url} answered more than ${MAX_KEYS_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      response.on("error", (error) => reject(unavailable(url, error)));
    });
    request.on("timeout", () => request.destroy(new KeysUnavailable(`${url} did not answer in time`)));
    request.on("error", (error) => reject(unavailable(url, error)));
  });
}

function unavailable(url: URL, error: Error): KeysUnavailable {
  return error instanceof KeysUnavailable ? error : new KeysUnavailable(`${url}: ${error.message}`);
}
