import type { ContextRule } from "../context";
import { PROFILES, copyReaches, recipientCopyReach } from "../profiles";

export const rule: ContextRule = {
  id: "copy-of-shared-image",
  title: "Copying an image shared with you",
  description:
    "tencentcloud: a shared image cannot be copied at all. huaweicloud / opentelekomcloud: a recipient cannot copy a shared image straight to another region; it first replicates it, accepted, to a private image in the image's region, then copies that one. alicloud: the seeds are silent, no rule.",
  source: ["001", "004"],
  profiles: ["tencentcloud", "huaweicloud", "opentelekomcloud"],
  severity: "error",
  docs: {
    why:
      "Seed 004 (Tencent Cloud): a shared image cannot be copied to other regions, and SyncImages copies only to other regions, so a recipient cannot copy it at all; the owner copies it and shares the copy. Seed 001 (Huawei Cloud), to share across regions: the account accepts the shared image, replicates it as a private image, then replicates that private image to the other region. A copy by the image's owner is not a copy of a shared image.",
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a:
    id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 }
      team-a-gz: { id: "5a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-south-1 }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
copies:
  - { name: team-a-copies-to-gz, source: golden, region: cn-south-1, by: team-a, as: golden-gz }   # straight to another region
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a:
    id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 }
      team-a-gz: { id: "5a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-south-1 }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
copies:
  - { name: team-a-replicates, source: golden, region: cn-north-4, by: team-a, as: golden-team-a }   # private replica first
  - { name: team-a-copies-to-gz, source: golden-team-a, region: cn-south-1, by: team-a, as: golden-gz }
`,
  },
  *check(ctx) {
    for (const copy of ctx.copies) {
      const image = copy.source;
      const by = copy.byKey;
      if (!image || by === image.ownerKey) continue;
      const reach = recipientCopyReach(image.profile);
      if (reach === "none") {
        yield {
          message: `copy ${copy.name}: ${by} copies image ${image.key}, which ${image.ownerKey} shared with it; ${PROFILES[image.profile].cloud} cannot copy a shared image`,
          resource: copy.name,
          path: copy.path,
          profile: image.profile,
          fix: `have the owner ${image.ownerKey} copy image ${image.key} to ${copy.region} (a copy by ${image.ownerKey}), then share that copy with ${by}`,
        };
      } else if (!copyReaches(reach, copy.region === image.region)) {
        yield {
          message: `copy ${copy.name}: ${by} copies image ${image.key}, which ${image.ownerKey} shared with it, straight from ${image.region} to ${copy.region}; a shared image must first be replicated to a private image in its own region`,
          resource: copy.name,
          path: copy.path,
          profile: image.profile,
          fix: `replicate it first (a copy with source: ${image.key}, by: ${by}, region: ${image.region}), then copy that private image to ${copy.region}; or have ${image.ownerKey} copy image ${image.key} to ${copy.region} and share the copy`,
        };
      }
    }
  },
};
