import { describe, expect, it } from "vitest";
import type { OsType } from "../../shared/domain/fleet/model.ts";
import {
  checkCompatibility,
  recommendTarget,
  skuVersionLimit,
} from "../../shared/domain/lifecycle/compatibility.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import type { EffectiveOs } from "../../shared/domain/lifecycle/effective-os.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { day } from "../support/pool-fixtures.ts";

const calendar = resolveCalendar(BASE_CALENDAR, []);

describe("checkCompatibility", () => {
  it.each([
    // target, Kubernetes version, pool OS type, compatible
    ["AzureLinux3", "1.27.9", "Linux", false],
    ["AzureLinux3", "1.28.0", "Linux", true],
    ["AzureLinux3", "1.36.4", "Linux", true],
    ["AzureLinux3", "1.37.0", "Linux", false],
    ["Ubuntu2404", "1.31.9", "Linux", false],
    ["Ubuntu2404", "1.32.0", "Linux", true],
    ["Ubuntu2404", "1.38.1", "Linux", true],
    ["Ubuntu2404", "1.39.0", "Linux", false],
    ["Ubuntu2204", "1.24.9", "Linux", false],
    ["Ubuntu2204", "1.25.0", "Linux", true],
    ["Ubuntu2204", "1.36.0", "Linux", true],
    ["Ubuntu2204", "1.37.0", "Linux", false],
    ["Windows2019", "1.32.7", "Windows", true],
    ["Windows2019", "1.33.0", "Windows", false],
    ["Windows2022", "1.36.1", "Windows", true],
    ["Windows2022", "1.37.0", "Windows", false],
    ["Windows2025", "1.31.9", "Windows", false],
    ["Windows2025", "1.32.0", "Windows", true],
    ["AzureContainerLinux", "1.33.0", "Linux", false],
    ["AzureContainerLinux", "1.34.0", "Linux", true],
    // The pool type must match: Linux and Windows pools never switch into each other.
    ["Windows2025", "1.34.0", "Linux", false],
    ["AzureLinux3", "1.34.0", "Windows", false],
  ] as const)("%s on Kubernetes %s in a %s pool: %s", (osSku, kubernetesVersion, osType, compatible) => {
    const verdict = checkCompatibility(osSku, { kubernetesVersion, osType: osType as OsType });
    expect(verdict.compatible).toBe(compatible);
    expect(verdict.reasons.length).toBeGreaterThan(0);
  });

  it("explains what blocks a target and what to do", () => {
    expect(
      checkCompatibility("Ubuntu2404", { kubernetesVersion: "1.30.2", osType: "Linux" }).reasons[0],
    ).toMatch(/runs on Kubernetes 1.32-1.38, not 1.30.2: upgrade Kubernetes to 1.32 first/);
    expect(
      checkCompatibility("Windows2019", { kubernetesVersion: "1.33.1", osType: "Windows" }).reasons[0],
    ).toMatch(/not allowed above 1.32/);
    expect(
      checkCompatibility("AzureLinux3", { kubernetesVersion: "1.32.0", osType: "Windows" }).reasons[0],
    ).toBe("AzureLinux3 is a Linux SKU and this is a Windows pool");
    expect(
      checkCompatibility("Mariner2", { kubernetesVersion: "1.32.0", osType: "Linux" }).reasons[0],
    ).toMatch(/no version rule is known/);
  });

  it("says how the pool gets there: Linux SKUs switch in place, Windows needs a new pool", () => {
    expect(checkCompatibility("AzureLinux3", { kubernetesVersion: "1.31.0", osType: "Linux" }).method).toBe(
      "update-os-sku",
    );
    expect(checkCompatibility("Windows2025", { kubernetesVersion: "1.33.0", osType: "Windows" }).method).toBe(
      "new-pool",
    );
  });

  it("refuses Ubuntu 24.04 for a FIPS pool", () => {
    const verdict = checkCompatibility("Ubuntu2404", {
      kubernetesVersion: "1.33.0",
      osType: "Linux",
      enableFips: true,
    });
    expect(verdict.compatible).toBe(false);
    expect(verdict.reasons[0]).toMatch(/FIPS/);
  });
});

