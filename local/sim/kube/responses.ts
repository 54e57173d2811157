// Responses with the apiserver's headers (Audit-Id, API Priority and Fairness uids), and Status
// bodies with Retry-After when the Status asks the client to wait.

import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { KubeStatus } from "../model/objects.ts";

export function responseHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    "Audit-Id": randomUUID(),
    "Cache-Control": "no-cache, private",
    "Content-Type": "application/json",
    "X-Kubernetes-Pf-Flowschema-Uid": "b6d8a3a0-1b5c-4c8e-9a57-2f3c6c0d5e11",
    "X-Kubernetes-Pf-Prioritylevel-Uid": "5c5f7a5e-3d8e-4d0b-8f1f-0c8a6b2d9e44",
    ...extra,
  };
}

export function send(
  res: ServerResponse,
  code: number,
  body: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(code, { ...responseHeaders(extra), "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Retry-After when the Status asks the client to wait (a refused eviction, a too-new resourceVersion). */
export function statusHeaders(s: KubeStatus): Record<string, string> {
  const retry = (s.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  return retry ? { "Retry-After": String(retry) } : {};
}

export function sendStatus(res: ServerResponse, s: KubeStatus): void {
  send(res, s.code, JSON.stringify(s), statusHeaders(s));
}
