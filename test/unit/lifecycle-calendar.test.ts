import { describe, expect, it } from "vitest";
import { isIsoDate } from "../../shared/domain/lifecycle/calendar-date.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { SOURCES } from "../../shared/domain/lifecycle/data/sources.ts";
import {
  type CalendarSubject,
  findEntry,
  findImageFamilyEntry,
  type LifecycleNotice,
  lifecycleStatusAt,
  noticeFormProblem,
  noticeProblems,
  type ResolvedEntry,
  resolveCalendar,
} from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { OS_NAMES } from "../../shared/domain/lifecycle/os-name.ts";
import { day, withFipsImageRemoval } from "../support/pool-fixtures.ts";

const KNOWN_SOURCES = new Set<string>(Object.values(SOURCES));
const base = resolveCalendar(BASE_CALENDAR, []);

function entry(subject: CalendarSubject, calendar = base): ResolvedEntry {
  const found = findEntry(calendar, subject);
  if (!found) throw new Error(`no calendar entry for ${subject.kind} ${subject.value}`);
  return found;
}

const os = (value: string): CalendarSubject => ({ kind: "osSku", value });
const k8s = (value: string): CalendarSubject => ({ kind: "kubernetesVersion", value });

describe("base calendar", () => {
  it("covers every OS the product can recognise and Kubernetes 1.29 to 1.37", () => {
    for (const name of OS_NAMES) expect(findEntry(base, os(name)), name).toBeDefined();
    for (let minor = 29; minor <= 37; minor++) expect(findEntry(base, k8s(`1.${minor}`))).toBeDefined();
  });

  it("gives every date a real calendar day and a source from the facts", () => {
    for (const item of BASE_CALENDAR) {
      expect(KNOWN_SOURCES.has(item.sourceUrl), item.label).toBe(true);
      for (const fact of [item.endOfSupport, item.imageRemoval, item.ltsEndOfSupport]) {
        if (!fact) continue;
        expect(isIsoDate(fact.date), `${item.label} ${fact.date}`).toBe(true);
        expect(KNOWN_SOURCES.has(fact.sourceUrl), `${item.label} ${fact.sourceUrl}`).toBe(true);
      }
    }
  });

  it("never removes images before the end of support", () => {
    for (const item of BASE_CALENDAR) {
      if (item.endOfSupport && item.imageRemoval) {
        expect(item.imageRemoval.date >= item.endOfSupport.date, item.label).toBe(true);
      }
    }
  });

  it.each([
    // subject, end of support, image removal (aks-facts.md)
    [os("AzureLinux2"), "2025-11-30", "2026-03-31"],
    [os("AzureLinuxOSGuard"), "2026-12-10", "2027-03-10"],
    [os("Flatcar"), "2026-06-08", "2026-09-08"],
    [os("Ubuntu1804"), "2025-06-17", "2025-06-17"],
    [os("Ubuntu2004"), "2027-03-17", "2027-03-17"],
    [os("Ubuntu2204"), "2027-06-30", "2028-04-30"],
    [os("Windows2019"), "2026-03-01", "2027-04-01"],
    [os("Windows2022"), "2028-06-30", "2029-06-30"],
    [os("WindowsAnnual"), "2026-05-15", "2027-05-15"],
    [os("AzureLinux3"), undefined, undefined],
    [os("Ubuntu2404"), undefined, undefined],
    [os("Windows2025"), undefined, undefined],
  ])("%o ends support on %s and loses its images on %s", (subject, endOfSupport, imageRemoval) => {
    const found = entry(subject);
    expect(found.endOfSupport?.date).toBe(endOfSupport);
    expect(found.imageRemoval?.date).toBe(imageRemoval);
  });

  it.each([
    ["1.29", "2025-03-31", "2026-04-30"],
    ["1.30", "2025-08-22", "2026-07-31"],
    ["1.31", "2025-11-01", "2026-11-30"],
    ["1.32", "2026-03-31", "2027-03-31"],
    ["1.34", "2026-11-30", "2027-11-30"],
    ["1.37", "2027-10-31", "2028-10-31"],
  ])(
    "Kubernetes %s reaches end of life on %s and LTS end on %s (month-only dates are the last day)",
    (version, eol, lts) => {
      const found = entry(k8s(version));
      expect(found.endOfSupport?.date).toBe(eol);
      expect(found.ltsEndOfSupport?.date).toBe(lts);
    },
  );

  it("records the conflicts in the sources and why the chosen value holds", () => {
    const azureLinux2 = entry(os("AzureLinux2")).conflicts ?? [];
    expect(azureLinux2).toEqual([
      expect.objectContaining({
        field: "imageRemoval",
        value: "2026-10-31",
        resolution: expect.stringMatching(/English/),
      }),
    ]);
    const windows2022 = entry(os("Windows2022")).conflicts ?? [];
    expect(windows2022).toContainEqual(
      expect.objectContaining({
        field: "endOfSupport",
        value: "2027-03-15",
        source: SOURCES.windows2022Issue,
      }),
    );
    for (const [version, value] of [
      ["1.30", "2025-07-31"],
      ["1.31", "2025-11-30"],
    ]) {
      expect(entry(k8s(version as string)).conflicts).toEqual([
        expect.objectContaining({ field: "endOfSupport", value, source: SOURCES.endOfLifeDateAks }),
      ]);
    }
  });
});