describe("recommendTarget", () => {
  it.each([
    // current OS, Kubernetes version, pool OS type, recommended, compatible
    ["AzureLinux2", "1.31.9", "Linux", "AzureLinux3", true],
    ["AzureLinux2", "1.27.3", "Linux", "AzureLinux3", false],
    ["Ubuntu2004", "1.30.5", "Linux", "Ubuntu2204", true],
    ["Ubuntu2004", "1.33.2", "Linux", "Ubuntu2404", true],
    ["Ubuntu1804", "1.24.9", "Linux", "Ubuntu2404", false],
    ["Ubuntu2204", "1.32.7", "Linux", "Ubuntu2404", true],
    ["Ubuntu2204", "1.30.0", "Linux", "Ubuntu2404", false],
    ["Windows2019", "1.31.9", "Windows", "Windows2022", true],
    ["Windows2019", "1.32.7", "Windows", "Windows2025", true],
    ["WindowsAnnual", "1.33.0", "Windows", "Windows2025", true],
    ["Windows2022", "1.36.1", "Windows", "Windows2025", true],
    ["Flatcar", "1.32.4", "Linux", "AzureLinux3", true],
    ["AzureLinuxOSGuard", "1.33.0", "Linux", "AzureContainerLinux", false],
    ["AzureLinuxOSGuard", "1.34.0", "Linux", "AzureContainerLinux", true],
  ] as const)(
    "%s on %s (%s) moves to %s (compatible: %s)",
    (current, kubernetesVersion, osType, osSku, compatible) => {
      const recommendation = recommendTarget(
        current as EffectiveOs,
        { kubernetesVersion, osType: osType as OsType },
        calendar,
        day("2026-11-26"),
      );
      expect(recommendation).toMatchObject({ osSku, compatible });
    },
  );

  it("has nothing to recommend for an OS that does not retire or is unknown", () => {
    for (const current of ["AzureLinux3", "Ubuntu2404", "Windows2025", "unknown"] as const) {
      expect(
        recommendTarget(
          current,
          { kubernetesVersion: "1.33.0", osType: "Linux" },
          calendar,
          day("2026-11-26"),
        ),
      ).toBe(undefined);
    }
  });

  it("says when the preferred target was passed over and when the chosen target itself retires", () => {
    const recommendation = recommendTarget(
      "Windows2019",
      { kubernetesVersion: "1.31.9", osType: "Windows" },
      calendar,
      day("2026-11-26"),
    );
    expect(recommendation?.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Windows2025 would be preferred, but .*upgrade Kubernetes to 1.32 first/),
        expect.stringMatching(
          /^the target itself retires: Windows Server 2022 is retirement-announced: end of support 2028-06-30/,
        ),
      ]),
    );
    expect(recommendation?.targetStatus?.state).toBe("retirement-announced");

    const ubuntu = recommendTarget(
      "Ubuntu2004",
      { kubernetesVersion: "1.30.5", osType: "Linux" },
      calendar,
      day("2027-05-01"),
    );
    expect(ubuntu?.osSku).toBe("Ubuntu2204");
    expect(ubuntu?.targetStatus?.state).toBe("nearing-end");
    expect(ubuntu?.reasons.at(-1)).toMatch(/the target itself retires: Ubuntu 22.04 is nearing-end/);
  });

  it("does not warn about a target with no announced end", () => {
    const recommendation = recommendTarget(
      "AzureLinux2",
      { kubernetesVersion: "1.31.9", osType: "Linux" },
      calendar,
      day("2026-03-15"),
    );
    expect(recommendation?.targetStatus?.state).toBe("supported");
    expect(recommendation?.reasons.some((reason) => reason.includes("itself retires"))).toBe(false);
  });
});

describe("skuVersionLimit", () => {
  it.each([
    ["AzureLinux3", "1.36.2", true],
    ["AzureLinux3", "1.35.0", false],
    ["Windows2019", "1.32.7", true],
    ["Windows2022", "1.36.1", true],
    ["Ubuntu2404", "1.36.0", false],
    ["AzureLinux", "1.36.0", false],
    [undefined, "1.36.0", false],
  ] as const)("warns %s on %s before the next upgrade: %s", (osSku, version, warns) => {
    const warning = skuVersionLimit(osSku, version);
    expect(warning !== undefined).toBe(warns);
    if (warning) expect(warning).toMatch(/change the SKU before upgrading/);
  });
});
