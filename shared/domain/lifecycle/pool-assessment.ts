// One pool at `now`: what it runs, where its OS image and Kubernetes version stand, what to move to.
// The pool's state is the more urgent of the two; its end of support the earlier of the two.

import { type Cluster, type NodePool, type PoolRef, poolRef } from "../fleet/model.ts";
import { daysUntil, earliest, type IsoDate } from "./calendar-date.ts";
import { type Recommendation, recommendTarget, skuVersionLimit } from "./compatibility.ts";
import { type EffectiveOs, effectiveOs } from "./effective-os.ts";
import { minorLabel, parseKubernetesMinor } from "./kubernetes-version.ts";
import {
  type Calendar,
  type CalendarSubject,
  findEntry,
  findImageFamilyEntry,
  type LifecycleState,
  type LifecycleStatus,
  lifecycleStatusAt,
  type ResolvedEntry,
} from "./lifecycle-calendar.ts";
import { describeLifecycle } from "./lifecycle-text.ts";
import { type NodeImageVersion, nodeImageAgeDays } from "./node-image-version.ts";
import type { OsName } from "./os-name.ts";

export type PoolState = LifecycleState | "unknown";

/** Most urgent first. Unknown sits above the calmer states: nobody can vouch for such a pool. */
export const URGENCY_ORDER: readonly PoolState[] = [
  "images-removed",
  "end-of-support",
  "nearing-end",
  "unknown",
  "retirement-announced",
  "supported",
];

export interface SubjectAssessment {
  /** What the pool runs: the key of its alert track, whichever entry gave the dates. */
  subject?: CalendarSubject;
  /** The image family whose entry's dates refine the OS's (see osEntry). */
  refinedBy?: CalendarSubject;
  state: PoolState;
  status?: LifecycleStatus;
  reason: string;
}

export type DeadlineEvent = "os-end-of-support" | "image-removal" | "kubernetes-end-of-support";

/** The next date that changes something for the pool, else the one that already did that matters most. */
export interface Deadline {
  event: DeadlineEvent;
  date: IsoDate;
  days: number;
}

export interface PoolAssessment {
  ref: PoolRef;
  osSku?: string;
  effectiveOs: EffectiveOs;
  /** The version the pool's nodes run. */
  kubernetesVersion: string;
  nodeImageVersion?: string;
  nodeImageAgeDays?: number;
  state: PoolState;
  endOfSupport?: IsoDate;
  imageRemoval?: IsoDate;
  daysToEndOfSupport?: number;
  daysToRemoval?: number;
  nextDeadline?: Deadline;
  os: SubjectAssessment;
  kubernetes: SubjectAssessment;
  recommendation?: Recommendation;
  reasons: string[];
}

export const LONG_TERM_SUPPORT_PLAN = "AKSLongTermSupport";

function assessEntry(
  entry: ResolvedEntry & { refinedBy?: CalendarSubject },
  label: string,
  now: Date,
  lts = false,
): SubjectAssessment {
  const status = lifecycleStatusAt(entry, now, { longTermSupport: lts });
  return {
    subject: entry.subject,
    ...(entry.refinedBy && { refinedBy: entry.refinedBy }),
    state: status.state,
    status,
    reason: describeLifecycle(label, status),
  };
}

/**
 * The OS's entry, refined by an entry for the pool's image family: the family's dates win where it
 * states them and the OS's fill in the rest, so a notice that only moves the removal of, say, FIPS
 * images leaves the OS's end of support standing. The subject stays the OS's: a notice refining its
 * dates, and its withdrawal, change the dates of the pool's one OS track rather than start another.
 */
function osEntry(os: OsName, image: NodeImageVersion | undefined, calendar: Calendar) {
  const forOs = findEntry(calendar, { kind: "osSku", value: os });
  const forFamily = image && findImageFamilyEntry(calendar, `${image.family}-${image.variant}`);
  if (!forFamily || !forOs) return forFamily ?? forOs;
  const endOfSupport = forFamily.endOfSupport ?? forOs.endOfSupport;
  const imageRemoval = forFamily.imageRemoval ?? forOs.imageRemoval;
  return {
    ...forFamily,
    subject: forOs.subject,
    refinedBy: forFamily.subject,
    label: `${forOs.label} (${forFamily.label} images)`,
    ...(endOfSupport && { endOfSupport }),
    ...(imageRemoval && { imageRemoval }),
  };
}

