// Table clients for product state, one per table, each created on first use. Locally a connection
// string (Azurite, plain HTTP on loopback); in Azure the account's table endpoint with managed identity.

import {
  RestError,
  TableClient,
  type TableServiceClientOptions,
  type TransactionAction,
} from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import type { TablesSettings } from "../../settings/state-store.settings.ts";
import { StoreUnavailableError } from "../../store-unavailable.ts";

export type TablesConnection =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "identity"; endpoint: string; credential: TokenCredential };

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export class TableStore {
  private readonly connection: TablesConnection;
  private readonly prefix: string;
  private readonly clients = new Map<string, Promise<TableClient>>();

  /** `prefix` goes in front of every table name, so products or tests can share one account. */
  constructor(connection: TablesConnection, prefix: string) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(prefix)) {
      throw new Error(`table prefix "${prefix}" must be letters and digits, starting with a letter`);
    }
    this.connection = connection;
    this.prefix = prefix;
  }

  /** The table's client, the table created if it does not exist yet. */
  table(name: string): Promise<TableClient> {
    const fullName = `${this.prefix}${name}`;
    if (!TABLE_NAME.test(fullName)) {
      throw new Error(`table name "${fullName}" must be 3-63 letters and digits, starting with a letter`);
    }
    let client = this.clients.get(fullName);
    if (!client) {
      client = this.createTable(fullName);
      this.clients.set(fullName, client);
      // A failed creation is not cached: the next call tries again.
      client.catch(() => this.clients.delete(fullName));
    }
    return client;
  }

  private async createTable(name: string): Promise<TableClient> {
    const options = {
      additionalPolicies: [
        { policy: failFastWhenRefused, position: "perRetry" as const },
        { policy: unavailableAfterRetries, position: "perCall" as const },
      ],
    };
    const client =
      this.connection.kind === "connection-string"
        ? TableClient.fromConnectionString(this.connection.connectionString, name, {
            ...options,
            allowInsecureConnection: isPlainHttp(this.connection.connectionString),
          })
        : new TableClient(this.connection.endpoint, name, this.connection.credential, options);
    await client.createTable();
    return client;
  }
}

type PipelinePolicy = NonNullable<TableServiceClientOptions["additionalPolicies"]>[number]["policy"];

/** A pipeline policy that turns the failures `unavailable` picks into StoreUnavailableError. */
function unavailableWhen(
  name: string,
  what: string,
  unavailable: (error: RestError) => boolean,
): PipelinePolicy {
  return {
    name,
    async sendRequest(request, next) {
      try {
        return await next(request);
      } catch (error) {
        if (error instanceof RestError && unavailable(error)) {
          throw new StoreUnavailableError(`Table Storage ${what} (${error.message})`, { cause: error });
        }
        throw error;
      }
    },
  };
}

/**
 * A refused connection means nothing listens there: the store is down, and the SDK's retries would only
 * keep callers waiting (about 5 s). Not a RestError, so the retry policy lets it through at once.
 */
const failFastWhenRefused = unavailableWhen(
  "failFastWhenRefused",
  "refused the connection",
  (error) => error.code === "ECONNREFUSED",
);

/** Failures that mean the service cannot be reached (rather than a request it refused). */
const UNREACHABLE_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** What still fails after the SDK's retries for want of the service (network, or 503 Server Busy) is said so. */
const unavailableAfterRetries = unavailableWhen(
  "unavailableAfterRetries",
  "cannot be reached",
  (error) => UNREACHABLE_CODES.has(error.code ?? "") || error.statusCode === 503,
);

/** The store the settings name; managed identity needs the credential the composition root made. */
export function tableStoreFor(
  tables: TablesSettings,
  prefix: string,
  credential?: TokenCredential,
): TableStore {
  if (tables.kind === "connection-string") return new TableStore(tables, prefix);
  if (!credential)
    throw new Error(`TABLES_ENDPOINT ${tables.endpoint} needs a credential (managed identity)`);
  return new TableStore({ kind: "identity", endpoint: tables.endpoint, credential }, prefix);
}

/** Azurite speaks plain HTTP; settings only allow that on loopback. */
function isPlainHttp(connectionString: string): boolean {
  return /(^|;)\s*(DefaultEndpointsProtocol=http|TableEndpoint=http:)/i.test(connectionString);
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** The entity already exists (409) or its version moved (412): another writer got there first. */
export function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 409 || status === 412;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** Reads one entity (only the `select`ed properties, when given), undefined when it does not exist. */
export async function getEntityOrUndefined<T extends object>(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
  select?: string[],
) {
  try {
    return await table.getEntity<T>(partitionKey, rowKey, select && { queryOptions: { select } });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export type Row = Record<string, unknown> & { partitionKey: string; rowKey: string; etag?: string };

export async function listRows(table: TableClient, filter: string, select?: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const queryOptions = select ? { filter, select } : { filter };
  for await (const entity of table.listEntities<Record<string, unknown>>({ queryOptions })) {
    rows.push(entity as Row);
  }
  return rows;
}

/** Table Storage takes at most 100 operations per transaction, all in one partition. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** Submits actions of one partition in transactions of up to 100; each transaction is all or nothing. */
export async function submitInTransactions(
  table: TableClient,
  actions: readonly TransactionAction[],
): Promise<void> {
  for (let start = 0; start < actions.length; start += MAX_TRANSACTION_ACTIONS) {
    await table.submitTransaction(actions.slice(start, start + MAX_TRANSACTION_ACTIONS));
  }
}

/** Optimistic-concurrency retries of a read-modify-write before giving up. */
export const MAX_CONFLICT_RETRIES = 10;

/** What every repository holds: the store its tables come from. */
export abstract class TableRepository {
  protected readonly store: TableStore;

  constructor(store: TableStore) {
    this.store = store;
  }
}

/**
 * Read-modify-write of one entity, checked against the version read (create when there was none),
 * retried when another writer got there first. `change` returns the entity to write, with further
 * actions of the same partition to commit in the same transaction (the same whatever the row read:
 * those beyond one transaction are sent once), or undefined to leave it as it is. `select` reads only the
 * properties `change` looks at.
 */
export async function readModifyWrite(
  table: TableClient,
  key: { partitionKey: string; rowKey: string },
  change: (current: Row | undefined) => { entity: Row; more?: readonly TransactionAction[] } | undefined,
  what: string,
  select?: string[],
): Promise<void> {
  // The entity goes in the last transaction: when the actions need more than one, a crash between them
  // leaves the entity as it was, never pointing at rows that were not written. The ones before it are
  // sent once: a retry after a conflict sends the last again (a delete sent twice would find nothing).
  let leadingSent = false;
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const current = await getEntityOrUndefined<Row>(table, key.partitionKey, key.rowKey, select);
    const next = change(current);
    if (!next) return;
    const write: TransactionAction = current
      ? ["update", next.entity, "Replace", { etag: current.etag as string }]
      : ["create", next.entity];
    const actions = [...(next.more ?? []), write];
    const last = Math.floor((actions.length - 1) / MAX_TRANSACTION_ACTIONS) * MAX_TRANSACTION_ACTIONS;
    if (!leadingSent) {
      await submitInTransactions(table, actions.slice(0, last));
      leadingSent = true;
    }
    try {
      await table.submitTransaction(actions.slice(last));
      return;
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  throw new Error(`${what}: the row kept changing under concurrent writers`);
}
