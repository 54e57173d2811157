// The Entra ID token validator against a stand-in authority over HTTPS: what it accepts, why it refuses,
// and how its key cache follows a rotation (counting the authority's key-set requests), on a clock the
// test moves.

import { exportSPKI, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  EntraTokenValidator,
  entraIssuers,
  UNKNOWN_KEY_COOLDOWN_MS,
} from "../../shared/azure/entra-tokens.ts";
import {
  APP_ID_URI,
  anAccessToken,
  aSigningKey,
  CLIENT_ID,
  type EntraAuthority,
  type SigningKey,
  startEntraAuthority,
  TENANT_ID,
} from "../support/entra-authority.ts";

const START = Date.parse("2026-03-02T09:00:00Z");
const SKEW_S = 60;

let authority: EntraAuthority;
let current: SigningKey;
let now: number;
let validator: EntraTokenValidator;
/** The authority's count of key-set requests when the test began. */
let requestsAtStart: number;

beforeAll(async () => {
  authority = await startEntraAuthority();
  current = await aSigningKey("key-2026-03");
});
afterAll(() => authority?.close());

beforeEach(() => {
  authority.publish(current);
  authority.failWith(undefined);
  now = START;
  validator = validatorOn(authority.url);
  requestsAtStart = authority.keyRequests;
});

function validatorOn(url: string): EntraTokenValidator {
  return new EntraTokenValidator({
    tenantId: TENANT_ID,
    audiences: [CLIENT_ID, APP_ID_URI],
    authority: url,
    caFile: authority.caFile,
    clockSkewS: SKEW_S,
    clock: { now: () => now },
  });
}

const token = (claims = {}, key = current, issuedAt = now) =>
  anAccessToken(key, { now: issuedAt, authority: authority.url, claims });

/** The payload's middle part swapped for one with other claims; header and signature kept. */
async function tampered(claims: Record<string, unknown>): Promise<string> {
  const [header, , signature] = (await token()).split(".");
  const [, payload] = (await token(claims)).split(".");
  return [header, payload, signature].join(".");
}

describe("a valid token", () => {
  it("names the caller by object id and username, with the product's roles and the groups", async () => {
    const checked = await validator.validate(
      await token({ roles: ["LifecycleOperator", "Directory.Readers"], groups: ["5d2c", "5d2c", "77aa"] }),
    );
    expect(checked).toEqual({
      principal: {
        id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        name: "ana@contoso.com",
        roles: ["LifecycleOperator"],
        groups: ["5d2c", "77aa"],
        identityProvider: "aad",
      },
    });
  });

  it("is accepted for any of the app's audiences: its client id or its App ID URI", async () => {
    const byUri = await validator.validate(await token({ aud: APP_ID_URI }));
    expect(byUri).toHaveProperty("principal.roles", ["LifecycleApprover"]);
  });

  it("is accepted within the clock skew: not yet valid or just expired by less than it", async () => {
    const earlyBy30s = await token({}, current, now + 30_000);
    expect(await validator.validate(earlyBy30s)).toHaveProperty("principal");
    const expired30sAgo = await token({}, current, now - 3_630_000);
    expect(await validator.validate(expired30sAgo)).toHaveProperty("principal");
  });
});