describe("lifecycleStatusAt", () => {
  it.each([
    // subject, now, state, days to end of support, days to removal
    [os("AzureLinux2"), "2025-08-01", "retirement-announced", 121, 242],
    [os("AzureLinux2"), "2025-08-31", "retirement-announced", 91, 212],
    [os("AzureLinux2"), "2025-09-01", "nearing-end", 90, 211],
    [os("AzureLinux2"), "2025-11-29", "nearing-end", 1, 122],
    [os("AzureLinux2"), "2025-11-30", "end-of-support", 0, 121],
    [os("AzureLinux2"), "2026-03-15", "end-of-support", -105, 16],
    [os("AzureLinux2"), "2026-03-31", "images-removed", -121, 0],
    [os("Ubuntu2204"), "2026-11-26", "retirement-announced", 216, 521],
    [os("Ubuntu2004"), "2027-03-17", "images-removed", 0, 0],
    [os("Windows2019"), "2026-11-26", "end-of-support", -270, 126],
    [os("Windows2022"), "2026-11-26", "retirement-announced", 582, 947],
    [os("AzureLinux3"), "2026-11-26", "supported", undefined, undefined],
    [k8s("1.34"), "2026-06-01", "supported", 182, undefined],
    [k8s("1.34"), "2026-11-26", "nearing-end", 4, undefined],
    [k8s("1.33"), "2026-11-26", "end-of-support", -118, undefined],
  ])("%o on %s is %s", (subject, now, state, daysToEndOfSupport, daysToRemoval) => {
    const status = lifecycleStatusAt(entry(subject), day(now));
    expect(status.state).toBe(state);
    expect(status.daysToEndOfSupport).toBe(daysToEndOfSupport);
    expect(status.daysToRemoval).toBe(daysToRemoval);
  });

  it("uses the LTS end for clusters on long-term support", () => {
    const onLts = lifecycleStatusAt(entry(k8s("1.31")), day("2026-11-26"), { longTermSupport: true });
    expect(onLts).toMatchObject({ state: "nearing-end", daysToEndOfSupport: 4 });
    expect(onLts.endOfSupport?.date).toBe("2026-11-30");
    expect(lifecycleStatusAt(entry(k8s("1.31")), day("2026-11-26")).state).toBe("end-of-support");
  });

  it.each([
    ["2026-06-01", "retirement-announced", 228],
    ["2026-11-20", "nearing-end", 56],
    ["2027-01-14", "nearing-end", 1],
    ["2027-01-15", "images-removed", 0],
  ])("counts down to the removal of an entry that states no end of support: on %s %s", (now, state, days) => {
    const calendar = withFipsImageRemoval("2027-01-15", "2026-05-01T00:00:00Z");
    const found = findImageFamilyEntry(calendar, "AKSUbuntu-2204gen2fipscontainerd");
    if (!found) throw new Error("the image-family notice should make an entry");
    expect(lifecycleStatusAt(found, day(now))).toMatchObject({ state, daysToRemoval: days });
  });
});

