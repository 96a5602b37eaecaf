import { PROFILE_IDS } from "../model";
import type { ContextRule } from "../context";
import { copiesAcrossRegions } from "../profiles";
import { cloud, refLabel } from "../text";

export const rule: ContextRule = {
  id: "cross-region-share",
  title: "Shares are regional",
  description:
    "A share or acceptance that would use an image outside its region: a member project of another region than the image's, or on opentelekomcloud a member account with no project in the image's region.",
  source: ["000", "001", "002", "003", "004"],
  profiles: PROFILE_IDS,
  severity: "error",
  docs: {
    why:
      "A share names no region: the image is shared in its own region and recipients use it only there (all seeds). huaweicloud / opentelekomcloud projects are per region, so a member project of another region cannot receive it; on opentelekomcloud a bare account member means the account's project in the image's region, and an account with none there cannot be a member. The way across regions: copy the image to the member's region first, then share the copy; on opentelekomcloud, which copies within a region only (cross-region-copy-unsupported), share with the member's project in the image's region.",
    failing: `profile: opentelekomcloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-de: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-de } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-nl: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-nl } } }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: eu-de, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [{ account: team-a, project: team-a-nl }] }   # eu-nl project, eu-de image
`,
    passing: `profile: opentelekomcloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-de: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-de }, platform-nl: { id: "5a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-nl } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-nl: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-nl }, team-a-de: { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-de } } }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: eu-de, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [{ account: team-a, project: team-a-de }] }   # team-a's eu-de project
`,
  },
  *check(ctx) {
    for (const share of ctx.shares) {
      const image = share.image;
      if (!image) continue;
      for (const edge of share.edgesOutsideRegion()) {
        const member = edge.member;
        if (!member) {
          const account = refLabel(edge.ref);
          yield {
            message: `share ${share.name}: member ${account} has no project in ${image.region}, the region of image ${image.key}; on ${image.profile} a member is a project of the image's region`,
            resource: share.name,
            path: edge.path,
            profile: image.profile,
            fix: `give ${account} a project in ${image.region} (accounts.${account}.projects)${copiesAcrossRegions(image.profile) ? `, or copy image ${image.key} to a region where ${account} has a project first, then share the copy` : ""}`,
          };
          continue;
        }
        const label = edge.label;
        yield {
          message: `share ${share.name}: member ${label} is in ${member.region}, image ${image.key} is in ${image.region}; an image is shared only within its region`,
          resource: share.name,
          path: edge.path,
          profile: image.profile,
          fix: copiesAcrossRegions(image.profile)
            ? `copy image ${image.key} to ${member.region} first (a copy with source: ${image.key}, region: ${member.region}), then share the copy with ${label}`
            : `share image ${image.key} with a project of ${member.account.key} in ${image.region} instead: ${cloud(image)} copies images only within a region`,
        };
      }
    }
    for (const acceptance of ctx.acceptancesOutsideRegion) {
      const image = acceptance.image!;
      const member = acceptance.member;
      const label = refLabel(acceptance.ref);
      const path = [...acceptance.path, "member"];
      if (!member) {
        yield {
          message: `acceptance ${acceptance.name}: ${label} has no project in ${image.region}, the region of image ${image.key}, so it cannot accept it`,
          resource: acceptance.name,
          path,
          profile: image.profile,
          fix: `give ${label} a project in ${image.region}${copiesAcrossRegions(image.profile) ? `, or accept a copy of ${image.key} in a region where ${label} has a project` : ""}`,
        };
      } else {
        yield {
          message: `acceptance ${acceptance.name}: project ${label} is in ${member.region}, image ${image.key} is in ${image.region}; a shared image is usable only in its region`,
          resource: acceptance.name,
          path,
          profile: image.profile,
          fix: copiesAcrossRegions(image.profile)
            ? `copy image ${image.key} to ${member.region} first, share the copy with ${label}, and accept that copy`
            : `accept it as a project of ${member.account.key} in ${image.region} instead: ${cloud(image)} copies images only within a region`,
        };
      }
    }
  },
};
