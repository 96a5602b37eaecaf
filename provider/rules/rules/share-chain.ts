import type { ContextRule, Edge } from "../context";
import { PROFILES } from "../profiles";

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
    for (const share of ctx.shares) {
      const image = share.image;
      // Where a recipient shares on through a private replica (the seeds' way round): the chain.
      if (!image || !image.derivedFromShared || !PROFILES[image.profile].copy.viaPrivateReplica) continue;
      if (share.byKey !== image.ownerKey) continue; // reshare-forbidden reports it
      // The first member outside the copier's own account, if any.
      let outside: Edge | undefined;
      for (const edge of share.edges) {
        if (!edge.member || edge.member.account === image.owner) continue;
        outside = edge;
        break;
      }
      if (!outside) continue;
      // Up the chain of copies to the one that copied an image shared with its copier.
      const hop = image.copyChain.find((product) => product.sharedWithCopier);
      const origin = hop?.source ?? image;
      const copier = hop ? hop.ownerKey : image.ownerKey;
      yield {
        message: `share ${share.name}: image ${image.key} is a copy of image ${origin.key}, which ${origin.ownerKey} shared with ${copier}; sharing it on passes ${origin.ownerKey}'s data to more accounts`,
        resource: share.name,
        path: outside.path,
        profile: image.profile,
        fix: `make sure ${origin.ownerKey} agrees and the image holds nothing the members may not see; or have ${origin.ownerKey} share image ${origin.key} with them directly`,
      };
    }
  },
};