const notice = (
  overrides: Partial<LifecycleNotice> & Pick<LifecycleNotice, "id" | "receivedAt">,
): LifecycleNotice => ({
  subject: os("Windows2022"),
  sourceUrl: "https://github.com/Azure/AKS/issues/4168",
  note: "test notice",
  ...overrides,
});

describe("resolveCalendar with notices", () => {
  it("a later notice supersedes an earlier one for the same field; both are kept with their standing", () => {
    const first = notice({ id: "n1", receivedAt: "2027-01-10T08:00:00Z", endOfSupport: "2028-03-31" });
    const second = notice({ id: "n2", receivedAt: "2027-02-10T08:00:00Z", endOfSupport: "2028-09-30" });
    // Listed out of order: receipt time decides.
    const resolved = entry(os("Windows2022"), resolveCalendar(BASE_CALENDAR, [second, first]));

    expect(resolved.endOfSupport).toMatchObject({ date: "2028-09-30", noticeId: "n2" });
    // What each notice corrected stays in view, back to the sourced base date.
    const base = entry(os("Windows2022"), resolveCalendar(BASE_CALENDAR, [])).endOfSupport;
    expect(resolved.endOfSupport?.supersedes).toEqual({
      date: "2028-03-31",
      sourceUrl: "https://github.com/Azure/AKS/issues/4168",
      note: "test notice",
      noticeId: "n1",
      supersedes: base,
    });
    expect(base?.supersedes).toBeUndefined();
    expect(resolved.imageRemoval).toMatchObject({ date: "2029-06-30" });
    expect(resolved.imageRemoval?.noticeId).toBeUndefined();
    expect(resolved.notices.map((s) => [s.notice.id, s.holds, s.superseded])).toEqual([
      ["n1", [], [{ field: "endOfSupport", by: "n2" }]],
      ["n2", ["endOfSupport"], []],
    ]);
    expect(resolved.notices[0]?.explanation).toMatch(/superseded for endOfSupport by notice n2/);
    expect(resolved.notices[1]?.explanation).toMatch(/holds for endOfSupport/);
  });

  it("keeps an earlier notice holding for the field a later one does not state", () => {
    const both = notice({
      id: "a",
      receivedAt: "2027-01-01T00:00:00Z",
      endOfSupport: "2028-01-31",
      imageRemoval: "2029-01-31",
    });
    const removalOnly = notice({ id: "b", receivedAt: "2027-02-01T00:00:00Z", imageRemoval: "2029-03-31" });
    const resolved = entry(os("Windows2022"), resolveCalendar(BASE_CALENDAR, [both, removalOnly]));
    expect(resolved.endOfSupport).toMatchObject({ date: "2028-01-31", noticeId: "a" });
    expect(resolved.imageRemoval).toMatchObject({ date: "2029-03-31", noticeId: "b" });
    expect(resolved.notices[0]).toMatchObject({
      holds: ["endOfSupport"],
      superseded: [{ field: "imageRemoval", by: "b" }],
    });
  });

  it("adds entries for subjects the base does not know, and moves the state the pools see", () => {
    const calendar = resolveCalendar(BASE_CALENDAR, [
      notice({
        id: "k8s-138",
        subject: k8s("1.38.2"),
        receivedAt: "2027-02-01T00:00:00Z",
        endOfSupport: "2028-02-29",
        sourceUrl: SOURCES.supportedKubernetesVersions,
      }),
      notice({
        id: "al3-eol",
        subject: os("AzureLinux3"),
        receivedAt: "2027-02-01T00:00:00Z",
        endOfSupport: "2027-04-30",
        sourceUrl: "https://github.com/Azure/AKS/issues/9999",
      }),
    ]);
    expect(entry(k8s("1.38"), calendar).endOfSupport?.date).toBe("2028-02-29");
    expect(lifecycleStatusAt(entry(os("AzureLinux3"), calendar), day("2027-03-01")).state).toBe(
      "nearing-end",
    );
    expect(lifecycleStatusAt(entry(os("AzureLinux3")), day("2027-03-01")).state).toBe("supported");
  });

  it("counts a redelivered notice once", () => {
    const once = notice({ id: "dup", receivedAt: "2027-01-01T00:00:00Z", endOfSupport: "2028-01-31" });
    const resolved = entry(os("Windows2022"), resolveCalendar(BASE_CALENDAR, [once, { ...once }]));
    expect(resolved.notices).toHaveLength(1);
  });

  it("is pure: the base is left as it was", () => {
    const before = JSON.stringify(BASE_CALENDAR);
    resolveCalendar(BASE_CALENDAR, [
      notice({ id: "x", receivedAt: "2027-01-01T00:00:00Z", endOfSupport: "2028-01-31" }),
    ]);
    expect(JSON.stringify(BASE_CALENDAR)).toBe(before);
  });

  it("matches image-family notices on the start of <family>-<variant>, most specific first", () => {
    const calendar = resolveCalendar(BASE_CALENDAR, [
      notice({
        id: "f1",
        subject: { kind: "imageFamily", value: "AKSUbuntu-2204" },
        receivedAt: "2027-01-01T00:00:00Z",
        imageRemoval: "2028-01-31",
      }),
      notice({
        id: "f2",
        subject: { kind: "imageFamily", value: "AKSUbuntu-2204gen2fips" },
        receivedAt: "2027-01-01T00:00:00Z",
        imageRemoval: "2027-09-30",
      }),
    ]);
    expect(findImageFamilyEntry(calendar, "AKSUbuntu-2204gen2containerd")?.imageRemoval?.date).toBe(
      "2028-01-31",
    );
    expect(findImageFamilyEntry(calendar, "AKSUbuntu-2204gen2fipscontainerd")?.imageRemoval?.date).toBe(
      "2027-09-30",
    );
    expect(findImageFamilyEntry(calendar, "AKSUbuntu-2404gen2containerd")).toBeUndefined();
  });

  it.each([
    [{ endOfSupport: "2028-02-30" }, /endOfSupport "2028-02-30" is not a calendar date/],
    [{ endOfSupport: undefined }, /neither endOfSupport nor imageRemoval/],
    [
      { endOfSupport: "2028-01-31", sourceUrl: "see the docs" },
      /sourceUrl "see the docs" is not an https URL/,
    ],
    [{ endOfSupport: "2028-01-31", receivedAt: "yesterday" }, /receivedAt "yesterday"/],
    [{ endOfSupport: "2028-01-31", subject: os("Ubuntu") }, /osSku Ubuntu gives different OS versions/],
    [
      { endOfSupport: "2028-01-31", subject: os("azurelinux") },
      /osSku azurelinux gives different OS versions/,
    ],
    [
      { endOfSupport: "2028-01-31", subject: k8s("one-thirty") },
      /subject.value "one-thirty": expected a Kubernetes version/,
    ],
    [
      { endOfSupport: "2028-01-31", subject: os("../../etc") },
      /subject.value "..\/..\/etc": expected an osSku as AKS names them: letters and digits, starting with a letter/,
    ],
    [{ endOfSupport: "2028-01-31", subject: os("3Ubuntu") }, /expected an osSku as AKS names them/],
    [
      { imageRemoval: "2028-01-31", subject: { kind: "imageFamily", value: "AKSUbuntu/../x" } },
      /expected the start of a node image name/,
    ],
    [
      { endOfSupport: "2028-06-30", imageRemoval: "2028-06-29" },
      /imageRemoval 2028-06-29: must be on or after endOfSupport 2028-06-30/,
    ],
    [{ withdraws: "n1", endOfSupport: "2028-01-31" }, /a withdrawal states no dates/],
    [{ withdraws: "bad" }, /withdraws itself/],
  ] as const)("sets a malformed notice aside with the reason, deciding nothing %#", (overrides, message) => {
    const bad = {
      ...notice({ id: "bad", receivedAt: "2027-01-01T00:00:00Z" }),
      ...overrides,
    } as LifecycleNotice;
    const good = notice({ id: "good", receivedAt: "2027-01-02T00:00:00Z", endOfSupport: "2028-01-31" });
    const calendar = resolveCalendar(BASE_CALENDAR, [bad, good]);
    expect(calendar.setAside).toEqual([{ notice: bad, reason: expect.stringMatching(message) }]);
    expect(noticeFormProblem(bad)).toBe(calendar.setAside[0]?.reason);
    expect(calendar.entries.flatMap((e) => e.notices.map((s) => s.notice.id))).toEqual(["good"]);
    expect(calendar.entries).toHaveLength(base.entries.length);
  });
});

