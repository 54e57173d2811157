// The Service Bus client for the settings: a connection string (the simulator locally), or the namespace
// with a credential (managed identity in Azure). Shared by the app's alert topic and `notices send`.

import type { TokenCredential } from "@azure/identity";
import { ServiceBusClient } from "@azure/service-bus";
import type { ServiceBusConnectionSettings } from "../settings/service-bus.settings.ts";

/** Few retries: callers report a failure (a sink leaves the alert pending, the CLI says it) rather than wait. */
const RETRY_OPTIONS = { maxRetries: 2 };

export function serviceBusClientFor(
  settings: ServiceBusConnectionSettings,
  credential: TokenCredential,
): ServiceBusClient {
  return settings.kind === "connection-string"
    ? new ServiceBusClient(settings.connectionString, { retryOptions: RETRY_OPTIONS })
    : new ServiceBusClient(settings.fullyQualifiedNamespace, credential, { retryOptions: RETRY_OPTIONS });
}
