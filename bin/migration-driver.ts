// Drives a pool migration through the product's HTTP API the way people and time would, for the
// end-to-end tests and the benchmarks alike: virtual time is stepped by hand (the clock paused, one due
// timer at a time, only once the stack is idle), and before every step the migration's record is read
// through the API; when it waits at a gate, the scripted person answers through the API, as the CLI
// would. So a gate is answered before its timeout fires unless the script leaves it unanswered on purpose.

import type { VirtualClock } from "../local/clock.ts";
import { localClientPrincipal } from "../shared/domain/access/client-principal.ts";
import { ROLES, type Role } from "../shared/domain/access/principal.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

export interface ApiAnswer {
  status: number;
  body: Json;
  text: string;
  type: string;
}

/** Calls the app's HTTP API: a path under its origin, as fetch takes it. */
export type Api = (path: string, init?: RequestInit) => Promise<ApiAnswer>;

export interface Person {
  name: string;
  roles: Role[];
}

/** Calls the API; `identify` signs a person in (a bearer token), else the local header does. */
export interface ApiCaller {
  api: Api;
  identify?: (person: Person) => Record<string, string>;
}

export const RITA: Person = { name: "rita@contoso.com", roles: [ROLES.operator] };
export const ANA: Person = { name: "ana@contoso.com", roles: [ROLES.approver] };
export const BEN: Person = { name: "ben@contoso.com", roles: [ROLES.approver] };

/**
 * The app's HTTP API at `origin`, called as a caller of the deployed app would: with a function key (the
 * scan starter needs one). Each request's headers are added to `sent` when given.
 */
export function apiOf(origin: string, functionKey: string, sent?: Headers[]): Api {
  return async (path, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-functions-key", functionKey);
    sent?.push(headers);
    const response = await fetch(`${origin}${path}`, { ...init, headers });
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    return {
      status: response.status,
      text,
      type,
      body: type.includes("json") ? JSON.parse(text) : undefined,
    };
  };
}

export function asPerson(person: Person): Record<string, string> {
  return {
    "x-ms-client-principal": Buffer.from(localClientPrincipal(person.name, person.roles)).toString("base64"),
  };
}

export async function post(env: ApiCaller, path: string, person: Person, body: unknown) {
  return env.api(path, {
    method: "POST",
    headers: { ...(env.identify?.(person) ?? asPerson(person)), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export function migrationPath(id: string): string {
  return `/api/migrations/${encodeURIComponent(id)}`;
}

/** What a person does at a gate: answers it (true), or leaves it for now (false). */
export type GateHandler = (migration: Json) => Promise<boolean> | boolean;

/** Rita asks for the pool's migration to AzureLinux3; its id. */
export async function startMigration(env: ApiCaller, cluster: string, pool: string, options: Json = {}) {
  const answer = await post(env, "/api/migrations", RITA, {
    cluster,
    pool,
    targetOsSku: "AzureLinux3",
    options,
  });
  if (answer.status !== 202) throw new Error(`the migration did not start: ${answer.status} ${answer.text}`);
  return answer.body.id as string;
}

/** Ana answers gates override and start, Ben every other gate: two people, neither the requester. */
export function approveAll(env: ApiCaller): GateHandler {
  return async (migration) => {
    const { gate } = migration.awaiting;
    const person = gate === "start" || gate === "override" ? ANA : BEN;
    const answer = await post(env, `${migrationPath(migration.id)}/approvals`, person, {
      gate,
      decision: "approve",
      comment: `looked at the ${gate} evidence`,
    });
    if (answer.status !== 202)
      throw new Error(`${person.name} could not answer ${gate}: ${answer.status} ${answer.text}`);
    return true;
  };
}

/** Steps time and answers gates until the migration has an outcome (or `until` holds); its last record. */
export async function driveMigration(
  env: { clock: VirtualClock; api: Api },
  id: string,
  onGate: GateHandler,
  options: {
    maxSteps?: number;
    /** Sees every record read, before its gate is answered: where a test changes the world mid-run. */
    onStep?: (migration: Json) => void;
    /** Stops stepping at the first record it holds for, before that record's gate is answered. */
    until?: (migration: Json) => boolean;
  } = {},
): Promise<Json> {
  const { clock } = env;
  const answered = new Set<string>();
  clock.pause();
  try {
    for (let step = 0; step < (options.maxSteps ?? 20_000); step++) {
      await settle();
      const read = await env.api(migrationPath(id));
      const migration = read.status === 200 ? read.body : undefined;
      if (migration?.outcome || (migration && options.until?.(migration))) return migration;
      if (migration) options.onStep?.(migration);
      const wait = migration?.awaiting;
      // Nodes of one batch stuck at once are asked about one after another, at the same instant.
      const key = wait && `${wait.gate}@${wait.since}:${wait.evidence?.node ?? ""}`;
      if (key && !answered.has(key) && (await onGate(migration))) {
        answered.add(key);
        continue;
      }
      if (clock.openHolds > 0) continue;
      const due = clock.nextDueAt;
      if (due !== undefined) await clock.advanceTo(due);
    }
    throw new Error(`migration ${id} did not end within the steps allowed`);
  } finally {
    clock.resume();
  }
}

/** Lets pending I/O and promise chains run before the driver decides the stack is idle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
