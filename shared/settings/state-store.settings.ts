// Where product state is kept, exactly one of:
//   TABLES_CONNECTION_STRING   storage connection string (Azurite locally)
//   TABLES_ENDPOINT            https://<account>.table.core.windows.net, with managed identity
//   STATE_SQLITE_FILE          a SQLite file: one machine only (npm start). Wrong on Azure Functions,
//                              where instances scale out and none shares another's disk
//   TABLES_PREFIX              prefix of every table name (default "lifecycle")

import { z } from "zod";
import {
  connectionStringParts,
  type Env,
  isLoopback,
  isSet,
  optionalText,
  serviceUrl,
  settingsGroup,
} from "./settings-group.ts";

export type TablesSettings =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "identity"; endpoint: string };

export interface StateStoreSettings {
  store: TablesSettings | { kind: "sqlite"; file: string };
  tablePrefix: string;
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

const STORES = ["TABLES_CONNECTION_STRING", "TABLES_ENDPOINT", "STATE_SQLITE_FILE"] as const;

function oneStore(env: Env): string[] {
  const stores = STORES.filter((name) => isSet(env, name)).length;
  if (stores === 1) return [];
  return [
    `${stores === 0 ? "set" : "set only"} one of TABLES_CONNECTION_STRING (a storage connection string), TABLES_ENDPOINT (https://<account>.table.core.windows.net, with managed identity) or STATE_SQLITE_FILE (a SQLite file, for one machine)`,
  ];
}

export const stateStoreSettings = settingsGroup({
  name: "state store",
  schema: z.object({
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
  }),
  checks: oneStore,
  build: (env): StateStoreSettings => ({
    store: env.STATE_SQLITE_FILE
      ? { kind: "sqlite", file: env.STATE_SQLITE_FILE }
      : env.TABLES_CONNECTION_STRING
        ? { kind: "connection-string", connectionString: env.TABLES_CONNECTION_STRING }
        : { kind: "identity", endpoint: env.TABLES_ENDPOINT as string },
    tablePrefix: env.TABLES_PREFIX,
  }),
});
