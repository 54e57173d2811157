import { describe, expect, it } from "vitest";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { assessFleet, assessPool, poolAssessor } from "../../shared/domain/lifecycle/pool-assessment.ts";
import { aCluster, aPool, day, fipsUbuntu2204Pool, withFipsImageRemoval } from "../support/pool-fixtures.ts";

const calendar = resolveCalendar(BASE_CALENDAR, []);
const LTS = { supportPlan: "AKSLongTermSupport" };

describe("assessPool", () => {
  it("an Azure Linux 2 pool on 2026-03-15 is past end of support with 16 days to image removal", () => {
    const result = assessPool(aCluster(LTS), aPool(), calendar, day("2026-03-15"));
    expect(result).toMatchObject({
      effectiveOs: "AzureLinux2",
      state: "end-of-support",
      imageRemoval: "2026-03-31",
      daysToRemoval: 16,
      endOfSupport: "2025-11-30",
      daysToEndOfSupport: -105,
      nodeImageAgeDays: 99,
      nextDeadline: { event: "image-removal", date: "2026-03-31", days: 16 },
      recommendation: { osSku: "AzureLinux3", compatible: true, method: "update-os-sku" },
    });
    expect(result.os.state).toBe("end-of-support");
    expect(result.kubernetes.state).toBe("supported");
  });

  it("an AzureLinux pool on 1.32 is Azure Linux 3 and supported", () => {
    const pool = aPool({
      orchestratorVersion: "1.32.7",
      nodeImageVersion: "AKSAzureLinux-V3gen2-202602.13.5",
    });
    const result = assessPool(aCluster({ kubernetesVersion: "1.32.7" }), pool, calendar, day("2025-12-01"));
    expect(result).toMatchObject({ effectiveOs: "AzureLinux3", state: "supported", daysToEndOfSupport: 120 });
    expect(result.recommendation).toBeUndefined();
    expect(result.imageRemoval).toBeUndefined();
  });

  it.each([
    // what, cluster, pool, now, state, end of support, image removal
    [
      "Windows 2019 after retirement",
      {},
      { osType: "Windows", osSku: "Windows2019", orchestratorVersion: "1.32.7", nodeImageVersion: undefined },
      "2026-11-26",
      "end-of-support",
      "2026-03-01",
      "2027-04-01",
    ],
    [
      "Azure Linux 2 after image removal",
      LTS,
      {},
      "2026-04-01",
      "images-removed",
      "2025-11-30",
      "2026-03-31",
    ],
    [
      "Kubernetes 1.34 four days before its end",
      {},
      { osSku: "Ubuntu2404", orchestratorVersion: "1.34.3", nodeImageVersion: undefined },
      "2026-11-26",
      "nearing-end",
      "2026-11-30",
      undefined,
    ],
    [
      "Ubuntu 22.04 on a supported version",
      LTS,
      { osSku: "Ubuntu2204", orchestratorVersion: "1.32.7", nodeImageVersion: undefined },
      "2026-11-26",
      "retirement-announced",
      "2027-03-31",
      "2028-04-30",
    ],
    [
      "an unknown SKU on a supported version",
      {},
      { osSku: "Mariner2", orchestratorVersion: "1.35.1", nodeImageVersion: undefined },
      "2026-11-26",
      "unknown",
      "2027-03-31",
      undefined,
    ],
    [
      "a version the calendar does not know",
      {},
      { osSku: "AzureLinux3", orchestratorVersion: "1.28.9", nodeImageVersion: undefined },
      "2026-11-26",
      "unknown",
      undefined,
      undefined,
    ],
  ] as const)("%s", (_, clusterOverrides, poolOverrides, now, state, endOfSupport, imageRemoval) => {
    const result = assessPool(aCluster(clusterOverrides), aPool(poolOverrides as never), calendar, day(now));
    expect(result.state).toBe(state);
    expect(result.endOfSupport).toBe(endOfSupport);
    expect(result.imageRemoval).toBe(imageRemoval);
  });

  it("reads the version the nodes run, not the one requested", () => {
    const pool = aPool({
      osSku: "AzureLinux",
      orchestratorVersion: "1.32.0",
      currentOrchestratorVersion: "1.31.9",
      nodeImageVersion: undefined,
    });
    expect(assessPool(aCluster(), pool, calendar, day("2026-11-26"))).toMatchObject({
      kubernetesVersion: "1.31.9",
      effectiveOs: "AzureLinux2",
    });
  });

  it("gives reasons with sources for the OS, Kubernetes, image age and target", () => {
    const result = assessPool(aCluster(LTS), aPool(), calendar, day("2026-03-15"));
    expect(result.reasons).toEqual([
      expect.stringMatching(
        /^effective OS AzureLinux2: node image AKSAzureLinux-V2gen2-202512.06.0 is AzureLinux2/,
      ),
      expect.stringMatching(
        /^Azure Linux 2.0 is end-of-support: .*images removed 2026-03-31 \(in 16 days; https:\/\/github.com\/MicrosoftDocs\/azure-aks-docs\/blob\/main\/articles\/aks\/includes\/azure-linux-retirement.md\)/,
      ),
      expect.stringMatching(/^Kubernetes 1.31 \(long-term support\) is supported: end of support 2026-11-30/),
      "node image built 2025-12-06, 99 days old",
      "recommended target AzureLinux3 is compatible",
      expect.stringMatching(/^AzureLinux3 runs on Kubernetes 1.28-1.36/),
      expect.stringMatching(/az aks nodepool update --os-sku/),
    ]);
  });

  it("refines the OS's dates with a notice about the pool's image family, keeping the dates it does not state", () => {
    const withNotice = withFipsImageRemoval("2028-10-31", "2027-01-01T00:00:00Z");
    const pool = fipsUbuntu2204Pool();
    const result = assessPool(
      aCluster({ kubernetesVersion: "1.33.4", ...LTS }),
      pool,
      withNotice,
      day("2027-07-15"),
    );
    expect(result).toMatchObject({
      effectiveOs: "Ubuntu2204",
      state: "end-of-support",
      endOfSupport: "2027-06-30",
      imageRemoval: "2028-10-31",
    });
    expect(result.os).toMatchObject({
      subject: { kind: "osSku", value: "Ubuntu2204" },
      refinedBy: { kind: "imageFamily", value: "AKSUbuntu-2204gen2fips" },
    });
    expect(result.os.reason).toMatch(
      /^Ubuntu 22.04 \(AKSUbuntu-2204gen2fips images\) is end-of-support: end of support 2027-06-30 \(15 days ago; https:\/\/github.com\/MicrosoftDocs\/azure-aks-docs\/blob\/main\/articles\/aks\/includes\/ubuntu-22-04-retirement.md\), images removed 2028-10-31 \(in 474 days; notice fips-image-removal, /,
    );
  });

  it("reports an image whose age cannot be read as such", () => {
    const pool = aPool({
      osType: "Windows",
      osSku: "Windows2022",
      orchestratorVersion: "1.33.0",
      nodeImageVersion: "AKSWindows-2022-containerd-20348.4405.251112",
    });
    const result = assessPool(aCluster(), pool, calendar, day("2026-11-26"));
    expect(result.nodeImageAgeDays).toBeUndefined();
    expect(result.reasons).toContain(
      "node image AKSWindows-2022-containerd-20348.4405.251112 is not in the <family>-<variant>-YYYYMM.DD.PATCH form; its age is unknown",
    );
  });
});

describe("assessFleet", () => {
  it("sorts by urgency: state first, then the nearest deadline, then names", () => {
    const clusters = [
      aCluster({ name: "calm", kubernetesVersion: "1.35.1" }, [
        aPool({
          name: "al3",
          osSku: "AzureLinux3",
          orchestratorVersion: "1.35.1",
          nodeImageVersion: undefined,
        }),
      ]),
      aCluster({ name: "legacy", ...LTS }, [
        aPool({
          name: "win19",
          osType: "Windows",
          osSku: "Windows2019",
          orchestratorVersion: "1.32.7",
          nodeImageVersion: undefined,
        }),
        aPool({ name: "al2", osSku: "AzureLinux", orchestratorVersion: "1.31.9" }),
        aPool({
          name: "u22",
          osSku: "Ubuntu2204",
          orchestratorVersion: "1.32.7",
          nodeImageVersion: undefined,
        }),
      ]),
      aCluster({ name: "edge", kubernetesVersion: "1.34.2" }, [
        aPool({
          name: "u24",
          osSku: "Ubuntu2404",
          orchestratorVersion: "1.34.2",
          nodeImageVersion: undefined,
        }),
        aPool({ name: "odd", osSku: "Mariner2", orchestratorVersion: "1.34.2", nodeImageVersion: undefined }),
      ]),
    ];
    const order = assessFleet(clusters, calendar, day("2026-11-26")).map(
      (p) => `${p.ref.cluster}/${p.ref.pool}:${p.state}`,
    );
    expect(order).toEqual([
      "legacy/al2:images-removed",
      "legacy/win19:end-of-support",
      "edge/odd:nearing-end",
      "edge/u24:nearing-end",
      "legacy/u22:retirement-announced",
      "calm/al3:supported",
    ]);
  });
});

describe("poolAssessor", () => {
  const now = day("2026-03-15");
  const base = aPool({ orchestratorVersion: "1.31.9" });
  const { ref: _ref, ...baseAssessment } = assessPool(aCluster(), base, calendar, now);
  // Each differs from the base in one trait, and is assessed differently for it.
  const variants: Array<[string, Partial<Parameters<typeof aCluster>[0]>, Parameters<typeof aPool>[0]]> = [
    ["osSku", {}, { osSku: "Ubuntu", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202512.06.0" }],
    ["node version", {}, { currentOrchestratorVersion: "1.33.2" }],
    ["node image", {}, { nodeImageVersion: "AKSAzureLinux-V2gen2-202601.10.0" }],
    ["osType", {}, { osType: "Windows", osSku: "Windows2022", nodeImageVersion: undefined }],
    ["FIPS", {}, { enableFips: true, nodeImageVersion: "AKSAzureLinux-V2fipsgen2-202512.06.0" }],
    ["support plan", LTS, {}],
  ];

  it.each(variants)(
    "a pool that differs in its %s is assessed on its own, as assessPool does",
    (_, cluster, pool) => {
      const assess = poolAssessor(calendar, now);
      const variant = aPool({ ...pool, name: "variant" });
      const { ref: _variantRef, ...alone } = assessPool(aCluster(cluster), variant, calendar, now);
      expect(alone).not.toEqual(baseAssessment);
      expect(assess(aCluster(), base)).toEqual(assessPool(aCluster(), base, calendar, now));
      expect(assess(aCluster(cluster), variant)).toEqual(
        assessPool(aCluster(cluster), variant, calendar, now),
      );
    },
  );

  it("pools alike in their traits share one assessment, each with its own ref", () => {
    const assess = poolAssessor(calendar, now);
    const first = assess(aCluster({ name: "one" }), aPool({ name: "a" }));
    const second = assess(aCluster({ name: "two" }), aPool({ name: "b", count: 40 }));
    expect(second.os).toBe(first.os);
    expect(second.ref).toMatchObject({ cluster: "two", pool: "b" });
    expect(second).toEqual(
      assessPool(aCluster({ name: "two" }), aPool({ name: "b", count: 40 }), calendar, now),
    );
  });
});