function assessOs(os: EffectiveOs, image: NodeImageVersion | undefined, calendar: Calendar, now: Date) {
  if (os === "unknown")
    return { state: "unknown", reason: "the OS is unknown, so is its lifecycle" } as const;
  const entry = osEntry(os, image, calendar);
  if (!entry) return { state: "unknown", reason: `${os} has no lifecycle calendar entry` } as const;
  return assessEntry(entry, entry.label, now);
}

function assessKubernetes(version: string, lts: boolean, calendar: Calendar, now: Date): SubjectAssessment {
  const minor = parseKubernetesMinor(version);
  const entry = minor && findEntry(calendar, { kind: "kubernetesVersion", value: minorLabel(minor) });
  if (!entry) return { state: "unknown", reason: `Kubernetes ${version} is not in the lifecycle calendar` };
  const useLts = lts && entry.ltsEndOfSupport !== undefined;
  return assessEntry(entry, `${entry.label}${useLts ? " (long-term support)" : ""}`, now, useLts);
}

function imageAgeReason(
  raw: string | undefined,
  image: NodeImageVersion | undefined,
  ageDays?: number,
): string {
  if (!raw) return "the pool reports no node image version";
  if (!image || ageDays === undefined) {
    return `node image ${raw} is not in the <family>-<variant>-YYYYMM.DD.PATCH form; its age is unknown`;
  }
  return `node image built ${image.builtOn}, ${ageDays} days old`;
}

function nextDeadline(os: SubjectAssessment, kubernetes: SubjectAssessment): Deadline | undefined {
  const deadline = (event: DeadlineEvent, date?: IsoDate, days?: number) =>
    date !== undefined && days !== undefined ? [{ event, date, days }] : [];
  const deadlines = [
    ...deadline("os-end-of-support", os.status?.endOfSupport?.date, os.status?.daysToEndOfSupport),
    ...deadline("image-removal", os.status?.imageRemoval?.date, os.status?.daysToRemoval),
    ...deadline(
      "kubernetes-end-of-support",
      kubernetes.status?.endOfSupport?.date,
      kubernetes.status?.daysToEndOfSupport,
    ),
  ];
  const upcoming = deadlines.filter((d) => d.days > 0).sort((a, b) => a.days - b.days);
  // Nothing ahead: removed images weigh most, since the pool can no longer scale.
  const weight = (d: Deadline) => (d.event === "image-removal" ? 0 : 1);
  const passed = deadlines
    .filter((d) => d.days <= 0)
    .sort((a, b) => weight(a) - weight(b) || b.days - a.days);
  return upcoming[0] ?? passed[0];
}

function mostUrgent(a: PoolState, b: PoolState): PoolState {
  return URGENCY_ORDER.indexOf(a) <= URGENCY_ORDER.indexOf(b) ? a : b;
}

/**
 * All of a pool an assessment reads besides its ref. Pools alike in these are assessed alike, which
 * poolAssessor relies on: an assessment that read more of the pool would have to read it through here.
 */
export interface PoolTraits {
  osSku?: string;
  /** The version the pool's nodes run. */
  kubernetesVersion: string;
  nodeImageVersion?: string;
  osType: NodePool["osType"];
  enableFips?: boolean;
  longTermSupport: boolean;
}

export function poolTraits(cluster: Cluster, pool: NodePool): PoolTraits {
  return {
    osSku: pool.osSku,
    kubernetesVersion: pool.currentOrchestratorVersion ?? pool.orchestratorVersion,
    nodeImageVersion: pool.nodeImageVersion,
    osType: pool.osType,
    enableFips: pool.enableFips,
    longTermSupport: cluster.supportPlan === LONG_TERM_SUPPORT_PLAN,
  };
}

export function assessPool(cluster: Cluster, pool: NodePool, calendar: Calendar, now: Date): PoolAssessment {
  return { ref: poolRef(cluster, pool), ...assessTraits(poolTraits(cluster, pool), calendar, now) };
}

