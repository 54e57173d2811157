import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AlertFinding,
  type AlertState,
  alertFindings,
  EMPTY_ALERT_STATE,
  evaluateAlerts,
  type LifecycleAlert,
  parseAlertState,
  THRESHOLD_DAYS,
  trackKey,
} from "../../shared/domain/alerts/alert-policy.ts";
import type { Cluster, NodePool, PoolRef } from "../../shared/domain/fleet/model.ts";
import { daysUntil, utcDayOf } from "../../shared/domain/lifecycle/calendar-date.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { assessPool } from "../../shared/domain/lifecycle/pool-assessment.ts";
import { aCluster, fipsUbuntu2204Pool, withFipsImageRemoval } from "../support/pool-fixtures.ts";

// Dates and their sources as shared/domain/lifecycle/data/sources.ts cites them.
const AZURE_LINUX_RETIREMENT =
  "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/includes/azure-linux-retirement.md";
const WINDOWS_2022_RETIREMENT =
  "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/includes/windows-server-2022-retirement.md";

const POOL: PoolRef = {
  clusterId:
    "/subscriptions/0000/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/shop-prod",
  cluster: "shop-prod",
  subscriptionId: "0000",
  resourceGroup: "rg-shop",
  pool: "azl2pool",
};

function azureLinux2(overrides: Partial<AlertFinding> = {}): AlertFinding {
  return {
    pool: POOL,
    subject: "osSku:azurelinux2",
    label: "Azure Linux 2.0",
    state: "end-of-support",
    endOfSupport: { date: "2025-11-30", sourceUrl: AZURE_LINUX_RETIREMENT },
    imageRemoval: { date: "2026-03-31", sourceUrl: AZURE_LINUX_RETIREMENT },
    recommendedTarget: "AzureLinux3",
    ...overrides,
  };
}

const at = (day: string, time = "06:00:00") => new Date(`${day}T${time}Z`);

function addDays(day: string, days: number): string {
  return utcDayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));
}

/** Runs the policy once a day at 06:00 UTC, returning every alert with the day it went out. */
function runDaily(
  findings: (day: string) => AlertFinding[],
  from: string,
  to: string,
  start = EMPTY_ALERT_STATE,
) {
  let state = start;
  const sent: Array<{ day: string; alert: LifecycleAlert }> = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const decision = evaluateAlerts(state, findings(day), at(day));
    state = decision.state;
    sent.push(...decision.alerts.map((alert) => ({ day, alert })));
  }
  return { state, sent };
}

describe("evaluateAlerts on Azure Linux 2.0 (end of support 2025-11-30, images removed 2026-03-31)", () => {
  const { sent } = runDaily(() => [azureLinux2()], "2025-08-01", "2026-04-30");

  it("sends each threshold and each date once, on the day it is reached", () => {
    const stages = sent.filter((s) => s.alert.kind === "stage").map((s) => [s.day, s.alert.stage]);
    expect(stages).toEqual([
      ["2025-09-01", "end-of-support-90d"],
      ["2025-10-01", "end-of-support-60d"],
      ["2025-10-31", "end-of-support-30d"],
      ["2025-11-16", "end-of-support-14d"],
      ["2025-11-23", "end-of-support-7d"],
      ["2025-11-29", "end-of-support-1d"],
      ["2025-11-30", "end-of-support-passed"],
      ["2025-12-31", "image-removal-90d"],
      ["2026-01-30", "image-removal-60d"],
      ["2026-03-01", "image-removal-30d"],
      ["2026-03-17", "image-removal-14d"],
      ["2026-03-24", "image-removal-7d"],
      ["2026-03-30", "image-removal-1d"],
      ["2026-03-31", "image-removal-passed"],
    ]);
  });

  it("reminds weekly from a week after end of support; a stage alert on a reminder day stands in for it", () => {
    const reminders = sent.filter((s) => s.alert.kind === "reminder").map((s) => s.day);
    expect(reminders).toEqual([
      "2025-12-07",
      "2025-12-14",
      "2025-12-21",
      "2025-12-28",
      "2026-01-04",
      "2026-01-11",
      "2026-01-18",
      "2026-01-25",
      "2026-02-01",
      "2026-02-08",
      "2026-02-15",
      "2026-02-22",
      // 2026-03-01 is the image-removal-30d alert's day.
      "2026-03-08",
      "2026-03-15",
      "2026-03-22",
      "2026-03-29",
      "2026-04-05",
      "2026-04-12",
      "2026-04-19",
      "2026-04-26",
    ]);
    const march1 = sent.find((s) => s.day === "2026-03-01")?.alert;
    expect(march1?.covers).toContain(`${trackKey(azureLinux2())}|end-of-support-reminder|2026-03-01`);
  });

  it("rates alerts by how close the deadline is", () => {
    const severity = (stage: string) =>
      sent.find((s) => s.alert.stage === stage && s.alert.kind === "stage")?.alert;
    expect(severity("end-of-support-90d")?.severity).toBe("info");
    expect(severity("end-of-support-30d")?.severity).toBe("warning");
    expect(severity("end-of-support-7d")?.severity).toBe("critical");
    expect(severity("image-removal-passed")?.severity).toBe("critical");
  });
});

