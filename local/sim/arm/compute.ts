// Microsoft.Compute as capacity planning reads it: a subscription's vCPU usage and limit per VM family in
// a region (usages) and the VM sizes a region offers with their family and vCPUs (resource SKUs). Usage
// counts the machines of the subscription's pools in the region; limits come from the scenario.

import type { Fleet } from "../model/fleet.ts";
import { DEFAULT_FAMILY_VCPU_LIMIT } from "../scenario/vm-sizes.ts";
import { ArmError } from "./arm-error.ts";
import { requireSubscription } from "./arm-lookups.ts";
import { ok, PATTERNS, type Route, same } from "./arm-routes.ts";
import type { Json } from "./request-validation.ts";

/** What Microsoft.Compute calls the regional total of every family. */
const TOTAL = "cores";

export function computeRoutes(fleet: Fleet): Route[] {
  return [
    {
      pattern: PATTERNS.computeUsages,
      method: "GET",
      handle: (p) =>
        ok({ value: usages(fleet, requireSubscription(fleet, p.sub as string), p.location as string) }),
    },
    {
      pattern: PATTERNS.computeSkus,
      method: "GET",
      handle: (p, r) => {
        const subscriptionId = requireSubscription(fleet, p.sub as string);
        const filter = r.url.searchParams.get("$filter");
        const locations = filter === null ? fleetLocations(fleet, subscriptionId) : [locationOf(filter)];
        return ok({ value: locations.flatMap((location) => skus(fleet, location)) });
      },
    },
  ];
}

function usages(fleet: Fleet, subscriptionId: string, location: string): Json[] {
  const quota = fleet.subscription(subscriptionId)?.quota ?? {};
  const used = new Map<string, number>();
  for (const cluster of fleet.clusters) {
    if (!same(cluster.subscriptionId, subscriptionId) || !same(cluster.location, location)) continue;
    for (const pool of cluster.pools.values()) {
      const size = cluster.ctx.vmSizes[pool.props.vmSize];
      if (!size) continue;
      const vcpus = size.vCPUs * pool.liveMachines().length;
      used.set(size.family, (used.get(size.family) ?? 0) + vcpus);
      used.set(TOTAL, (used.get(TOTAL) ?? 0) + vcpus);
    }
  }
  const families = new Set([TOTAL, ...Object.values(fleet.context.vmSizes).map((s) => s.family)]);
  return [...families].map((family) => ({
    limit: quota[family] ?? DEFAULT_FAMILY_VCPU_LIMIT,
    unit: "Count",
    currentValue: used.get(family) ?? 0,
    name: { value: family, localizedValue: family === TOTAL ? "Total Regional vCPUs" : familyTitle(family) },
  }));
}

/** standardDDSv5Family -> "Standard DDSv5 Family vCPUs", as the portal and the API spell it. */
function familyTitle(family: string): string {
  return `${family.replace(/^standard/, "Standard ").replace(/Family$/, " Family")} vCPUs`;
}

function skus(fleet: Fleet, location: string): Json[] {
  return Object.entries(fleet.context.vmSizes).map(([name, size]) => ({
    resourceType: "virtualMachines",
    name,
    tier: "Standard",
    size: name.replace(/^Standard_/, ""),
    family: size.family,
    locations: [location],
    locationInfo: [{ location, zones: ["1", "2", "3"], zoneDetails: [] }],
    capabilities: [
      { name: "vCPUs", value: String(size.vCPUs) },
      { name: "MemoryGB", value: String(size.memoryGiB) },
    ],
    restrictions: [],
  }));
}

function fleetLocations(fleet: Fleet, subscriptionId: string): string[] {
  const inSubscription = fleet.clusters.filter((c) => same(c.subscriptionId, subscriptionId));
  return [...new Set(inSubscription.map((c) => c.location))];
}

/** The one filter resource SKUs take: location eq '<region>'. */
function locationOf(filter: string): string {
  const location = /^\s*location\s+eq\s+'([^']+)'\s*$/i.exec(filter)?.[1];
  if (location === undefined) {
    throw new ArmError(
      400,
      "InvalidFilter",
      `The filter '${filter}' is not valid: only location eq '<region>' is supported.`,
    );
  }
  return location;
}