describe("withdrawals", () => {
  const n1 = notice({ id: "n1", receivedAt: "2027-01-10T08:00:00Z", endOfSupport: "2028-03-31" });
  const n2 = notice({
    id: "n2",
    receivedAt: "2027-02-10T08:00:00Z",
    endOfSupport: "2028-09-30",
    imageRemoval: "2029-09-30",
  });
  const withdrawal = (id: string, withdraws: string, receivedAt: string, subject = os("Windows2022")) =>
    notice({ id, withdraws, receivedAt, subject, note: "announced in error" });
  const windows2022 = (notices: LifecycleNotice[]) =>
    entry(os("Windows2022"), resolveCalendar(BASE_CALENDAR, notices));
  const baseWindows2022 = entry(os("Windows2022"));

  it("takes the latest notice out: its fields fall back to the earlier notice's and the base's", () => {
    const resolved = windows2022([n1, n2, withdrawal("w2", "n2", "2027-03-01T00:00:00Z")]);
    expect(resolved.endOfSupport).toMatchObject({ date: "2028-03-31", noticeId: "n1" });
    expect(resolved.endOfSupport?.supersedes).toEqual(baseWindows2022.endOfSupport);
    expect(resolved.imageRemoval).toEqual(baseWindows2022.imageRemoval);
    // Both stay listed, oldest first, with what became of them.
    expect(resolved.notices.map((s) => [s.notice.id, s.holds, s.superseded, s.withdrawnBy])).toEqual([
      ["n1", ["endOfSupport"], [], undefined],
      ["n2", [], [], "w2"],
      ["w2", [], [], undefined],
    ]);
    expect(resolved.notices[1]?.explanation).toBe(
      "withdrawn by notice w2 (received 2027-03-01T00:00:00Z): its dates no longer count",
    );
    expect(resolved.notices[2]?.explanation).toBe("withdraws notice n2: its dates no longer count");
  });

  it("takes an earlier notice out under a later one, which then corrects the base", () => {
    const resolved = windows2022([n1, n2, withdrawal("w1", "n1", "2027-03-01T00:00:00Z")]);
    expect(resolved.endOfSupport).toMatchObject({ date: "2028-09-30", noticeId: "n2" });
    expect(resolved.endOfSupport?.supersedes).toEqual(baseWindows2022.endOfSupport);
    expect(resolved.notices.find((s) => s.notice.id === "n2")?.holds).toEqual([
      "endOfSupport",
      "imageRemoval",
    ]);
  });

  it("adds no subject for a withdrawn notice: a version only it named stays unknown", () => {
    const calendar = resolveCalendar(BASE_CALENDAR, [
      notice({
        id: "k",
        subject: k8s("1.38"),
        receivedAt: "2027-01-01T00:00:00Z",
        endOfSupport: "2028-02-29",
      }),
      withdrawal("wk", "k", "2027-01-02T00:00:00Z", k8s("1.38")),
    ]);
    expect(findEntry(calendar, k8s("1.38"))).toBeUndefined();
    expect(calendar.entries).toHaveLength(base.entries.length);
  });

  it("counts a withdrawal once: the first of a notice counts, the others take nothing out and say why", () => {
    const first = withdrawal("w1", "n2", "2027-03-01T00:00:00Z");
    const resolved = windows2022([
      n1,
      n2,
      first,
      { ...first },
      withdrawal("w2", "n2", "2027-03-02T00:00:00Z"),
      withdrawal("w3", "w1", "2027-03-03T00:00:00Z"),
      withdrawal("w4", "nobody", "2027-03-04T00:00:00Z"),
    ]);
    expect(resolved.endOfSupport).toMatchObject({ date: "2028-03-31", noticeId: "n1" });
    expect(resolved.notices.slice(2).map((s) => [s.notice.id, s.explanation])).toEqual([
      ["w1", "withdraws notice n2: its dates no longer count"],
      ["w2", "takes nothing out: notice n2 was withdrawn already, by notice w1"],
      ["w3", expect.stringMatching(/^takes nothing out: notice w1 is itself a withdrawal/)],
      ["w4", "takes nothing out: no notice nobody has been accepted"],
    ]);
  });

  it("takes nothing out of another subject", () => {
    const calendar = resolveCalendar(BASE_CALENDAR, [
      n2,
      withdrawal("w", "n2", "2027-03-01T00:00:00Z", os("Ubuntu2204")),
    ]);
    expect(entry(os("Windows2022"), calendar).endOfSupport?.noticeId).toBe("n2");
    expect(entry(os("Ubuntu2204"), calendar).notices[0]?.explanation).toBe(
      "takes nothing out: notice n2 is about osSku Windows2022, not osSku Ubuntu2204",
    );
  });
});

