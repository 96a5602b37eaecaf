import { PROFILE_IDS } from "../model";
import type { ContextRule } from "../context";
import { PROFILES, copyRefusal } from "../profiles";
import { cloud } from "../text";

export const rule: ContextRule = {
  id: "reshare-forbidden",
  title: "Only the owner can share an image",
  description: "A share of an image that the sharing account (`by`) does not own: an image shared with an account cannot be shared on by it.",
  source: ["000", "001", "002", "003", "004"],
  profiles: PROFILE_IDS,
  severity: "error",
  docs: {
    why:
      "Every seed says only the image's owner can share it. The owner of a copy's product is the copying account, so on huaweicloud / opentelekomcloud the way to pass on an image shared with you is to accept it, replicate it to a private image (a copy by you, in the same region) and share that copy (share-chain then warns about the data that travels on). On alicloud and tencentcloud the recipient's copy of a shared image within its region is its own image too (CopyImage and SyncImages API references, not the FAQs), which it may share.",
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-b: { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
  - { name: team-a-passes-it-on, image: golden, by: team-a, members: [team-b] }   # team-a does not own golden
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-b: { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
  - { name: team-a-shares-its-replica, image: golden-team-a, members: [team-b] }   # team-a owns its replica
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
copies:
  - { name: team-a-replicates, source: golden, region: cn-north-4, by: team-a, as: golden-team-a }
`,
  },
  *check(ctx) {
    for (const share of ctx.shares) {
      const image = share.image;
      const byKey = share.byKey;
      if (!image || byKey === image.ownerKey) continue;
      const sharedWithBy = share.by !== undefined && image.isSharedWith(share.by);
      let message = `share ${share.name}: account ${byKey} shares image ${image.key}, which ${image.ownerKey} owns${sharedWithBy ? ` (it was shared with ${byKey})` : ""}; only the owner can share an image on ${cloud(image)}`;
      const facts = PROFILES[image.profile];
      let fix: string | undefined;
      if (copyRefusal(image.profile, true, true) === undefined) {
        // The recipient's in-region copy is its own image, which it may share.
        const copy = `a copy with source: ${image.key}, by: ${byKey}, region: ${image.region}`;
        fix = facts.copy.viaPrivateReplica
          ? `accept ${image.key} as ${byKey}, replicate it to a private image (${copy}), and share that copy instead`
          : `copy ${image.key} within its region as ${byKey} (${copy}): the copy is ${byKey}'s own image; share that copy instead`;
      } else {
        message += " (no way around it is documented)";
      }
      const finding = { message, resource: share.name, path: share.declaration.by !== undefined ? [...share.path, "by"] : share.path, profile: image.profile };
      yield fix === undefined ? finding : { ...finding, fix };
    }
  },
};
