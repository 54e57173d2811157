import { describe, expect, it } from "vitest";
import { effectiveOs } from "../../shared/domain/lifecycle/effective-os.ts";
import { nodeImageAgeDays, parseNodeImageVersion } from "../../shared/domain/lifecycle/node-image-version.ts";
import { day } from "../support/pool-fixtures.ts";

describe("effectiveOs", () => {
  it.each([
    // osSku, Kubernetes version, node image, expected
    ["AzureLinux", "1.27.3", undefined, "AzureLinux2"],
    ["AzureLinux", "1.31.9", undefined, "AzureLinux2"],
    ["AzureLinux", "1.32.0", undefined, "AzureLinux3"],
    ["AzureLinux", "1.36.1", undefined, "AzureLinux3"],
    ["AzureLinux", "1.32.7", "AKSAzureLinux-V3gen2-202602.13.5", "AzureLinux3"],
    ["AzureLinux3", "1.30.4", undefined, "AzureLinux3"],
    // The image is what the nodes run: not yet reimaged, or pinned otherwise.
    ["AzureLinux", "1.33.5", "AKSAzureLinux-V2gen2-202502.26.0", "AzureLinux2"],
    ["AzureLinux3", "1.31.2", "AKSAzureLinux-V2gen2-202502.26.0", "AzureLinux2"],
    ["CBLMariner", "1.29.2", "AKSCBLMariner-V2gen2-202405.20.0", "AzureLinux2"],
    [undefined, "1.30.0", "AKSUbuntu-2204gen2containerd-202602.13.5", "Ubuntu2204"],
    ["Ubuntu", "1.25.0", undefined, "Ubuntu2204"],
    ["Ubuntu", "1.34.3", undefined, "Ubuntu2204"],
    ["Ubuntu", "1.35.0", undefined, "Ubuntu2404"],
    ["Ubuntu", "1.34.3", "AKSUbuntu-2404-202601.27.0", "Ubuntu2404"],
    ["Ubuntu", "1.24.9", "AKSUbuntu-2004gen2containerd-202405.01.0", "Ubuntu2004"],
    ["Ubuntu", "1.24.9", "AKSUbuntu-1804gen2containerd-202305.01.0", "Ubuntu1804"],
    ["Ubuntu2204", "1.30.1", undefined, "Ubuntu2204"],
    ["Ubuntu2404", "1.32.1", undefined, "Ubuntu2404"],
    ["Windows2019", "1.32.7", "AKSWindows-2019-containerd-17763.7919.251008", "Windows2019"],
    ["Windows2022", "1.32.7", undefined, "Windows2022"],
    ["Windows2025", "1.36.0", undefined, "Windows2025"],
    ["WindowsAnnual", "1.33.0", undefined, "WindowsAnnual"],
    ["AzureLinuxOSGuard", "1.33.0", undefined, "AzureLinuxOSGuard"],
    ["AzureContainerLinux", "1.34.0", undefined, "AzureContainerLinux"],
    ["Flatcar", "1.32.4", "AKSFlatcar-flatcargen2-202605.19.0", "Flatcar"],
    ["ubuntu2204", "1.30.1", undefined, "Ubuntu2204"],
  ] as const)(
    "osSku %s on %s with image %s is %s",
    (osSku, kubernetesVersion, nodeImageVersion, expected) => {
      expect(effectiveOs({ osSku, kubernetesVersion, nodeImageVersion }).os).toBe(expected);
    },
  );

  it.each([
    ["an osSku the product does not know", "Mariner2", "1.31.0", undefined, /osSku Mariner2 is not one/],
    ["no osSku and no image", undefined, "1.31.0", undefined, /no osSku/],
    ["AzureLinux below the documented range", "AzureLinux", "1.26.3", undefined, /not documented/],
    ["AzureLinux above the documented range", "AzureLinux", "1.37.0", undefined, /not documented/],
    ["Ubuntu below the documented range", "Ubuntu", "1.24.9", undefined, /not documented/],
    [
      "an unknown image family with no SKU",
      undefined,
      "1.31.0",
      "AKSFoo-bar-202601.01.0",
      /AKSFoo-bar is not known/,
    ],
    ["a version-dependent SKU and no version", "AzureLinux", "latest", undefined, /"latest" is not one/],
  ] as const)("is unknown for %s, never guessed", (_, osSku, kubernetesVersion, nodeImageVersion, reason) => {
    const result = effectiveOs({ osSku, kubernetesVersion, nodeImageVersion });
    expect(result.os).toBe("unknown");
    expect(result.reason).toMatch(reason);
  });

  it("says whether the image agrees with the SKU, and cites the SKU rule", () => {
    expect(
      effectiveOs({
        osSku: "AzureLinux",
        kubernetesVersion: "1.33.0",
        nodeImageVersion: "AKSAzureLinux-V2gen2-202502.26.0",
      }).reason,
    ).toContain("whatever osSku AzureLinux requests");
    expect(
      effectiveOs({
        osSku: "AzureLinux3",
        kubernetesVersion: "1.33.0",
        nodeImageVersion: "AKSAzureLinux-V3gen2-202602.13.5",
      }).reason,
    ).toContain("as osSku AzureLinux3 gives");
    expect(effectiveOs({ osSku: "AzureLinux", kubernetesVersion: "1.32.1" }).reason).toContain(
      "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/upgrade-os-version.md",
    );
  });

  it("falls back to the SKU when the image family is unknown, and says so", () => {
    const result = effectiveOs({
      osSku: "AzureLinux3",
      kubernetesVersion: "1.33.0",
      nodeImageVersion: "AKSNewDistro-V1gen2-202601.01.0",
    });
    expect(result.os).toBe("AzureLinux3");
    expect(result.reason).toMatch(/AKSNewDistro-V1gen2 is not known/);
  });
});

describe("parseNodeImageVersion", () => {
  it.each([
    ["AKSAzureLinux-V2gen2-202502.26.0", "AKSAzureLinux", "V2gen2", "2025-02-26", 0],
    ["AKSAzureLinux-V3gen2-202602.13.5", "AKSAzureLinux", "V3gen2", "2026-02-13", 5],
    ["AKSUbuntu-2204gen2containerd-202602.13.5", "AKSUbuntu", "2204gen2containerd", "2026-02-13", 5],
    ["AKSUbuntu-2404-202601.27.0", "AKSUbuntu", "2404", "2026-01-27", 0],
    [
      "AKSUbuntu-2204gen2arm64-containerd-202611.03.12",
      "AKSUbuntu",
      "2204gen2arm64-containerd",
      "2026-11-03",
      12,
    ],
  ])("reads %s", (raw, family, variant, builtOn, patch) => {
    expect(parseNodeImageVersion(raw)).toEqual({ raw, family, variant, builtOn, patch });
  });

  it.each([
    "AKSWindows-2022-containerd-20348.4405.251112",
    "AKSAzureLinux-V2gen2-202513.06.0",
    "AKSAzureLinux-V2gen2-202502.30.0",
    "AKSAzureLinux-202502.26.0",
    "",
    "latest",
  ])("does not read %j", (raw) => {
    expect(parseNodeImageVersion(raw)).toBeUndefined();
  });

  it("reports the image's age in days at now", () => {
    const image = parseNodeImageVersion("AKSAzureLinux-V2gen2-202512.06.0");
    if (!image) throw new Error("the image version should parse");
    expect(nodeImageAgeDays(image, day("2025-12-06"))).toBe(0);
    expect(nodeImageAgeDays(image, day("2026-03-15"))).toBe(99);
    expect(nodeImageAgeDays(image, day("2026-11-26"))).toBe(355);
  });
});
