// The cluster autoscaler profile as AKS's API carries it (ManagedClusterPropertiesAutoScalerProfile,
// api-version 2026-06-01): kebab-case keys, three of them booleans and the rest strings. The values are
// what AKS fills in once a pool autoscales.

import { z } from "zod";

export const AUTOSCALER_DEFAULTS = {
  "balance-similar-node-groups": "false",
  "daemonset-eviction-for-empty-nodes": false,
  "daemonset-eviction-for-occupied-nodes": true,
  expander: "random",
  "ignore-daemonsets-utilization": false,
  "max-empty-bulk-delete": "10",
  "max-graceful-termination-sec": "600",
  "max-node-provision-time": "15m",
  "max-total-unready-percentage": "45",
  "new-pod-scale-up-delay": "0s",
  "ok-total-unready-count": "3",
  "scale-down-delay-after-add": "10m",
  "scale-down-delay-after-delete": "10s",
  "scale-down-delay-after-failure": "3m",
  "scale-down-unneeded-time": "10m",
  "scale-down-unready-time": "20m",
  "scale-down-utilization-threshold": "0.5",
  "scan-interval": "10s",
  "skip-nodes-with-local-storage": "false",
  "skip-nodes-with-system-pods": "true",
} as const;

export type AutoScalerSetting = keyof typeof AUTOSCALER_DEFAULTS;
export type AutoScalerProfile = {
  -readonly [K in AutoScalerSetting]?: (typeof AUTOSCALER_DEFAULTS)[K] extends boolean ? boolean : string;
};

export const AUTOSCALER_SETTINGS = new Set<string>(Object.keys(AUTOSCALER_DEFAULTS));

/** Whether the API types this setting as a boolean (the others are strings). */
export function isBooleanSetting(setting: AutoScalerSetting): boolean {
  return typeof AUTOSCALER_DEFAULTS[setting] === "boolean";
}

export const autoScalerProfileSchema = z.strictObject(
  Object.fromEntries(
    (Object.keys(AUTOSCALER_DEFAULTS) as AutoScalerSetting[]).map((setting) => [
      setting,
      (isBooleanSetting(setting) ? z.boolean() : z.string()).optional(),
    ]),
  ) as {
    [K in AutoScalerSetting]: z.ZodOptional<
      (typeof AUTOSCALER_DEFAULTS)[K] extends boolean ? z.ZodBoolean : z.ZodString
    >;
  },
);
