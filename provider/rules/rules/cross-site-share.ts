import type { ContextRule } from "../context";
import type { Site } from "../model";
import { PROFILES } from "../profiles";
import { HUAWEICLOUD_REGION_SITES, regionOnSite } from "../sites";

const SITE_NAME: Record<Site, string> = { cn: "China site", intl: "international site" };

export const rule: ContextRule = {
  id: "cross-site-share",
  title: "Sharing across the China and international sites",
  description:
    "huaweicloud: sharing between an account of the China site and one of the international site in a region that the two sites do not both have.",
  source: ["001"],
  profiles: ["huaweicloud"],
  severity: "error",
  docs: {
    why: `Seed 001: images can be shared between accounts of the China and the international site, but only in regions available at both sites; CN North-Beijing4 (cn-north-4) exists only on the China site. Accounts carry \`site: cn | intl\`; the check needs both the owner's and the member's site. Known regions: ${Object.entries(
      HUAWEICLOUD_REGION_SITES,
    )
      .map(([r, e]) => `${r} (${e.sites.join(", ")}; ${e.source})`)
      .join("; ")}. A region that table does not list is not flagged: the core does not guess which sites have it.`,
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", site: cn, projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  partner: { id: "6a1b2c3d4e5f60718293a4b5c6d7e8f9", site: intl }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-partner, image: golden, members: [partner] }   # cn-north-4 is China-site only
acceptances:
  - { name: partner-accepts, image: golden, member: partner, status: accepted }
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", site: cn, projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", site: cn }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }   # both on the China site
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
`,
  },
  *check(ctx) {
    for (const share of ctx.shares) {
      const image = share.image;
      const sites = image && PROFILES[image.profile].sites;
      if (!image || !sites || !image.owner) continue;
      const ownerSite = image.owner.site;
      if (ownerSite === undefined) continue;
      for (const edge of share.edgesOffSite(ownerSite)) {
        const memberSite = edge.member!.account.site!;
        const lacking = regionOnSite(sites, image.region, ownerSite) === false ? ownerSite : regionOnSite(sites, image.region, memberSite) === false ? memberSite : undefined;
        if (lacking === undefined) continue;
        const label = edge.label;
        const title = sites[image.region]?.title;
        yield {
          message: `share ${share.name}: image ${image.key} in ${image.region}${title ? ` (${title})` : ""} is shared from ${image.ownerKey} on the ${SITE_NAME[ownerSite]} with ${label} on the ${SITE_NAME[memberSite]}; the ${SITE_NAME[lacking]} does not have ${image.region}, and images cross sites only in regions both have`,
          resource: share.name,
          path: edge.path,
          profile: image.profile,
          fix: `copy image ${image.key} to a region that both the China and the international site offer, then share the copy with ${label} there`,
        };
      }
    }
  },
};
