// The lifecycle calendar as the sources state it (the pages in sources.ts, gathered 2026-11-25).
// Each date carries its source; where sources disagree the other value is kept with the reason it lost.
// Corrections arrive later as notices (see resolveCalendar), not as edits here.

import { lastDayOfMonth } from "../calendar-date.ts";
import type { CalendarEntry, DatedFact } from "../lifecycle-calendar.ts";
import { SOURCES } from "./sources.ts";

const fact = (date: string, sourceUrl: string): DatedFact => ({ date, sourceUrl });

const NO_END_DATE = "no end of support has been announced";

const OS_ENTRIES: readonly CalendarEntry[] = [
  {
    subject: { kind: "osSku", value: "AzureLinux2" },
    label: "Azure Linux 2.0",
    endOfSupport: fact("2025-11-30", SOURCES.azureLinuxRetirement),
    imageRemoval: fact("2026-03-31", SOURCES.azureLinuxRetirement),
    sourceUrl: SOURCES.azureLinux2Issue,
    note: "The image is frozen at 202512.06.0. Switch to osSku AzureLinux3 (no Kubernetes upgrade needed) or upgrade Kubernetes to 1.32+.",
    conflicts: [
      {
        field: "imageRemoval",
        value: "2026-10-31",
        source: "a translated copy of the retirement page (no URL recorded in the facts)",
        resolution:
          "The English include, which the translations are made from, says 2026-03-31 in every revision; it holds.",
      },
    ],
  },
  {
    subject: { kind: "osSku", value: "AzureLinux3" },
    label: "Azure Linux 3.0",
    sourceUrl: SOURCES.azureLinuxSupportCycle,
    note: `GA and the default for osSku AzureLinux from Kubernetes 1.32; ${NO_END_DATE}.`,
  },
  {
    subject: { kind: "osSku", value: "AzureLinuxOSGuard" },
    label: "Azure Linux with OS Guard (preview)",
    endOfSupport: fact("2026-12-10", SOURCES.osGuardIssue),
    imageRemoval: fact("2027-03-10", SOURCES.osGuardRetirement),
    sourceUrl: SOURCES.osGuardIssue,
    note: "Migrate to Azure Container Linux.",
  },
  {
    subject: { kind: "osSku", value: "AzureContainerLinux" },
    label: "Azure Container Linux",
    sourceUrl: SOURCES.azureContainerLinuxLimitations,
    note: `GA from Kubernetes 1.34; ${NO_END_DATE}.`,
  },
  {
    subject: { kind: "osSku", value: "Flatcar" },
    label: "Flatcar Container Linux (preview)",
    endOfSupport: fact("2026-06-08", SOURCES.flatcarIssue),
    imageRemoval: fact("2026-09-08", SOURCES.flatcarRetirement),
    sourceUrl: SOURCES.flatcarIssue,
    note: "Migrate to Azure Linux or Ubuntu.",
  },
  {
    subject: { kind: "osSku", value: "Ubuntu1804" },
    label: "Ubuntu 18.04",
    endOfSupport: fact("2025-06-17", SOURCES.ubuntu1804Issue),
    imageRemoval: fact("2025-06-17", SOURCES.ubuntu1804Issue),
    sourceUrl: SOURCES.ubuntu1804Issue,
  },
  {
    subject: { kind: "osSku", value: "Ubuntu2004" },
    label: "Ubuntu 20.04",
    endOfSupport: fact("2027-03-17", SOURCES.ubuntu2004Retirement),
    imageRemoval: fact("2027-03-17", SOURCES.ubuntu2004Retirement),
    sourceUrl: SOURCES.ubuntu2004Issue,
    note: "Support and images end on the same day.",
  },
  {
    subject: { kind: "osSku", value: "Ubuntu2204" },
    label: "Ubuntu 22.04",
    endOfSupport: fact("2027-06-30", SOURCES.ubuntu2204Retirement),
    imageRemoval: fact("2028-04-30", SOURCES.ubuntu2204Retirement),
    sourceUrl: SOURCES.ubuntu2204Retirement,
  },
  {
    subject: { kind: "osSku", value: "Ubuntu2404" },
    label: "Ubuntu 24.04",
    sourceUrl: SOURCES.upgradeOsVersion,
    note: `${NO_END_DATE}.`,
  },
  {
    subject: { kind: "osSku", value: "Windows2019" },
    label: "Windows Server 2019",
    endOfSupport: fact("2026-03-01", SOURCES.windows2019Retirement),
    imageRemoval: fact("2027-04-01", SOURCES.windows2019Retirement),
    sourceUrl: SOURCES.windows2019Issue,
    note: "Not allowed on Kubernetes 1.33+.",
  },
  {
    subject: { kind: "osSku", value: "Windows2022" },
    label: "Windows Server 2022",
    endOfSupport: fact("2028-06-30", SOURCES.windows2022Retirement),
    imageRemoval: fact("2029-06-30", SOURCES.windows2022Retirement),
    sourceUrl: SOURCES.windows2022Retirement,
    note: "Not allowed on Kubernetes 1.37+.",
    conflicts: [
      {
        field: "endOfSupport",
        value: "2027-03-15",
        source: SOURCES.windows2022Issue,
        resolution:
          "The retirement issue and the January 2026 revision of the include said 2027-03-15; the current include " +
          "moved it to 2028-06-30. The newer statement of the same owner holds.",
      },
      {
        field: "imageRemoval",
        value: "2028-04-01",
        source: SOURCES.windows2022Retirement,
        resolution: "The January 2026 revision of the include; superseded by 2029-06-30 in the current one.",
      },
    ],
  },
  {
    subject: { kind: "osSku", value: "Windows2025" },
    label: "Windows Server 2025",
    sourceUrl: SOURCES.upgradeWindowsOs,
    note: `Kubernetes 1.32+, the default from 1.36; ${NO_END_DATE}.`,
  },
  {
    subject: { kind: "osSku", value: "WindowsAnnual" },
    label: "Windows Server Annual Channel (preview)",
    endOfSupport: fact("2026-05-15", SOURCES.windowsAnnualRetirement),
    imageRemoval: fact("2027-05-15", SOURCES.windowsAnnualRetirement),
    sourceUrl: SOURCES.windowsAnnualRetirement,
    note: "Migrate to the Long Term Servicing Channel (Windows Server 2022 or 2025).",
  },
];

