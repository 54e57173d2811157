// The settings product state, notices and alerts need, read from app settings (environment variables,
// as the Functions host hands them over) and checked before anything is built. Anything missing,
// contradictory or unsafe is refused with the setting's name and what is expected: the service does not
// start half-configured. loadAppSettings adds the inventory's settings to these (below).
//
// Product state, exactly one of:
//   TABLES_CONNECTION_STRING        storage connection string (Azurite locally)
//   TABLES_ENDPOINT                 https://<account>.table.core.windows.net, with managed identity
//   STATE_SQLITE_FILE               a SQLite file: one machine only (npm start). Wrong on Azure Functions,
//                                   where instances scale out and none shares another's disk
//   TABLES_PREFIX                   prefix of every table name (default "lifecycle")
//   ServiceBusConnection            Service Bus connection string, or
//   ServiceBusConnection__fullyQualifiedNamespace   <namespace>.servicebus.windows.net, with managed identity
//   NOTICES_QUEUE                   queue of retirement notices (default "retirement-notices")
//   ALERT_WEBHOOK_URL               generic webhook for alerts
//   ALERT_TEAMS_WEBHOOK_URL         Microsoft Teams incoming webhook (needs STATUS_BASE_URL)
//   ALERT_TOPIC                     Service Bus topic for alerts (needs a Service Bus connection)
//   STATUS_BASE_URL                 public base URL of the product, for links to a pool's status
//
// The inventory (loadAppSettings adds these):
//   ARM_ENDPOINT                    Azure Resource Manager, which also serves Resource Graph
//                                   (default https://management.azure.com)
//   ARM_CA_FILE                     PEM file of a CA to trust for ARM_ENDPOINT (the simulator's)
//   ARM_LOCAL_TOKEN                 a fixed bearer token, only for an ARM_ENDPOINT on 127.0.0.1 (the
//                                   simulator); otherwise managed identity (DefaultAzureCredential, which
//                                   reads AZURE_CLIENT_ID for a user-assigned identity)
//   INVENTORY_SUBSCRIPTIONS         subscription ids to inventory, separated by commas or spaces
//   INVENTORY_MANAGEMENT_GROUPS     management group ids to inventory; with neither, every subscription
//                                   the identity can see
//   KUBECONFIG_DIR                  local only (ARM_ENDPOINT on 127.0.0.1): <cluster name>.yaml kubeconfigs
//                                   (the simulator's); unset, clusters are reached with Entra tokens for AKS
//   INVENTORY_SCHEDULE              NCRONTAB schedule of the nightly scan (default "0 0 2 * * *", 02:00 UTC)
//   SCAN_CONCURRENCY                clusters whose workloads are scanned at once (default 8)
//   KUBE_PAGE_SIZE                  items per Kubernetes list call (default 500)

import { z } from "zod";

/** The Functions convention: the trigger's `connection` names this setting (or its __fullyQualifiedNamespace). */
export const SERVICE_BUS_CONNECTION = "ServiceBusConnection";
export const SERVICE_BUS_NAMESPACE = `${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace` as const;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

/** https, or plain http to this machine only (Azurite, local test servers). */
const serviceUrl = optionalText.refine(
  (value) => {
    if (value === undefined) return true;
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  },
  { message: "expected an https URL (plain http only to 127.0.0.1 or localhost)" },
);

function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const pair of value.split(";")) {
    const index = pair.indexOf("=");
    if (index > 0) parts.set(pair.slice(0, index).trim().toLowerCase(), pair.slice(index + 1).trim());
  }
  return parts;
}

/** Values are secrets: problems name the setting, never echo it. */
const tablesConnectionString = optionalText.superRefine((value, ctx) => {
  if (value === undefined) return;
  const parts = connectionStringParts(value);
  const endpoint = parts.get("tableendpoint");
  if (!parts.has("accountname") && endpoint === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "expected a storage connection string with AccountName or TableEndpoint",
    });
    return;
  }
  const plainHttp =
    parts.get("defaultendpointsprotocol")?.toLowerCase() === "http" || endpoint?.startsWith("http:");
  const host = endpoint && URL.canParse(endpoint) ? new URL(endpoint).hostname : undefined;
  if (plainHttp && (host === undefined || !isLoopback(host))) {
    ctx.addIssue({
      code: "custom",
      message: "plain http is allowed only with a TableEndpoint on 127.0.0.1 (Azurite)",
    });
  }
});