describe("noticeProblems: what a new notice would do to the calendar", () => {
  const n1 = notice({ id: "n1", receivedAt: "2027-01-10T08:00:00Z", imageRemoval: "2029-12-31" });
  const later = (overrides: Partial<LifecycleNotice>) =>
    notice({ id: "new", receivedAt: "2027-03-01T00:00:00Z", ...overrides });

  it("accepts a notice that keeps image removal on or after end of support, and a valid withdrawal", () => {
    expect(noticeProblems(BASE_CALENDAR, [], later({ endOfSupport: "2029-06-30" }))).toEqual([]);
    expect(noticeProblems(BASE_CALENDAR, [n1], later({ withdraws: "n1" }))).toEqual([]);
  });

  it("checks a notice stating one date against the other date in force", () => {
    expect(noticeProblems(BASE_CALENDAR, [], later({ imageRemoval: "2028-01-31" }))).toEqual([
      "imageRemoval: with this notice, osSku Windows2022 would lose its images on 2028-01-31 (notice new), " +
        "before its end of support on 2028-06-30 (the base calendar); images are removed on or after the end " +
        "of support, so state both dates in one notice to move them past each other",
    ]);
    expect(noticeProblems(BASE_CALENDAR, [], later({ endOfSupport: "2029-07-01" }))).toEqual([
      expect.stringMatching(
        /^endOfSupport: with this notice, .* on 2029-06-30 \(the base calendar\), before its end of support on 2029-07-01 \(notice new\)/,
      ),
    ]);
    // n1 moved the removal later, so that end of support fits.
    expect(noticeProblems(BASE_CALENDAR, [n1], later({ endOfSupport: "2029-07-01" }))).toEqual([]);
  });

  it("refuses a withdrawal that would leave images removed before end of support", () => {
    const eos = notice({ id: "eos", receivedAt: "2027-02-01T00:00:00Z", endOfSupport: "2029-07-01" });
    expect(noticeProblems(BASE_CALENDAR, [n1, eos], later({ withdraws: "n1" }))).toEqual([
      "withdraws: without notice n1, osSku Windows2022 would lose its images on 2029-06-30 (the base calendar), " +
        "before its end of support on 2029-07-01 (notice eos); send a notice that states both dates instead",
    ]);
  });

  it.each([
    ["nobody", "no notice nobody has been accepted"],
    [
      "w1",
      "notice w1 is itself a withdrawal, which cannot be withdrawn: to state dates again, send a notice",
    ],
    ["n1", "notice n1 was withdrawn already, by notice w1"],
  ])("refuses withdrawing %s", (target, problem) => {
    const w1 = notice({ id: "w1", receivedAt: "2027-02-01T00:00:00Z", withdraws: "n1" });
    expect(noticeProblems(BASE_CALENDAR, [n1, w1], later({ withdraws: target }))).toEqual([
      `withdraws: ${problem}`,
    ]);
  });
});