/** Month without a day means the last day of that month. */
const monthFact = (month: string, sourceUrl: string): DatedFact =>
  /^\d{4}-\d{2}$/.test(month)
    ? {
        date: lastDayOfMonth(month),
        sourceUrl,
        note: `the source gives the month ${month}; its last day is used`,
      }
    : fact(month, sourceUrl);

const ENDOFLIFE_DATE_LOSES =
  "endoflife.date mirrors the AKS page by hand; the AKS page (MicrosoftDocs) is the owner's statement and holds.";

// version, end of life, LTS end (aks-docs supported-kubernetes-versions.md, 2026-08-05)
const KUBERNETES_VERSIONS: readonly [string, string, string][] = [
  ["1.29", "2025-03", "2026-04"],
  ["1.30", "2025-08-22", "2026-07"],
  ["1.31", "2025-11-01", "2026-11"],
  ["1.32", "2026-03", "2027-03"],
  ["1.33", "2026-07", "2027-07"],
  ["1.34", "2026-11", "2027-11"],
  ["1.35", "2027-03", "2028-03"],
  ["1.36", "2027-06", "2028-06"],
  ["1.37", "2027-10", "2028-10"],
];

const ENDOFLIFE_DATE_CONFLICTS: Readonly<Record<string, string>> = {
  "1.30": "2025-07-31",
  "1.31": "2025-11-30",
};

const KUBERNETES_ENTRIES: readonly CalendarEntry[] = KUBERNETES_VERSIONS.map(
  ([version, endOfLife, ltsEnd]) => {
    const conflict = ENDOFLIFE_DATE_CONFLICTS[version];
    return {
      subject: { kind: "kubernetesVersion", value: version },
      label: `Kubernetes ${version}`,
      endOfSupport: monthFact(endOfLife, SOURCES.supportedKubernetesVersions),
      ltsEndOfSupport: monthFact(ltsEnd, SOURCES.supportedKubernetesVersions),
      sourceUrl: SOURCES.supportedKubernetesVersions,
      ...(conflict && {
        conflicts: [
          {
            field: "endOfSupport",
            value: conflict,
            source: SOURCES.endOfLifeDateAks,
            resolution: ENDOFLIFE_DATE_LOSES,
          },
        ],
      }),
    };
  },
);

export const BASE_CALENDAR: readonly CalendarEntry[] = [...OS_ENTRIES, ...KUBERNETES_ENTRIES];