describe("evaluateAlerts", () => {
  it("on a first run on 2026-03-15 sends one alert, for the most advanced stage, and records the rest", () => {
    const { alerts, state } = evaluateAlerts(EMPTY_ALERT_STATE, [azureLinux2()], at("2026-03-15"));
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    const key = trackKey(azureLinux2());
    expect(alert).toMatchObject({
      id: `${key}|image-removal-30d|2026-03-31`,
      kind: "stage",
      stage: "image-removal-30d",
      severity: "warning",
      daysToEndOfSupport: -105,
      daysToRemoval: 16,
      recommendedTarget: "AzureLinux3",
    });
    expect(alert?.covers).toEqual([
      ...[90, 60, 30, 14, 7, 1].map((d) => `${key}|end-of-support-${d}d|2025-11-30`),
      `${key}|end-of-support-passed|2025-11-30`,
      ...[90, 60, 30].map((d) => `${key}|image-removal-${d}d|2026-03-31`),
      `${key}|end-of-support-reminder|2026-03-15`,
    ]);
    expect(alert?.message).toBe(
      "Azure Linux 2.0 on pool azl2pool of cluster shop-prod is end-of-support: end of support 2025-11-30 (105 days ago), " +
        `images removed 2026-03-31 (in 16 days). Recommended target: AzureLinux3. Source: ${AZURE_LINUX_RETIREMENT}.`,
    );
    expect(evaluateAlerts(state, [azureLinux2()], at("2026-03-15", "23:59:59")).alerts).toEqual([]);
    expect(evaluateAlerts(state, [azureLinux2()], at("2026-03-16")).alerts).toEqual([]);
    expect(evaluateAlerts(state, [azureLinux2()], at("2026-03-17")).alerts.map((a) => a.stage)).toEqual([
      "image-removal-14d",
    ]);
  });

  it("keeps a track's done ids without its key, and lets no whole id (another track's) stand in for a stage", () => {
    const key = trackKey(azureLinux2());
    const { state } = evaluateAlerts(EMPTY_ALERT_STATE, [azureLinux2()], at("2026-03-15"));
    const done = state.tracks[key]?.done ?? [];
    expect(done).toContain("|image-removal-30d|2026-03-31");
    expect(done.filter((id) => !id.startsWith("|"))).toEqual([]);
    // Stage 14d stored whole, as another track's id would be: it is not this track's, so the stage fires.
    const foreign = `${key}|image-removal-14d|2026-03-31`;
    const withForeign = { ...state.tracks[key], revision: 0, done: [...done, foreign] };
    const later = evaluateAlerts(
      { version: 1, tracks: { [key]: withForeign } },
      [azureLinux2()],
      at("2026-03-17"),
    );
    expect(later.alerts.map((a) => a.id)).toEqual([foreign]);
  });

  it("re-arms earlier thresholds when a correction moves a date later (Windows Server 2022: 2027-03-15 -> 2028-06-30)", () => {
    const windows = (endOfSupport: string): AlertFinding => ({
      pool: { ...POOL, pool: "win22" },
      subject: "osSku:windows2022",
      label: "Windows Server 2022",
      state: "nearing-end",
      endOfSupport: { date: endOfSupport, sourceUrl: WINDOWS_2022_RETIREMENT },
    });
    const before = runDaily(() => [windows("2027-03-15")], "2026-12-01", "2027-01-09");
    expect(before.sent.map((s) => [s.day, s.alert.stage])).toEqual([["2026-12-15", "end-of-support-90d"]]);

    const after = runDaily(() => [windows("2028-06-30")], "2027-01-10", "2028-04-02", before.state);
    const [correction, ...rest] = after.sent;
    expect(correction?.day).toBe("2027-01-10");
    expect(correction?.alert).toMatchObject({
      kind: "dates-changed",
      severity: "warning",
      previous: { endOfSupport: "2027-03-15" },
      covers: [],
    });
    expect(correction?.alert.stage).toBeUndefined();
    expect(correction?.alert.message).toContain("lifecycle dates changed (were end of support 2027-03-15");
    expect(rest.map((s) => [s.day, s.alert.id])).toEqual([
      ["2028-04-01", `${trackKey(windows("x"))}|end-of-support-90d|2028-06-30`],
    ]);
  });

  it("sends one correction alert, stating the current stage, when a date moves earlier", () => {
    // The translated page's removal date (2026-10-31) corrected to the English include's 2026-03-31.
    const { state } = evaluateAlerts(
      EMPTY_ALERT_STATE,
      [azureLinux2({ imageRemoval: { date: "2026-10-31", sourceUrl: AZURE_LINUX_RETIREMENT } })],
      at("2026-03-14"),
    );
    const { alerts } = evaluateAlerts(state, [azureLinux2()], at("2026-03-15"));
    const key = trackKey(azureLinux2());
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      id: `${key}|dates-changed|r1|2025-11-30|2026-03-31`,
      kind: "dates-changed",
      stage: "image-removal-30d",
      previous: { endOfSupport: "2025-11-30", imageRemoval: "2026-10-31" },
      covers: [
        ...[90, 60, 30].map((d) => `${key}|image-removal-${d}d|2026-03-31`),
        `${key}|end-of-support-reminder|2026-03-15`,
      ],
    });
  });

  it("announces a first retirement date for a pool it already tracked, and stops reminding when a date is withdrawn", () => {
    const supported = azureLinux2({ state: "supported", endOfSupport: undefined, imageRemoval: undefined });
    const first = evaluateAlerts(EMPTY_ALERT_STATE, [supported], at("2025-06-01"));
    expect(first.alerts).toEqual([]);
    const announced = evaluateAlerts(
      first.state,
      [azureLinux2({ state: "retirement-announced" })],
      at("2025-06-02"),
    );
    expect(announced.alerts.map((a) => [a.kind, a.stage, a.severity])).toEqual([
      ["dates-changed", undefined, "warning"],
    ]);

    const past = runDaily(() => [azureLinux2()], "2025-06-03", "2025-12-10", announced.state);
    const withdrawn = evaluateAlerts(past.state, [supported], at("2025-12-11"));
    expect(withdrawn.alerts.map((a) => a.kind)).toEqual(["dates-changed"]);
    expect(runDaily(() => [supported], "2025-12-12", "2026-02-01", withdrawn.state).sent).toEqual([]);
  });

  it("keeps a pool's one OS track when a notice refines its image family's dates, and when it is withdrawn", () => {
    const fips = fipsUbuntu2204Pool();
    const cluster = aCluster({ kubernetesVersion: "1.33.4", supportPlan: "AKSLongTermSupport" }, [fips]);
    const base = resolveCalendar(BASE_CALENDAR, []);
    const osAlerts = (state: AlertState, calendar: typeof base, day: string) => {
      const findings = alertFindings(assessPool(cluster, fips, calendar, at(day)));
      return evaluateAlerts(
        state,
        findings.filter((finding) => finding.subject.startsWith("osSku:")),
        at(day),
      );
    };
    const passed = osAlerts(EMPTY_ALERT_STATE, base, "2027-07-15");
    expect(passed.alerts.map((a) => [a.subject, a.kind, a.stage])).toEqual([
      ["osSku:ubuntu2204", "stage", "end-of-support-passed"],
    ]);
    const refined = osAlerts(
      passed.state,
      withFipsImageRemoval("2028-10-31", "2027-07-15T20:00:00Z"),
      "2027-07-16",
    );
    expect(refined.alerts.map((a) => [a.subject, a.kind, a.imageRemoval?.date])).toEqual([
      ["osSku:ubuntu2204", "dates-changed", "2028-10-31"],
    ]);
    // Named by the OS and the image family whose dates apply.
    expect(refined.alerts[0]?.label).toBe("Ubuntu2204 (AKSUbuntu-2204gen2fips)");
    const withdrawn = osAlerts(refined.state, base, "2027-07-17");
    expect(withdrawn.alerts.map((a) => [a.subject, a.kind, a.imageRemoval?.date])).toEqual([
      ["osSku:ubuntu2204", "dates-changed", "2028-04-30"],
    ]);
  });

  it("keeps the state of tracks the run did not see, and alerts each subject of a pool on its own", () => {
    const kubernetes: AlertFinding = {
      pool: POOL,
      subject: "kubernetesVersion:1.31",
      label: "Kubernetes 1.31",
      state: "end-of-support",
      endOfSupport: {
        date: "2025-11-01",
        sourceUrl:
          "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/supported-kubernetes-versions.md",
      },
    };
    const both = evaluateAlerts(EMPTY_ALERT_STATE, [azureLinux2(), kubernetes], at("2025-11-05"));
    expect(both.alerts.map((a) => [a.subject, a.stage])).toEqual([
      ["kubernetesVersion:1.31", "end-of-support-passed"],
      ["osSku:azurelinux2", "end-of-support-30d"],
    ]);
    const partial = evaluateAlerts(both.state, [kubernetes], at("2025-11-30"));
    expect(partial.state.tracks[trackKey(azureLinux2())]).toEqual(both.state.tracks[trackKey(azureLinux2())]);
    expect(
      evaluateAlerts(partial.state, [azureLinux2()], at("2025-11-30")).alerts.map((a) => a.stage),
    ).toEqual(["end-of-support-passed"]);
  });

  it("turns a pool assessment into one finding per dated subject", () => {
    const pool: NodePool = {
      name: "azl2pool",
      mode: "User",
      osType: "Linux",
      osSku: "AzureLinux",
      orchestratorVersion: "1.31.2",
      nodeImageVersion: "AKSAzureLinux-V2gen2-202512.06.0",
      count: 3,
      enableAutoScaling: false,
      vmSize: "Standard_D4s_v5",
      availabilityZones: [],
      nodeLabels: {},
      nodeTaints: [],
      upgradeSettings: {},
    };
    const cluster: Cluster = {
      id: POOL.clusterId,
      name: "shop-prod",
      subscriptionId: "0000",
      resourceGroup: "rg-shop",
      location: "westeurope",
      kubernetesVersion: "1.31.2",
      networkProfile: {},
      storageProfile: {},
      autoScalerProfile: {},
      nodePools: [pool],
    };
    const now = at("2026-03-15");
    const assessment = assessPool(cluster, pool, resolveCalendar(BASE_CALENDAR, []), now);
    const findings = alertFindings(assessment);
    const os = findings.find((f) => f.subject === "osSku:azurelinux2");
    expect(os).toMatchObject({
      pool: POOL,
      state: "end-of-support",
      endOfSupport: { date: "2025-11-30" },
      imageRemoval: { date: "2026-03-31" },
    });
    expect(os?.recommendedTarget).toBe(assessment.recommendation?.osSku);
    expect(findings.map((f) => f.subject)).toContain("kubernetesVersion:1.31");
    const alerts = evaluateAlerts(EMPTY_ALERT_STATE, findings, now).alerts;
    expect(alerts.find((a) => a.subject === "osSku:azurelinux2")?.stage).toBe("image-removal-30d");
  });

  it("rejects bad input with what is wrong", () => {
    expect(() => evaluateAlerts(EMPTY_ALERT_STATE, [azureLinux2(), azureLinux2()], at("2026-01-01"))).toThrow(
      "two alert findings for the same pool and subject",
    );
    expect(() =>
      evaluateAlerts(
        EMPTY_ALERT_STATE,
        [azureLinux2({ imageRemoval: { date: "2026-02-30", sourceUrl: AZURE_LINUX_RETIREMENT } })],
        at("2026-01-01"),
      ),
    ).toThrow('(osSku:azurelinux2): imageRemoval.date "2026-02-30" is not a calendar date');
    expect(() => evaluateAlerts(EMPTY_ALERT_STATE, [azureLinux2()], new Date("not a date"))).toThrow(
      "now is not a valid date",
    );
  });
});

