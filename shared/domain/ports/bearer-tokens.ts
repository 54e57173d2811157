import type { Principal } from "../access/principal.ts";

/**
 * What a bearer token says about its caller: who they are, why the token is refused (a short reason that
 * never echoes the token), or that it cannot be checked now (the keys that sign tokens are out of reach:
 * `cause` is for the log, not for the caller).
 */
export type BearerTokenCheck =
  | { principal: Principal }
  | { invalid: string }
  | { unavailable: string; cause: string };

export interface BearerTokenValidator {
  validate(token: string): Promise<BearerTokenCheck>;
}
