// Microsoft.Resources subscriptions: the list and each subscription, as the fleet's scenario names them.

import type { Fleet } from "../model/fleet.ts";
import { requireSubscription } from "./arm-lookups.ts";
import { ok, PATTERNS, type Route } from "./arm-routes.ts";
import type { Json } from "./request-validation.ts";

export function subscriptionRoutes(fleet: Fleet): Route[] {
  const resource = (id: string): Json => ({
    id: `/subscriptions/${id}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: id,
    tenantId: fleet.scenario.tenantId,
    displayName: fleet.subscription(id)?.displayName ?? id,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "EnterpriseAgreement_2014-09-01",
      spendingLimit: "Off",
    },
  });
  return [
    {
      pattern: PATTERNS.subscriptions,
      method: "GET",
      handle: () => ok({ value: fleet.subscriptions.map((s) => resource(s.id)) }),
    },
    {
      pattern: PATTERNS.subscription,
      method: "GET",
      handle: (p) => ok(resource(requireSubscription(fleet, p.sub as string))),
    },
  ];
}