const serviceBusConnectionString = optionalText.superRefine((value, ctx) => {
  if (value === undefined) return;
  const endpoint = connectionStringParts(value).get("endpoint");
  if (!endpoint?.startsWith("sb://") || !URL.canParse(endpoint)) {
    ctx.addIssue({ code: "custom", message: "expected a Service Bus connection string (Endpoint=sb://…;…)" });
    return;
  }
  const emulator = connectionStringParts(value).get("usedevelopmentemulator")?.toLowerCase() === "true";
  if (emulator && !isLoopback(new URL(endpoint).hostname)) {
    ctx.addIssue({ code: "custom", message: "UseDevelopmentEmulator (no TLS) is allowed only on 127.0.0.1" });
  }
});

/** Service Bus queue and topic names. */
const ENTITY_NAME = /^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/;

const entityName = (fallback: string) =>
  optionalText
    .transform((value) => value ?? fallback)
    .refine((value) => ENTITY_NAME.test(value) && value.length <= 260, {
      message: "expected a Service Bus entity name: letters, digits, '.', '-', '_' or '/', at most 260",
    });

/** The raw settings, keyed by their app-setting names so every problem names the setting to fix. */
export const productSettingsEnvSchema = z.object({
  TABLES_CONNECTION_STRING: tablesConnectionString,
  TABLES_ENDPOINT: serviceUrl,
  STATE_SQLITE_FILE: optionalText.refine((value) => value !== ":memory:", {
    message: "expected a file path: the state must outlive the process",
  }),
  TABLES_PREFIX: optionalText
    .transform((value) => value ?? "lifecycle")
    .refine((value) => /^[A-Za-z][A-Za-z0-9]{0,40}$/.test(value), {
      message: "expected 1-41 letters and digits, starting with a letter",
    }),
  [SERVICE_BUS_CONNECTION]: serviceBusConnectionString,
  [SERVICE_BUS_NAMESPACE]: optionalText.refine(
    (value) => value === undefined || /^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}$/.test(value),
    { message: "expected a host name like <namespace>.servicebus.windows.net" },
  ),
  NOTICES_QUEUE: entityName("retirement-notices"),
  ALERT_WEBHOOK_URL: serviceUrl,
  ALERT_TEAMS_WEBHOOK_URL: serviceUrl,
  ALERT_TOPIC: optionalText.refine((value) => value === undefined || ENTITY_NAME.test(value), {
    message: "expected a Service Bus topic name: letters, digits, '.', '-', '_' or '/'",
  }),
  STATUS_BASE_URL: serviceUrl,
});

type Env = z.output<typeof productSettingsEnvSchema>;

export type TablesSettings =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "identity"; endpoint: string };

/** Where product state is kept: Table Storage, or a SQLite file on this machine. */
export type StateStoreSettings = TablesSettings | { kind: "sqlite"; file: string };

export type ServiceBusSettings =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "identity"; fullyQualifiedNamespace: string };

export interface AlertSettings {
  webhookUrl?: string;
  teamsWebhookUrl?: string;
  topic?: string;
  statusBaseUrl?: string;
}

export interface ProductSettings {
  stateStore: StateStoreSettings;
  tablePrefix: string;
  serviceBus?: ServiceBusSettings;
  noticesQueue: string;
  alerts: AlertSettings;
}

export class SettingsError extends Error {
  override name = "SettingsError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`settings are invalid:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
    this.problems = problems;
  }
}

/** Rules across settings; each problem names the settings involved. */
export function crossSettingProblems(env: Env): string[] {
  const problems: string[] = [];
  const stores = [env.TABLES_CONNECTION_STRING, env.TABLES_ENDPOINT, env.STATE_SQLITE_FILE].filter(
    (v) => v !== undefined,
  ).length;
  if (stores !== 1) {
    problems.push(
      `${stores === 0 ? "set" : "set only"} one of TABLES_CONNECTION_STRING (a storage connection string), TABLES_ENDPOINT (https://<account>.table.core.windows.net, with managed identity) or STATE_SQLITE_FILE (a SQLite file, for one machine)`,
    );
  }
  problems.push(...serviceBusProblems(env));
  const serviceBus = env[SERVICE_BUS_CONNECTION] ?? env[SERVICE_BUS_NAMESPACE];
  if (env.ALERT_TOPIC !== undefined && serviceBus === undefined) {
    problems.push(
      `ALERT_TOPIC needs a Service Bus connection: set ${SERVICE_BUS_CONNECTION} or ${SERVICE_BUS_NAMESPACE}`,
    );
  }
  if (env.ALERT_TEAMS_WEBHOOK_URL !== undefined && env.STATUS_BASE_URL === undefined) {
    problems.push("ALERT_TEAMS_WEBHOOK_URL needs STATUS_BASE_URL: the Teams card links to the pool's status");
  }
  return problems;
}

