// The settings product state, notices and alerts need, read from app settings (environment variables,
// as the Functions host hands them over) and checked before anything is built. Anything missing,
// contradictory or unsafe is refused with the setting's name and what is expected: the service does not
// start half-configured. The composition root extends productSettingsEnvSchema with its own settings.
//
//   TABLES_CONNECTION_STRING        storage connection string (Azurite locally), or
//   TABLES_ENDPOINT                 https://<account>.table.core.windows.net, with managed identity
//   TABLES_PREFIX                   prefix of every table name (default "lifecycle")
//   ServiceBusConnection            Service Bus connection string, or
//   ServiceBusConnection__fullyQualifiedNamespace   <namespace>.servicebus.windows.net, with managed identity
//   NOTICES_QUEUE                   queue of retirement notices (default "retirement-notices")
//   ALERT_WEBHOOK_URL               generic webhook for alerts
//   ALERT_TEAMS_WEBHOOK_URL         Microsoft Teams incoming webhook (needs STATUS_BASE_URL)
//   ALERT_TOPIC                     Service Bus topic for alerts (needs a Service Bus connection)
//   STATUS_BASE_URL                 public base URL of the product, for links to a pool's status

import { z } from "zod";

/** The Functions convention: the trigger's `connection` names this setting (or its __fullyQualifiedNamespace). */
export const SERVICE_BUS_CONNECTION = "ServiceBusConnection";
const SERVICE_BUS_NAMESPACE = `${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace` as const;

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

const entityName = (fallback: string) =>
  optionalText
    .transform((value) => value ?? fallback)
    .refine((value) => /^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/.test(value) && value.length <= 260, {
      message: "expected a Service Bus entity name: letters, digits, '.', '-', '_' or '/', at most 260",
    });

/** The raw settings, keyed by their app-setting names so every problem names the setting to fix. */
export const productSettingsEnvSchema = z.object({
  TABLES_CONNECTION_STRING: tablesConnectionString,
  TABLES_ENDPOINT: serviceUrl,
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
  ALERT_TOPIC: optionalText.refine(
    (value) => value === undefined || /^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/.test(value),
    { message: "expected a Service Bus topic name: letters, digits, '.', '-', '_' or '/'" },
  ),
  STATUS_BASE_URL: serviceUrl,
});

type Env = z.output<typeof productSettingsEnvSchema>;

export type TablesSettings =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "identity"; endpoint: string };

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
  tables: TablesSettings;
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
  const tables = [env.TABLES_CONNECTION_STRING, env.TABLES_ENDPOINT].filter((v) => v !== undefined).length;
  if (tables !== 1) {
    problems.push(
      `${tables === 0 ? "set" : "set only"} one of TABLES_CONNECTION_STRING (a storage connection string) or TABLES_ENDPOINT (https://<account>.table.core.windows.net, with managed identity)`,
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

export function toProductSettings(env: Env): ProductSettings {
  const connectionString = env.TABLES_CONNECTION_STRING;
  const serviceBus = serviceBusOf(env);
  return {
    tables: connectionString
      ? { kind: "connection-string", connectionString }
      : { kind: "identity", endpoint: env.TABLES_ENDPOINT as string },
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