describe("a refused token", () => {
  it("is expired, or not valid yet, by more than the skew", async () => {
    expect(await validator.validate(await token({}, current, now - 3_720_000))).toEqual({
      invalid: "the token has expired",
    });
    expect(await validator.validate(await token({}, current, now + 120_000))).toEqual({
      invalid: "the token is not valid yet",
    });
  });

  it("is for another audience, from another issuer, or of another tenant", async () => {
    expect(await validator.validate(await token({ aud: "api://someone-else" }))).toEqual({
      invalid: "the token is for another audience",
    });
    const otherTenant = "11111111-2222-4333-8444-555555555555";
    expect(await validator.validate(await token({ iss: `${authority.url}/${otherTenant}/v2.0` }))).toEqual({
      invalid: "the token is from another issuer",
    });
    // Entra signs every tenant's tokens with the same keys: the tenant is pinned besides the issuer.
    expect(await validator.validate(await token({ tid: otherTenant }))).toEqual({
      invalid: "the token is from another tenant",
    });
  });

  it("has a signature that does not verify once a claim is changed", async () => {
    const promoted = await tampered({ roles: ["LifecycleApprover", "LifecycleOperator"] });
    expect(await validator.validate(promoted)).toEqual({ invalid: "the token's signature does not verify" });
  });

  it("is signed with a key the tenant does not publish", async () => {
    const stranger = await aSigningKey("key-of-nobody");
    expect(await validator.validate(await token({}, stranger))).toEqual({
      invalid: "the token is signed with a key the tenant does not publish",
    });
  });

  it("is unsigned (alg none) or HMAC-signed with the public key as the secret, and fetches no key for it", async () => {
    const claims = {
      iss: `${authority.url}/${TENANT_ID}/v2.0`,
      aud: CLIENT_ID,
      tid: TENANT_ID,
      oid: "0f1e",
      roles: ["LifecycleOperator"],
      exp: Math.floor(now / 1000) + 3600,
    };
    const unsigned = new UnsecuredJWT(claims).encode();
    const publicPem = new TextEncoder().encode(await exportSPKI(current.publicKey));
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: current.kid })
      .sign(publicPem);
    const before = authority.keyRequests;
    for (const forged of [unsigned, hmac]) {
      expect(await validator.validate(forged)).toEqual({ invalid: "only RS256-signed tokens are accepted" });
    }
    expect(authority.keyRequests).toBe(before);
  });

  it("is not a JWT, names no key, or lacks an expiry, and no reason echoes the token", async () => {
    expect(await validator.validate("not-a-token")).toEqual({ invalid: "the token is not a JWT" });
    const noKid = await new SignJWT({ oid: "0f1e" })
      .setProtectedHeader({ alg: "RS256" })
      .sign(current.privateKey);
    expect(await validator.validate(noKid)).toEqual({ invalid: "the token names no signing key (kid)" });
    const withoutExpiry = await token({ exp: undefined });
    expect(await validator.validate(withoutExpiry)).toEqual({ invalid: "the token has no exp claim" });
  });
});

describe("the tenant's keys", () => {
  it("are fetched once for many tokens, and again when a day old", async () => {
    const checks = await Promise.all([1, 2, 3].map(async () => validator.validate(await token())));
    expect(checks.every((checked) => "principal" in checked)).toBe(true);
    expect(authority.keyRequests - requestsAtStart).toBe(1);
    now += 24 * 3_600_000;
    expect(await validator.validate(await token())).toHaveProperty("principal");
    expect(authority.keyRequests - requestsAtStart).toBe(2);
  });

  it("follow a rotation: a new key id fetches them once, the old key is gone, and made-up ids wait for the cooldown", async () => {
    expect(await validator.validate(await token())).toHaveProperty("principal");
    const oldToken = await token();
    const next = await aSigningKey("key-2026-04");
    authority.publish(next);
    now += UNKNOWN_KEY_COOLDOWN_MS;

    expect(await validator.validate(await token({}, next))).toHaveProperty("principal");
    expect(authority.keyRequests - requestsAtStart).toBe(2);
    expect(await validator.validate(oldToken)).toEqual({
      invalid: "the token is signed with a key the tenant does not publish",
    });
    const madeUp = await aSigningKey("key-made-up");
    expect(await validator.validate(await token({}, madeUp))).toEqual({
      invalid: "the token is signed with a key the tenant does not publish",
    });
    expect(authority.keyRequests - requestsAtStart).toBe(2);

    now += UNKNOWN_KEY_COOLDOWN_MS;
    await validator.validate(await token({}, madeUp));
    expect(authority.keyRequests - requestsAtStart).toBe(3);
  });

  it("out of reach leave the token unchecked (not refused), with the cause for the log only", async () => {
    authority.failWith(503);
    expect(await validator.validate(await token())).toEqual({
      unavailable: "the tenant's signing keys cannot be fetched: try again later",
      cause: `${authority.url}/${TENANT_ID}/discovery/v2.0/keys answered 503`,
    });
    authority.failWith(undefined);
    expect(await validator.validate(await token())).toHaveProperty("principal");

    const nobodyListening = validatorOn("https://127.0.0.1:9");
    expect(await nobodyListening.validate(await token())).toMatchObject({
      unavailable: "the tenant's signing keys cannot be fetched: try again later",
    });
  });
});

describe("the issuers", () => {
  it("include the v1.0 issuer only for the public cloud's authority", () => {
    expect(entraIssuers("https://login.microsoftonline.com", TENANT_ID)).toEqual([
      `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      `https://sts.windows.net/${TENANT_ID}/`,
    ]);
    expect(entraIssuers("https://login.microsoftonline.us", TENANT_ID)).toEqual([
      `https://login.microsoftonline.us/${TENANT_ID}/v2.0`,
    ]);
  });
});