function serviceBusProblems(
  env: Pick<Env, typeof SERVICE_BUS_CONNECTION | typeof SERVICE_BUS_NAMESPACE>,
): string[] {
  return env[SERVICE_BUS_CONNECTION] !== undefined && env[SERVICE_BUS_NAMESPACE] !== undefined
    ? [`set only one of ${SERVICE_BUS_CONNECTION} or ${SERVICE_BUS_NAMESPACE}`]
    : [];
}

function serviceBusOf(
  env: Pick<Env, typeof SERVICE_BUS_CONNECTION | typeof SERVICE_BUS_NAMESPACE>,
): ServiceBusSettings | undefined {
  const connectionString = env[SERVICE_BUS_CONNECTION];
  const fullyQualifiedNamespace = env[SERVICE_BUS_NAMESPACE];
  if (connectionString) return { kind: "connection-string", connectionString };
  return fullyQualifiedNamespace ? { kind: "identity", fullyQualifiedNamespace } : undefined;
}

function stateStoreOf(env: Env): StateStoreSettings {
  if (env.STATE_SQLITE_FILE) return { kind: "sqlite", file: env.STATE_SQLITE_FILE };
  const connectionString = env.TABLES_CONNECTION_STRING;
  return connectionString
    ? { kind: "connection-string", connectionString }
    : { kind: "identity", endpoint: env.TABLES_ENDPOINT as string };
}

export function toProductSettings(env: Env): ProductSettings {
  const serviceBus = serviceBusOf(env);
  return {
    stateStore: stateStoreOf(env),
    tablePrefix: env.TABLES_PREFIX,
    ...(serviceBus && { serviceBus }),
    noticesQueue: env.NOTICES_QUEUE,
    alerts: {
      ...(env.ALERT_WEBHOOK_URL && { webhookUrl: env.ALERT_WEBHOOK_URL }),
      ...(env.ALERT_TEAMS_WEBHOOK_URL && { teamsWebhookUrl: env.ALERT_TEAMS_WEBHOOK_URL }),
      ...(env.ALERT_TOPIC && { topic: env.ALERT_TOPIC }),
      ...(env.STATUS_BASE_URL && { statusBaseUrl: env.STATUS_BASE_URL }),
    },
  };
}

/** Parses with `schema`, reporting every problem at once by setting name. */
export function parseEnvSettings<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  crossChecks: (parsed: z.output<S>) => string[] = () => [],
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new SettingsError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const problems = crossChecks(result.data);
  if (problems.length > 0) throw new SettingsError(problems);
  return result.data;
}

export function loadProductSettings(env: Readonly<Record<string, string | undefined>>): ProductSettings {
  return toProductSettings(parseEnvSettings(productSettingsEnvSchema, env, crossSettingProblems));
}

const serviceBusEnvSchema = productSettingsEnvSchema.pick({
  [SERVICE_BUS_CONNECTION]: true,
  [SERVICE_BUS_NAMESPACE]: true,
  NOTICES_QUEUE: true,
});

/** Only what sending to the notices queue needs (the operator command). */
export function loadServiceBusSettings(env: Readonly<Record<string, string | undefined>>): {
  serviceBus?: ServiceBusSettings;
  noticesQueue: string;
} {
  const parsed = parseEnvSettings(serviceBusEnvSchema, env, serviceBusProblems);
  const serviceBus = serviceBusOf(parsed);
  return { ...(serviceBus && { serviceBus }), noticesQueue: parsed.NOTICES_QUEUE };
}

// ---------------------------------------------------------------------------------------------------
// The inventory: Azure Resource Manager and Resource Graph, the clusters' Kubernetes APIs, the schedule

export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";
export const DEFAULT_INVENTORY_SCHEDULE = "0 0 2 * * *";

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MANAGEMENT_GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9_().-]{0,89}$/;

const idList = (pattern: RegExp, what: string) =>
  optionalText
    .transform((value) => (value === undefined ? [] : value.split(/[\s,;]+/).filter((id) => id !== "")))
    .superRefine((ids, ctx) => {
      const bad = ids.filter((id) => !pattern.test(id));
      if (bad.length > 0)
        ctx.addIssue({ code: "custom", message: `expected ${what}, got ${bad.join(", ")}` });
    });

const boundedInteger = (fallback: number, min: number, max: number) =>
  optionalText
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .refine((value) => Number.isInteger(value) && value >= min && value <= max, {
      message: `expected a whole number from ${min} to ${max}`,
    });

