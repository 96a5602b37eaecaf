import { PROFILE_IDS } from "../model";
import { type ContextRule, MEMBER_NO_PROJECT } from "../context";
import { edgeMemberLabel, edgePath, edgeRef, refLabel } from "../text";

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
      "A share names no region: the image is shared in its own region and recipients use it only there (all seeds). huaweicloud / opentelekomcloud projects are per region, so a member project of another region cannot receive it; on opentelekomcloud a bare account member means the account's project in the image's region, and an account with none there cannot be a member. The way across regions: copy the image to the member's region first, then share the copy.",
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
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-nl: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-nl } } }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: eu-de, owner: platform, kind: system, name: golden-ubuntu }
copies:
  - { name: golden-to-nl, source: golden, region: eu-nl, as: golden-nl }
shares:
  - { name: golden-nl-to-team-a, image: golden-nl, members: [{ account: team-a, project: team-a-nl }] }
`,
  },
  *check(ctx) {
    const { images, memberRegion } = ctx;
    for (let s = 0; s < ctx.shares.length; s++) {
      if (ctx.shareImage[s] < 0) continue;
      const img = images[ctx.shareImage[s]];
      const share = ctx.shares[s];
      for (let e = ctx.shareEdgeStart[s]; e < ctx.shareEdgeStart[s + 1]; e++) {
        const m = ctx.edgeMember[e];
        if (m >= 0 ? memberRegion[m] === undefined || memberRegion[m] === img.region : m !== MEMBER_NO_PROJECT) continue;
        const label = edgeMemberLabel(ctx, e);
        if (m === MEMBER_NO_PROJECT) {
          const account = refLabel(edgeRef(ctx, e));
          yield {
            message: `share ${share.name}: member ${account} has no project in ${img.region}, the region of image ${img.key}; on ${img.profile} a member is a project of the image's region`,
            resource: share.name,
            path: edgePath(ctx, e),
            profile: img.profile,
            fix: `give ${account} a project in ${img.region} (accounts.${account}.projects), or copy image ${img.key} to a region where ${account} has a project first, then share the copy`,
          };
          continue;
        }
        const region = memberRegion[m]!;
        yield {
          message: `share ${share.name}: member ${label} is in ${region}, image ${img.key} is in ${img.region}; an image is shared only within its region`,
          resource: share.name,
          path: edgePath(ctx, e),
          profile: img.profile,
          fix: `copy image ${img.key} to ${region} first (a copy with source: ${img.key}, region: ${region}), then share the copy with ${label}`,
        };
      }
    }
    const acceptances = ctx.acceptances;
    for (let a = 0; a < acceptances.length; a++) {
      const i = ctx.accImage[a];
      const m = ctx.accMember[a];
      if (i < 0 || (m !== MEMBER_NO_PROJECT && (m < 0 || memberRegion[m] === undefined || memberRegion[m] === images[i].region))) continue;
      const img = images[i];
      const label = refLabel(acceptances[a].member);
      if (m === MEMBER_NO_PROJECT) {
        yield {
          message: `acceptance ${acceptances[a].name}: ${label} has no project in ${img.region}, the region of image ${img.key}, so it cannot accept it`,
          resource: acceptances[a].name,
          path: ["acceptances", a, "member"],
          profile: img.profile,
          fix: `give ${label} a project in ${img.region}, or accept a copy of ${img.key} in a region where ${label} has a project`,
        };
      } else {
        yield {
          message: `acceptance ${acceptances[a].name}: project ${label} is in ${memberRegion[m]}, image ${img.key} is in ${img.region}; a shared image is usable only in its region`,
          resource: acceptances[a].name,
          path: ["acceptances", a, "member"],
          profile: img.profile,
          fix: `copy image ${img.key} to ${memberRegion[m]} first, share the copy with ${label}, and accept that copy`,
        };
      }
    }
  },
};