export type PoolAssessor = (cluster: Cluster, pool: NodePool) => PoolAssessment;

/**
 * assessPool for many pools on one calendar at one instant. A fleet's tens of thousands of pools have a
 * few hundred combinations of traits: each is assessed once, and pools alike share its parts (read them,
 * never change them).
 */
export function poolAssessor(calendar: Calendar, now: Date): PoolAssessor {
  const assessed = new Map<string, Omit<PoolAssessment, "ref">>();
  return (cluster, pool) => {
    const traits = poolTraits(cluster, pool);
    const key = JSON.stringify(traits);
    let assessment = assessed.get(key);
    if (!assessment) {
      assessment = assessTraits(traits, calendar, now);
      assessed.set(key, assessment);
    }
    return { ref: poolRef(cluster, pool), ...assessment };
  };
}

function assessTraits(traits: PoolTraits, calendar: Calendar, now: Date): Omit<PoolAssessment, "ref"> {
  const { kubernetesVersion } = traits;
  const resolved = effectiveOs({
    osSku: traits.osSku,
    kubernetesVersion,
    nodeImageVersion: traits.nodeImageVersion,
  });
  const ageDays = resolved.image && nodeImageAgeDays(resolved.image, now);
  const os: SubjectAssessment = assessOs(resolved.os, resolved.image, calendar, now);
  const kubernetes = assessKubernetes(kubernetesVersion, traits.longTermSupport, calendar, now);

  const state = mostUrgent(os.state, kubernetes.state);
  const endOfSupport = earliest([os.status?.endOfSupport?.date, kubernetes.status?.endOfSupport?.date]);
  const imageRemoval = os.status?.imageRemoval?.date;
  const next = nextDeadline(os, kubernetes);
  const recommendation =
    os.state === "supported" || os.state === "unknown"
      ? undefined
      : recommendTarget(
          resolved.os,
          { kubernetesVersion, osType: traits.osType, enableFips: traits.enableFips },
          calendar,
          now,
        );

  const recommendationReasons = recommendation
    ? [
        `recommended target ${recommendation.osSku} is ${recommendation.compatible ? "compatible" : "not compatible yet"}`,
        ...recommendation.reasons,
      ]
    : [];
  const versionLimit = skuVersionLimit(traits.osSku, kubernetesVersion);

  return {
    ...(traits.osSku !== undefined && { osSku: traits.osSku }),
    effectiveOs: resolved.os,
    kubernetesVersion,
    ...(traits.nodeImageVersion !== undefined && { nodeImageVersion: traits.nodeImageVersion }),
    ...(ageDays !== undefined && { nodeImageAgeDays: ageDays }),
    state,
    ...(endOfSupport && { endOfSupport, daysToEndOfSupport: daysUntil(endOfSupport, now) }),
    ...(imageRemoval && { imageRemoval, daysToRemoval: daysUntil(imageRemoval, now) }),
    ...(next && { nextDeadline: next }),
    os,
    kubernetes,
    ...(recommendation && { recommendation }),
    reasons: [
      `effective OS ${resolved.os}: ${resolved.reason}`,
      os.reason,
      kubernetes.reason,
      imageAgeReason(traits.nodeImageVersion, resolved.image, ageDays),
      ...recommendationReasons,
      ...(versionLimit ? [versionLimit] : []),
    ],
  };
}

export function compareUrgency(a: PoolAssessment, b: PoolAssessment): number {
  return (
    URGENCY_ORDER.indexOf(a.state) - URGENCY_ORDER.indexOf(b.state) ||
    (a.nextDeadline?.days ?? Infinity) - (b.nextDeadline?.days ?? Infinity) ||
    a.ref.cluster.localeCompare(b.ref.cluster) ||
    a.ref.pool.localeCompare(b.ref.pool)
  );
}

export function assessFleet(clusters: readonly Cluster[], calendar: Calendar, now: Date): PoolAssessment[] {
  const assess = poolAssessor(calendar, now);
  return clusters
    .flatMap((cluster) => cluster.nodePools.map((pool) => assess(cluster, pool)))
    .sort(compareUrgency);
}
