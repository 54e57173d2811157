import { describe, expect, it } from "vitest";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { type LifecycleNotice, resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { assessFleet } from "../../shared/domain/lifecycle/pool-assessment.ts";
import {
  escapeText,
  foldLine,
  poolGroupEvents,
  renderCalendarIcs,
} from "../../shared/report/calendar-ics.ts";
import { calendarView } from "../../shared/report/calendar-view.ts";
import { aCluster, aPool, day } from "../support/pool-fixtures.ts";

const NOW = day("2026-01-10");
const MOVED: LifecycleNotice = {
  id: "azl2-removal-moved",
  subject: { kind: "osSku", value: "AzureLinux2" },
  imageRemoval: "2026-06-30",
  sourceUrl: "https://github.com/Azure/AKS/issues/4988",
  note: "Removal moved; see the issue, comments 1, 2; and 3",
  receivedAt: "2026-01-05T09:00:00Z",
};

const fleet = [
  aCluster({ name: "prod-weu" }, [aPool({ name: "apps" }), aPool({ name: "system", mode: "System" })]),
  aCluster({ name: "prod-neu", resourceGroup: "rg,with;odd\\chars" }, [aPool({ name: "apps" })]),
  aCluster({ name: "lts", supportPlan: "AKSLongTermSupport" }, [
    aPool({ name: "ubuntu", osSku: "Ubuntu", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202512.10.0" }),
  ]),
  aCluster({ name: "dev" }, [
    aPool({ name: "ubuntu", osSku: "Ubuntu", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202512.10.0" }),
  ]),
];

function events(notices: LifecycleNotice[] = []) {
  const calendar = resolveCalendar(BASE_CALENDAR, notices);
  return { calendar, events: poolGroupEvents(calendar, assessFleet(fleet, calendar, NOW)) };
}

/** RFC 5545 unfolding: a CRLF followed by one space or tab joins the lines. */
function unfold(ics: string): string[] {
  return ics
    .replace(/\r\n[ \t]/g, "")
    .split("\r\n")
    .slice(0, -1);
}

function property(lines: string[], name: string): string[] {
  return lines.filter((line) => line.startsWith(`${name}:`) || line.startsWith(`${name};`));
}

describe("poolGroupEvents", () => {
  it("groups pools by subject, deadline and date, earliest first, with the facts' sources", () => {
    const summary = events([MOVED]).events.map((e) => [
      e.label,
      e.deadline,
      e.fact.date,
      e.pools.map((p) => `${p.ref.cluster}/${p.ref.pool}`),
    ]);
    expect(summary).toEqual([
      [
        "Kubernetes 1.31",
        "end-of-support",
        "2025-11-01",
        ["dev/ubuntu", "prod-neu/apps", "prod-weu/apps", "prod-weu/system"],
      ],
      [
        "Azure Linux 2.0",
        "end-of-support",
        "2025-11-30",
        ["prod-neu/apps", "prod-weu/apps", "prod-weu/system"],
      ],
      [
        "Azure Linux 2.0",
        "image-removal",
        "2026-06-30",
        ["prod-neu/apps", "prod-weu/apps", "prod-weu/system"],
      ],
      ["Kubernetes 1.31", "end-of-support", "2026-11-30", ["lts/ubuntu"]],
      ["Ubuntu 22.04", "end-of-support", "2027-06-30", ["dev/ubuntu", "lts/ubuntu"]],
      ["Ubuntu 22.04", "image-removal", "2028-04-30", ["dev/ubuntu", "lts/ubuntu"]],
    ]);
  });

  it("keeps an event's UID when a notice moves its date, and counts the notices in SEQUENCE", () => {
    const before = events().events.find(
      (e) => e.label === "Azure Linux 2.0" && e.deadline === "image-removal",
    );
    const after = events([MOVED]).events.find(
      (e) => e.label === "Azure Linux 2.0" && e.deadline === "image-removal",
    );
    expect(before?.fact.date).toBe("2026-03-31");
    expect(after?.fact).toMatchObject({ date: "2026-06-30", noticeId: "azl2-removal-moved" });
    expect(after?.uid).toBe(before?.uid);
    expect([before?.sequence, after?.sequence]).toEqual([0, 1]);
  });

  it("moves the event back when the notice is withdrawn, with a higher SEQUENCE so clients take it", () => {
    const withdrawal: LifecycleNotice = {
      id: "azl2-removal-moved-withdrawn",
      withdraws: MOVED.id,
      subject: MOVED.subject,
      sourceUrl: MOVED.sourceUrl,
      note: "announced in error",
      receivedAt: "2026-01-06T09:00:00Z",
    };
    const removal = (notices: LifecycleNotice[]) =>
      events(notices).events.find((e) => e.label === "Azure Linux 2.0" && e.deadline === "image-removal");
    const moved = removal([MOVED]);
    const back = removal([MOVED, withdrawal]);
    expect(back?.fact.date).toBe("2026-03-31");
    expect(back?.uid).toBe(moved?.uid);
    expect([moved?.sequence, back?.sequence]).toEqual([1, 2]);
  });

  it("gives every event its own UID: long-term support ends apart from the community end", () => {
    const uids = events([MOVED]).events.map((e) => e.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.every((uid) => /^[0-9a-f]{32}(-\d{4}-\d{2}-\d{2})?@aks-image-lifecycle$/.test(uid))).toBe(
      true,
    );
  });

  it("keeps UIDs unique when pools assessed on an older calendar still show the old date", () => {
    const old = resolveCalendar(BASE_CALENDAR, []);
    const current = resolveCalendar(BASE_CALENDAR, [MOVED]);
    const stale = assessFleet([fleet[0] as (typeof fleet)[0]], old, NOW);
    const fresh = assessFleet([fleet[1] as (typeof fleet)[0]], current, NOW);
    const removal = poolGroupEvents(current, [...stale, ...fresh]).filter(
      (e) => e.deadline === "image-removal",
    );
    expect(removal.map((e) => [e.fact.date, e.pools.length])).toEqual([
      ["2026-03-31", 2],
      ["2026-06-30", 1],
    ]);
    expect(removal[0]?.uid).toMatch(/-2026-03-31@/);
    expect(removal[1]?.uid).toBe(
      events([MOVED]).events.find((e) => e.deadline === "image-removal" && e.label === "Azure Linux 2.0")
        ?.uid,
    );
  });
});

describe("renderCalendarIcs", () => {
  const { events: groupEvents } = events([MOVED]);
  const ics = renderCalendarIcs(groupEvents, { now: new Date("2026-01-10T02:03:04.567Z") });
  const lines = unfold(ics);

  it("writes a VCALENDAR of all-day VEVENTs with CRLF line endings only", () => {
    expect(
      ics.startsWith(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//aks-image-lifecycle//Lifecycle calendar//EN\r\n",
      ),
    ).toBe(true);
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(property(lines, "BEGIN").filter((l) => l === "BEGIN:VEVENT")).toHaveLength(groupEvents.length);
    expect(property(lines, "END").filter((l) => l === "END:VEVENT")).toHaveLength(groupEvents.length);
    expect(property(lines, "METHOD")).toEqual(["METHOD:PUBLISH"]);
    expect(new Set(property(lines, "DTSTAMP"))).toEqual(new Set(["DTSTAMP:20260110T020304Z"]));
    expect(property(lines, "UID")).toHaveLength(groupEvents.length);
  });

  it("makes each event one whole day on its date", () => {
    const start = lines.indexOf("SUMMARY:Azure Linux 2.0: node images removed (3 pools)");
    const event = lines.slice(lines.lastIndexOf("BEGIN:VEVENT", start), lines.indexOf("END:VEVENT", start));
    expect(event).toEqual(
      expect.arrayContaining([
        "DTSTART;VALUE=DATE:20260630",
        "DTEND;VALUE=DATE:20260701",
        "SEQUENCE:1",
        "URL:https://github.com/Azure/AKS/issues/4988",
        "CATEGORIES:AKS,node images removed",
        "TRANSP:TRANSPARENT",
      ]),
    );
    const description = event.find((l) => l.startsWith("DESCRIPTION:")) as string;
    expect(description).toContain(
      "Affected pools (3 pools):\\n- prod-neu/apps (end-of-support\\; resource group rg\\,with\\;odd\\\\chars",
    );
    expect(description).toContain(
      "Date set by notice azl2-removal-moved.\\nRemoval moved\\; see the issue\\, comments 1\\, 2\\; and 3",
    );
  });

  it("folds every physical line to at most 75 octets", () => {
    const physical = ics.split("\r\n").slice(0, -1);
    expect(physical.some((line) => line.startsWith(" "))).toBe(true);
    for (const line of physical) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
  });

  it("writes only well-formed content lines", () => {
    for (const line of lines) expect(line).toMatch(/^[A-Z][A-Z0-9-]*(;[A-Z-]+=[^;:]+)*:/);
  });
});

describe("foldLine and escapeText", () => {
  it("never splits a multi-byte character and unfolds to the original", () => {
    const line = `SUMMARY:${"Größe ✓ 🚀 ".repeat(20)}`;
    const folded = foldLine(line);
    for (const part of folded.split("\r\n")) {
      expect(Buffer.byteLength(part, "utf8")).toBeLessThanOrEqual(75);
      expect(Buffer.from(part, "utf8").toString("utf8")).toBe(part);
    }
    expect(folded.replace(/\r\n /g, "")).toBe(line);
    expect(foldLine("SHORT:x")).toBe("SHORT:x");
  });

  it("escapes backslash, semicolon, comma and line breaks", () => {
    expect(escapeText("a\\b;c,d\ne\r\nf")).toBe("a\\\\b\\;c\\,d\\ne\\nf");
  });
});

describe("calendarView", () => {
  it("lists every entry with its state, dates, sources and the notices behind them", () => {
    const view = calendarView(resolveCalendar(BASE_CALENDAR, [MOVED]), NOW);
    expect(view.generatedAt).toBe(NOW.toISOString());
    expect(view.entries).toHaveLength(BASE_CALENDAR.length);
    const azl2 = view.entries.find((e) => e.subject.value === "AzureLinux2");
    expect(azl2).toMatchObject({
      label: "Azure Linux 2.0",
      state: "end-of-support",
      endOfSupport: { date: "2025-11-30" },
      imageRemoval: { date: "2026-06-30", noticeId: "azl2-removal-moved", sourceUrl: MOVED.sourceUrl },
      daysToRemoval: 171,
      notices: [
        {
          id: "azl2-removal-moved",
          imageRemoval: "2026-06-30",
          holds: ["imageRemoval"],
          superseded: [],
          explanation: "holds for imageRemoval: the latest notice stating it (received 2026-01-05T09:00:00Z)",
        },
      ],
    });
    expect(azl2?.sources).toEqual([
      "https://github.com/Azure/AKS/issues/4988",
      "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/includes/azure-linux-retirement.md",
    ]);
    expect(azl2?.conflicts[0]).toMatchObject({ field: "imageRemoval", value: "2026-10-31" });
    const k131 = view.entries.find((e) => e.subject.value === "1.31");
    expect(k131?.ltsEndOfSupport?.date).toBe("2026-11-30");
    expect(k131?.sources).toContain(
      "https://github.com/endoflife-date/endoflife.date/blob/master/products/azure-kubernetes-service.md",
    );
  });

  it("keeps the source of every date a notice corrected among the entry's sources", () => {
    const both: LifecycleNotice = {
      ...MOVED,
      id: "azl2-both-moved",
      endOfSupport: "2026-01-31",
      sourceUrl: "https://learn.microsoft.com/azure/aks/release-notes",
    };
    const azl2 = calendarView(resolveCalendar(BASE_CALENDAR, [both]), NOW).entries.find(
      (e) => e.subject.value === "AzureLinux2",
    );
    expect(azl2?.endOfSupport).toMatchObject({ date: "2026-01-31", supersedes: { date: "2025-11-30" } });
    expect(azl2?.sources).toEqual([
      "https://github.com/Azure/AKS/issues/4988",
      "https://learn.microsoft.com/azure/aks/release-notes",
      "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/includes/azure-linux-retirement.md",
    ]);
  });
});
