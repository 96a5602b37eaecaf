import type { ContextRule, RuleContext } from "../context";
import { edgePath } from "../text";

export const rule: ContextRule = {
  id: "share-chain",
  title: "Sharing on a copy of an image shared with you",
  description:
    "huaweicloud / opentelekomcloud: an image that is a copy (at any depth) of an image shared with the copying account, shared on again by its new owner: the data-leakage chain every seed warns about.",
  source: ["000", "001", "002"],
  profiles: ["huaweicloud", "opentelekomcloud"],
  severity: "warning",
  docs: {
    why:
      "The seeds' answer to 'can I share an image shared with me?' is to replicate it to a private image and share that; and their warning is that a recipient creating private images from a shared one and sharing them on discloses the original owner's data more widely. The share is allowed (the copier owns the copy); this warns so that someone confirms the original owner agrees. A share of the copy only with the copier's own projects is not reported.",
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-b: { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
  - { name: team-a-shares-its-replica, image: golden-team-a, members: [team-b] }   # platform's data travels on
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
  - { name: team-b-accepts, image: golden-team-a, member: team-b, status: accepted }
copies:
  - { name: team-a-replicates, source: golden, region: cn-north-4, by: team-a, as: golden-team-a }
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-b: { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-teams, image: golden, members: [team-a, team-b] }   # the owner shares with both
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
  - { name: team-b-accepts, image: golden, member: team-b, status: accepted }
`,
  },
  *check(ctx) {
    const shares = ctx.shares;
    for (let s = 0; s < shares.length; s++) {
      const i = ctx.shareImage[s];
      if (i < 0) continue;
      const img = ctx.images[i];
      if (!img.derivedFromShared || (img.profile !== "huaweicloud" && img.profile !== "opentelekomcloud")) continue;
      if (ctx.shareByKey[s] !== img.ownerKey) continue; // reshare-forbidden reports it
      // The first member outside the copier's own account, if any.
      let outside = -1;
      for (let e = ctx.shareEdgeStart[s]; e < ctx.shareEdgeStart[s + 1]; e++) {
        const m = ctx.edgeMember[e];
        if (m >= 0 && ctx.memberAccount[m] !== img.owner) {
          outside = e;
          break;
        }
      }
      if (outside < 0) continue;
      const origin = originOf(ctx, i);
      const originImg = ctx.images[origin.source];
      yield {
        message: `share ${shares[s].name}: image ${img.key} is a copy of image ${originImg.key}, which ${originImg.ownerKey} shared with ${origin.copier}; sharing it on passes ${originImg.ownerKey}'s data to more accounts`,
        resource: shares[s].name,
        path: edgePath(ctx, outside),
        profile: img.profile,
        fix: `make sure ${originImg.ownerKey} agrees and the image holds nothing the members may not see; or have ${originImg.ownerKey} share image ${originImg.key} with them directly`,
      };
    }
  },
};

/** Walks up the copies to the one that copied an image shared with the copier. */
function originOf(ctx: RuleContext, i: number): { source: number; copier: string } {
  let img = ctx.images[i];
  for (let guard = 0; guard < ctx.images.length && img.source >= 0; guard++) {
    if (img.sharedWithCopier) return { source: img.source, copier: img.ownerKey };
    img = ctx.images[img.source];
  }
  return { source: i, copier: ctx.images[i].ownerKey };
}