describe("parseAlertState", () => {
  it("round-trips a state through JSON", () => {
    const { state } = runDaily(() => [azureLinux2()], "2025-11-01", "2025-12-31");
    expect(parseAlertState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  const bad: Array<[unknown, string]> = [
    [null, "alert state: is not an object"],
    [{ version: 2, tracks: {} }, "alert state: version 2 is not supported (expected 1)"],
    [{ version: 1 }, "alert state: tracks is not an object"],
    [
      { version: 1, tracks: { t: { revision: 0, done: [1] } } },
      "alert state: track t: done is not a list of ids",
    ],
    [
      { version: 1, tracks: { t: { revision: "0", done: [] } } },
      "alert state: track t: revision is not an integer",
    ],
    [
      { version: 1, tracks: { t: { revision: 0, done: [], endOfSupport: "30/11/2025" } } },
      'alert state: track t: endOfSupport "30/11/2025" is not a calendar date',
    ],
  ];
  it.each(bad)("rejects %j", (value, message) => {
    expect(() => parseAlertState(value)).toThrow(message);
  });
});

// ---- Properties -------------------------------------------------------------------------------

const dayArb = fc.integer({ min: 0, max: 6 * 365 }).map((n) => addDays("2025-01-01", n));
const findingArb = (pool: string) =>
  fc
    .record({ eos: fc.option(dayArb, { nil: undefined }), removal: fc.option(dayArb, { nil: undefined }) })
    .map(
      ({ eos, removal }): AlertFinding => ({
        pool: { ...POOL, pool },
        subject: "osSku:azurelinux2",
        label: "Azure Linux 2.0",
        state: "nearing-end",
        ...(eos && { endOfSupport: { date: eos, sourceUrl: AZURE_LINUX_RETIREMENT } }),
        ...(removal && { imageRemoval: { date: removal, sourceUrl: AZURE_LINUX_RETIREMENT } }),
      }),
    );
const fleetArb = fc
  .uniqueArray(fc.constantFrom("pool1", "pool2", "pool3"), { minLength: 1 })
  .chain((pools) => fc.tuple(...pools.map(findingArb)));
/** Increasing instants: from 2024-10-01, steps of up to ~60 days, several runs a day possible. */
const nowsArb = fc
  .array(fc.integer({ min: 0, max: 60 * 24 }), { minLength: 1, maxLength: 60 })
  .map((steps) => {
    let t = Date.parse("2024-10-01T00:00:00Z");
    return steps.map((hours) => {
      t += hours * 3_600_000;
      return new Date(t);
    });
  });

/** Oracle: the ids of stages crossed at `now`, computed straight from the thresholds. */
function crossedIds(finding: AlertFinding, now: Date): string[] {
  const key = trackKey(finding);
  const deadlines = [
    ["end-of-support", finding.endOfSupport?.date],
    ["image-removal", finding.imageRemoval?.date],
  ] as const;
  return deadlines.flatMap(([deadline, date]) =>
    date === undefined
      ? []
      : [...THRESHOLD_DAYS, 0]
          .filter((days) => daysUntil(date, now) <= days)
          .map((days) => `${key}|${deadline}-${days === 0 ? "passed" : `${days}d`}|${date}`),
  );
}

describe("alert policy properties", () => {
  it("is idempotent: a second run with the same now and findings sends nothing and changes nothing", () => {
    fc.assert(
      fc.property(fleetArb, nowsArb, (findings, nows) => {
        let state: AlertState = EMPTY_ALERT_STATE;
        for (const now of nows) {
          state = evaluateAlerts(state, findings, now).state;
          const again = evaluateAlerts(state, findings, now);
          expect(again.alerts).toEqual([]);
          expect(again.state).toEqual(state);
        }
      }),
    );
  });

  it("never misses a stage crossed between two runs, and announces it with one alert for the most advanced", () => {
    fc.assert(
      fc.property(fleetArb, nowsArb, (findings, nows) => {
        let state: AlertState = EMPTY_ALERT_STATE;
        let previousNow: Date | undefined;
        for (const now of nows) {
          const decision = evaluateAlerts(state, findings, now);
          for (const finding of findings) {
            const key = trackKey(finding);
            const crossed = crossedIds(finding, now);
            const newlyCrossed = crossed.filter(
              (id) => !previousNow || !crossedIds(finding, previousNow).includes(id),
            );
            expect(decision.state.tracks[key]?.done).toEqual(
              expect.arrayContaining(crossed.map((id) => id.slice(key.length))),
            );
            const forTrack = decision.alerts.filter((a) => trackKey(a) === key);
            expect(forTrack.length).toBeLessThanOrEqual(1);
            if (newlyCrossed.length > 0) {
              expect(forTrack).toHaveLength(1);
              expect(forTrack[0]?.kind).toBe("stage");
              expect([forTrack[0]?.id, ...(forTrack[0]?.covers ?? [])]).toEqual(
                expect.arrayContaining(newlyCrossed),
              );
              // The most advanced: no crossed stage is reached on a later day.
              const reachedOn = (id: string) => {
                const [, stage = "", date = ""] = id.split("|");
                const days = stage.endsWith("passed")
                  ? 0
                  : Number.parseInt(stage.split("-").at(-1) ?? "", 10);
                return Date.parse(date) - days * 86_400_000;
              };
              const top = reachedOn(forTrack[0]?.id ?? "");
              for (const id of crossed) expect(reachedOn(id)).toBeLessThanOrEqual(top);
            } else {
              expect(forTrack.filter((a) => a.kind === "stage")).toEqual([]);
            }
          }
          state = decision.state;
          previousNow = now;
        }
      }),
    );
  });

  it("never sends the same alert id twice, even as corrections move dates back and forth", () => {
    const runArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 45 * 24 }), fleetArb), {
      minLength: 1,
      maxLength: 40,
    });
    fc.assert(
      fc.property(runArb, (runs) => {
        let state: AlertState = EMPTY_ALERT_STATE;
        let t = Date.parse("2024-10-01T00:00:00Z");
        const ids = new Set<string>();
        for (const [hours, findings] of runs) {
          t += hours * 3_600_000;
          const decision = evaluateAlerts(state, findings, new Date(t));
          for (const alert of decision.alerts) {
            expect(ids.has(alert.id)).toBe(false);
            ids.add(alert.id);
          }
          state = decision.state;
        }
      }),
    );
  });

  it("gives the same decisions from a state that went through JSON storage", () => {
    fc.assert(
      fc.property(fleetArb, nowsArb, (findings, nows) => {
        let state: AlertState = EMPTY_ALERT_STATE;
        for (const now of nows) {
          const direct = evaluateAlerts(state, findings, now);
          const stored = evaluateAlerts(parseAlertState(JSON.parse(JSON.stringify(state))), findings, now);
          expect(stored).toEqual(direct);
          state = direct.state;
        }
      }),
    );
  });
});
