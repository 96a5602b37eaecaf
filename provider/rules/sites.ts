import type { Site } from "./model";

/**
 * Huawei Cloud regions and the sites (China `cn`, international `intl`) that offer them, as far
 * as the seeds state it. Seed 001: "you cannot share images in the CN North-Beijing4 region of
 * the China site with your account of the international site which does not have this region".
 *
 * Only what a seed says is listed: cross-site-share flags a region only when this table says one
 * of the two sites lacks it. A region missing here is unknown and never flagged; add a region (with
 * its source) when the cloud's documentation confirms which sites have it.
 */
export interface RegionSites {
  /** The console's name for the region. */
  title: string;
  sites: readonly Site[];
  /** Where the fact comes from. */
  source: string;
}

export const HUAWEICLOUD_REGION_SITES: Readonly<Record<string, RegionSites>> = {
  "cn-north-4": { title: "CN North-Beijing4", sites: ["cn"], source: "seed 001" },
};

/** Whether a region is known to exist on a site of a profile's table (Profile.sites): true, false, or undefined when the table does not know the region. */
export function regionOnSite(sites: Readonly<Record<string, RegionSites>>, region: string, site: Site): boolean | undefined {
  const entry = Object.prototype.hasOwnProperty.call(sites, region) ? sites[region] : undefined;
  return entry === undefined ? undefined : entry.sites.includes(site);
}
