// Linux node image versions: <family>-<variant>-YYYYMM.DD.PATCH, e.g. AKSAzureLinux-V3gen2-202602.13.5.
// Windows images use another scheme (build numbers) and do not parse: their age is unknown, not guessed.

import { daysSince, type IsoDate, isIsoDate } from "./calendar-date.ts";

export interface NodeImageVersion {
  raw: string;
  family: string;
  variant: string;
  /** The build date the version encodes. */
  builtOn: IsoDate;
  patch: number;
}

const NODE_IMAGE_VERSION = /^([A-Za-z0-9]+)-([A-Za-z0-9-]+)-(\d{4})(\d{2})\.(\d{2})\.(\d+)$/;

export function parseNodeImageVersion(raw: string): NodeImageVersion | undefined {
  const match = NODE_IMAGE_VERSION.exec(raw.trim());
  if (!match) return undefined;
  const [, family, variant, year, month, day, patch] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const builtOn = `${year}-${month}-${day}`;
  if (!isIsoDate(builtOn)) return undefined;
  return { raw, family, variant, builtOn, patch: Number(patch) };
}

/** Days since the image was built, at `now`. */
export function nodeImageAgeDays(image: NodeImageVersion, now: Date): number {
  return daysSince(image.builtOn, now);
}
