// The app settings, grouped by what they configure (shared/settings/*.settings.ts, each listing its
// settings): read from the environment as the Functions host hands them over, and checked before anything
// is built. Anything missing, contradictory or unsafe is refused naming the group, the setting and what is
// expected: the service does not start half-configured. A new feature adds a group here.

import { type AccessSettings, accessSettings } from "./settings/access.settings.ts";
import { type AlertSinkSettings, alertSinkSettings } from "./settings/alert-sinks.settings.ts";
import { type AzureSettings, azureSettings } from "./settings/azure.settings.ts";
import { type IdentitySettings, identitySettings } from "./settings/identity.settings.ts";
import { type InventorySettings, inventorySettings } from "./settings/inventory.settings.ts";
import { type KubeSettings, kubeSettings } from "./settings/kube.settings.ts";
import {
  type ServiceBusConnectionSettings,
  type ServiceBusSettings,
  serviceBusSettings,
} from "./settings/service-bus.settings.ts";
import {
  type Env,
  parseSettingsGroup,
  parseSettingsGroups,
  settingNames,
} from "./settings/settings-group.ts";
import { type StateStoreSettings, stateStoreSettings } from "./settings/state-store.settings.ts";

export { loadInventorySchedule } from "./settings/inventory.settings.ts";
export { SERVICE_BUS_CONNECTION, SERVICE_BUS_NAMESPACE } from "./settings/service-bus.settings.ts";
export { SettingsError } from "./settings/settings-group.ts";

/** In the order their problems are listed. */
const APP_SETTING_GROUPS = {
  azure: azureSettings,
  kube: kubeSettings,
  stateStore: stateStoreSettings,
  serviceBus: serviceBusSettings,
  alertSinks: alertSinkSettings,
  inventory: inventorySettings,
  identity: identitySettings,
  access: accessSettings,
};

export interface AppSettings {
  azure: AzureSettings;
  kube: KubeSettings;
  stateStore: StateStoreSettings;
  serviceBus: ServiceBusSettings;
  alertSinks: AlertSinkSettings;
  inventory: InventorySettings;
  identity: IdentitySettings;
  access: AccessSettings;
}

/** The app settings loadAppSettings reads: nothing else in the environment changes its result. */
export const APP_SETTING_NAMES: readonly string[] = settingNames(APP_SETTING_GROUPS);

/** Everything the app needs, checked at once: every problem of every group is reported together. */
export function loadAppSettings(env: Env): AppSettings {
  return parseSettingsGroups(APP_SETTING_GROUPS, env);
}

/** Only what sending to the notices queue needs (the operator command, the queue trigger's name). */
export function loadServiceBusSettings(env: Env): {
  serviceBus?: ServiceBusConnectionSettings;
  noticesQueue: string;
} {
  const { connection, noticesQueue } = parseSettingsGroup(serviceBusSettings, env);
  return { ...(connection && { serviceBus: connection }), noticesQueue };
}