/** Six NCRONTAB fields (seconds first), or a TimeSpan such as 01:00:00, as timer triggers take them. */
const schedule = optionalText
  .transform((value) => value ?? DEFAULT_INVENTORY_SCHEDULE)
  .refine((value) => value.split(/\s+/).length === 6 || /^(\d+\.)?\d{1,2}:\d{2}:\d{2}$/.test(value), {
    message: 'expected an NCRONTAB expression with six fields, e.g. "0 0 2 * * *"',
  });

export const inventorySettingsEnvSchema = z.object({
  ARM_ENDPOINT: optionalText
    .transform((value) => value ?? DEFAULT_ARM_ENDPOINT)
    .refine((value) => URL.canParse(value) && new URL(value).protocol === "https:", {
      message: "expected an https URL (ARM refuses bearer tokens over plain http)",
    }),
  ARM_CA_FILE: optionalText,
  ARM_LOCAL_TOKEN: optionalText,
  INVENTORY_SUBSCRIPTIONS: idList(SUBSCRIPTION_ID, "subscription ids (GUIDs)"),
  INVENTORY_MANAGEMENT_GROUPS: idList(MANAGEMENT_GROUP_ID, "management group ids"),
  KUBECONFIG_DIR: optionalText,
  INVENTORY_SCHEDULE: schedule,
  SCAN_CONCURRENCY: boundedInteger(8, 1, 64),
  KUBE_PAGE_SIZE: boundedInteger(500, 1, 5000),
});

type InventoryEnv = z.output<typeof inventorySettingsEnvSchema>;

export type AzureCredentialSettings = { kind: "managed-identity" } | { kind: "local-token"; token: string };

export interface InventorySettings {
  armEndpoint: string;
  armCaFile?: string;
  credential: AzureCredentialSettings;
  scope: { subscriptions: string[]; managementGroups: string[] };
  kube: { kind: "entra" } | { kind: "kubeconfig-directory"; directory: string };
  schedule: string;
  scanConcurrency: number;
  kubePageSize: number;
}

export interface AppSettings extends ProductSettings {
  inventory: InventorySettings;
}

/** Stored credentials and tokens are for the simulator on this machine only. */
function inventoryProblems(env: InventoryEnv): string[] {
  const local = isLoopback(new URL(env.ARM_ENDPOINT).hostname);
  const problems: string[] = [];
  if (env.ARM_LOCAL_TOKEN !== undefined && !local) {
    problems.push(
      "ARM_LOCAL_TOKEN is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure the managed identity is used",
    );
  }
  if (env.KUBECONFIG_DIR !== undefined && !local) {
    problems.push(
      "KUBECONFIG_DIR is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure clusters are reached with Entra tokens, never a stored kubeconfig",
    );
  }
  return problems;
}

function toInventorySettings(env: InventoryEnv): InventorySettings {
  return {
    armEndpoint: env.ARM_ENDPOINT,
    ...(env.ARM_CA_FILE && { armCaFile: env.ARM_CA_FILE }),
    credential: env.ARM_LOCAL_TOKEN
      ? { kind: "local-token", token: env.ARM_LOCAL_TOKEN }
      : { kind: "managed-identity" },
    scope: { subscriptions: env.INVENTORY_SUBSCRIPTIONS, managementGroups: env.INVENTORY_MANAGEMENT_GROUPS },
    kube: env.KUBECONFIG_DIR
      ? { kind: "kubeconfig-directory", directory: env.KUBECONFIG_DIR }
      : { kind: "entra" },
    schedule: env.INVENTORY_SCHEDULE,
    scanConcurrency: env.SCAN_CONCURRENCY,
    kubePageSize: env.KUBE_PAGE_SIZE,
  };
}

const appSettingsEnvSchema = productSettingsEnvSchema.extend(inventorySettingsEnvSchema.shape);

/** The app settings loadAppSettings reads: nothing else in the environment changes its result. */
export const APP_SETTING_NAMES: readonly string[] = Object.keys(appSettingsEnvSchema.shape);

/** Everything the app needs, checked at once: every problem of every setting is reported together. */
export function loadAppSettings(env: Readonly<Record<string, string | undefined>>): AppSettings {
  const parsed = parseEnvSettings(appSettingsEnvSchema, env, (all) => [
    ...crossSettingProblems(all),
    ...inventoryProblems(all),
  ]);
  return { ...toProductSettings(parsed), inventory: toInventorySettings(parsed) };
}

/** Only the schedule: the timer trigger reads it when the app registers its functions. */
export function loadInventorySchedule(env: Readonly<Record<string, string | undefined>>): string {
  return parseEnvSettings(inventorySettingsEnvSchema.pick({ INVENTORY_SCHEDULE: true }), env)
    .INVENTORY_SCHEDULE;
}
