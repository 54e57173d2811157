// Everything the product wrote in an end-to-end run, as text with where it was found: log lines, every
// durable instance (input, output, custom status, history, through the Durable API and in the host's
// store file), alerts and notices on the topic and at the webhooks, the state store through its
// repositories and table by table, what the HTTP API answers, and what it wrote to the clusters and ARM.

import { TableClient, TableServiceClient } from "@azure/data-tables";
import type { LogRecord } from "../../local/host/logger.ts";
import { agentPoolResource, managedClusterResource } from "../../local/sim/arm/arm-resources.ts";
import { RESOURCE_KINDS, type Resource } from "../../local/sim/model/kube-types.ts";
import type { Simulator } from "../../local/sim/simulator.ts";
import { openDatabase } from "../../local/sqlite.ts";
import type { StateRepositories } from "../../shared/composition.ts";
import type { RecordedRequest } from "../support/http-recorder.ts";
import type { Written } from "../support/secrets.ts";
import type { Environment } from "./environment.ts";

/** JSON, with binary columns and bodies read as UTF-8 so the text inside them can be searched. */
function text(value: unknown): string {
  return (
    JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : v)) ?? ""
  );
}

export function logsWritten(logs: readonly LogRecord[]): Written[] {
  return logs.map((record, index) => ({
    where: `log line ${index + 1} (${record.level}${record.function ? `, function ${record.function}` : ""})`,
    text: text(record),
  }));
}

/**
 * Every instance's input, output, custom status and history, as the Durable HTTP API shows them (read
 * over HTTP: the client's status object drops the API's `historyEvents`), and its history as stored.
 */
export async function durableInstancesWritten(env: Environment): Promise<Written[]> {
  const { managementUrls } = env.host.clientData;
  const instances = await env.host.getClient().getStatusBy({});
  const written: Written[] = [];
  for (const { instanceId } of instances) {
    const url = `${managementUrls.statusQueryGetUri?.replace(managementUrls.id as string, encodeURIComponent(instanceId))}&showHistory=true&showHistoryOutput=true&showInput=true`;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the Durable API answered ${response.status} for ${instanceId}`);
    const status = (await response.json()) as Record<string, unknown>;
    const where = `instance ${instanceId}`;
    written.push(
      { where: `${where} input`, text: text(status.input) },
      { where: `${where} output`, text: text(status.output) },
      { where: `${where} custom status`, text: text(status.customStatus) },
      { where: `${where} history (Durable API)`, text: text(status.historyEvents) },
      { where: `${where} history (as stored)`, text: text(env.host.history(instanceId)) },
    );
  }
  return written;
}

/** Every row of every table of a SQLite file (the host's durable store, the Service Bus messages). */
export function sqliteFileWritten(what: string, file: string): Written[] {
  const db = openDatabase(file, { readOnly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all()
      .map((row) => String(row.name));
    return tables.flatMap((table) =>
      db
        .prepare(`SELECT * FROM "${table}"`)
        .all()
        .map((row, index) => ({ where: `${what}, table ${table} row ${index + 1}`, text: text(row) })),
    );
  } finally {
    db.close();
  }
}

/** Every entity of every table in the Table Storage account. */
export async function tablesWritten(connectionString: string): Promise<Written[]> {
  const options = { allowInsecureConnection: true };
  const service = TableServiceClient.fromConnectionString(connectionString, options);
  const written: Written[] = [];
  for await (const { name } of service.listTables()) {
    if (!name) continue;
    const table = TableClient.fromConnectionString(connectionString, name, options);
    for await (const entity of table.listEntities()) {
      written.push({
        where: `table ${name} entity ${entity.partitionKey}/${entity.rowKey}`,
        text: text(entity),
      });
    }
  }
  return written;
}

/** The product's state as it reads it back: records whose JSON a store splits are whole again. */
export async function repositoriesWritten(
  repositories: StateRepositories,
  clusterIds: readonly string[],
): Promise<Written[]> {
  const { inventory, dependencies, notices, alerts, migrations, audit } = repositories;
  const written: Written[] = [];
  const add = (where: string, value: unknown) => written.push({ where, text: text(value) });
  for (const scan of await inventory.trends()) {
    add(`inventory scan ${scan.scanId}`, scan);
    add(`inventory scan ${scan.scanId} clusters`, await inventory.listClusters(scan.scanId));
    add(`inventory scan ${scan.scanId} pools`, await inventory.listPools(scan.scanId));
  }
  add("inventory's latest known pools", await inventory.latestKnownPools());
  for (const clusterId of clusterIds) {
    add(`dependencies of ${clusterId}`, await dependencies.clusterDependencies(clusterId));
    add(`cluster events of ${clusterId}`, await notices.clusterEvents(clusterId));
  }
  for (const notice of await notices.notices()) add(`notice ${notice.notice.id}`, notice);
  add("notice rejections", await notices.rejections());
  for (const outbox of await alerts.listAlerts()) add(`alert ${outbox.alert.id}`, outbox);
  add("alert state", await alerts.loadState());
  for (const migration of await migrations.list()) {
    add(`migration record ${migration.id}`, migration);
    for (const record of await audit.list(migration.id)) {
      add(`audit record ${migration.id} #${record.sequence}`, record);
    }
  }
  return written;
}

/** What the read side of the HTTP API answers: migrations with their audit, inventory, alerts, notices. */
export async function apiAnswersWritten(env: Environment, clusterIds: readonly string[]): Promise<Written[]> {
  const migrations = (await env.api("/api/migrations")).body.migrations as { id: string }[];
  const paths = [
    "/api/migrations",
    ...migrations.flatMap(({ id }) => [
      `/api/migrations/${encodeURIComponent(id)}`,
      `/api/migrations/${encodeURIComponent(id)}/audit`,
    ]),
    "/api/inventory",
    "/api/alerts",
    "/api/notices",
    "/api/calendar",
    "/api/calendar.ics",
    ...clusterIds.map((id) => `/api/clusters/${encodeURIComponent(id)}/dependencies`),
  ];
  return Promise.all(
    paths.map(async (path) => ({
      where: `the API's answer to GET ${path}`,
      text: (await env.api(path)).text,
    })),
  );
}

/** What went to a webhook: each request's headers and body (its URL is the address it was given). */
export function requestsWritten(sink: string, requests: readonly RecordedRequest[]): Written[] {
  return requests.map(({ headers, body }, index) => ({
    where: `${sink} request ${index + 1}`,
    text: text({ headers, body }),
  }));
}

/** The simulated fleet as the product left it: every Kubernetes object, and ARM's clusters and pools. */
export function fleetWritten(sim: Simulator): Written[] {
  return sim.fleet.clusters.flatMap((cluster) => [
    { where: `ARM managed cluster ${cluster.name}`, text: text(managedClusterResource(cluster)) },
    ...[...cluster.pools.values()].map((pool) => ({
      where: `ARM agent pool ${cluster.name}/${pool.name}`,
      text: text(agentPoolResource(cluster, pool)),
    })),
    ...(Object.keys(RESOURCE_KINDS) as Resource[]).flatMap((resource) =>
      cluster.store.list(resource).map((object) => ({
        where: `${cluster.name} ${resource} ${object.metadata.namespace ?? ""}/${object.metadata.name}`,
        text: text(object),
      })),
    ),
  ]);
}
