// JSON POST for the HTTP sinks, mapping outcomes to SinkError: network errors, 408, 425, 429 and 5xx
// are transient (Retry-After honoured), other non-2xx statuses permanent. Webhook URLs carry secrets
// (Teams signs them), so errors name only the URL's origin.

import { SinkError } from "../domain/ports/alert-sinks.ts";
import { parseRetryAfter } from "../retry-policy.ts";

export interface PostOptions {
  /** Who is posting, for error messages ("Teams webhook"). */
  what: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

const TRANSIENT_STATUSES = new Set([408, 425, 429]);

/** Resolves to the response body text of a 2xx answer. */
export async function postJson(url: string, body: unknown, options: PostOptions): Promise<string> {
  const where = `${options.what} at ${new URL(url).origin}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new SinkError(`${where} could not be reached (${cause})`, { transient: true, cause: error });
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return text;
  const transient = response.status >= 500 || TRANSIENT_STATUSES.has(response.status);
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  const detail = text.trim().slice(0, 200);
  throw new SinkError(`${where} answered ${response.status}${detail ? `: ${detail}` : ""}`, {
    transient,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });
}
