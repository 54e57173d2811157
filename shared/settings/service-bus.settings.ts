// Service Bus: the notices queue the app listens on, and the namespace the alert topic is in.
//   ServiceBusConnection                            Service Bus connection string, or
//   ServiceBusConnection__fullyQualifiedNamespace   <namespace>.servicebus.windows.net, with managed identity
//   NOTICES_QUEUE                                   queue of retirement notices (default "retirement-notices")

import { z } from "zod";
import {
  connectionStringParts,
  type Env,
  isLoopback,
  isSet,
  optionalText,
  settingsGroup,
} from "./settings-group.ts";

/** The Functions convention: the trigger's `connection` names this setting (or its __fullyQualifiedNamespace). */
export const SERVICE_BUS_CONNECTION = "ServiceBusConnection";
export const SERVICE_BUS_NAMESPACE = `${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace` as const;

export type ServiceBusConnectionSettings =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "identity"; fullyQualifiedNamespace: string };

export interface ServiceBusSettings {
  connection?: ServiceBusConnectionSettings;
  noticesQueue: string;
}

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
export const ENTITY_NAME = /^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/;

/** A Service Bus connection is set, well-formed or not (the Service Bus group reports what is wrong). */
export function serviceBusConfigured(env: Env): boolean {
  return isSet(env, SERVICE_BUS_CONNECTION) || isSet(env, SERVICE_BUS_NAMESPACE);
}

export const serviceBusSettings = settingsGroup({
  name: "Service Bus",
  schema: z.object({
    [SERVICE_BUS_CONNECTION]: serviceBusConnectionString,
    [SERVICE_BUS_NAMESPACE]: optionalText.refine(
      (value) => value === undefined || /^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}$/.test(value),
      { message: "expected a host name like <namespace>.servicebus.windows.net" },
    ),
    NOTICES_QUEUE: optionalText
      .transform((value) => value ?? "retirement-notices")
      .refine((value) => ENTITY_NAME.test(value) && value.length <= 260, {
        message: "expected a Service Bus entity name: letters, digits, '.', '-', '_' or '/', at most 260",
      }),
  }),
  checks: (env) =>
    isSet(env, SERVICE_BUS_CONNECTION) && isSet(env, SERVICE_BUS_NAMESPACE)
      ? [`set only one of ${SERVICE_BUS_CONNECTION} or ${SERVICE_BUS_NAMESPACE}`]
      : [],
  build: (env): ServiceBusSettings => {
    const connectionString = env[SERVICE_BUS_CONNECTION];
    const fullyQualifiedNamespace = env[SERVICE_BUS_NAMESPACE];
    const connection: ServiceBusConnectionSettings | undefined = connectionString
      ? { kind: "connection-string", connectionString }
      : fullyQualifiedNamespace
        ? { kind: "identity", fullyQualifiedNamespace }
        : undefined;
    return { ...(connection && { connection }), noticesQueue: env.NOTICES_QUEUE };
  },
});
