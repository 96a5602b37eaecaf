import type { ContextRule } from "../context";
import { PROFILES, copyRefusal } from "../profiles";

export const rule: ContextRule = {
  id: "copy-of-shared-image",
  title: "Copying an image shared with you to another region",
  description:
    "A recipient copying an image shared with it straight to another region. It copies the image within its region first (the copy is its own image), then copies that one: huaweicloud replicates it, accepted, to a private image; tencentcloud syncs it into its source region, where it becomes the recipient's custom image (SyncImages API reference); alicloud copies it within its region (CopyImage API reference). opentelekomcloud copies within a region only (cross-region-copy-unsupported).",
  source: ["001", "004", "Alibaba Cloud CopyImage API", "Tencent Cloud SyncImages API"],
  profiles: ["huaweicloud", "alicloud", "tencentcloud"],
  severity: "error",
  docs: {
    why:
      "Seed 001 (Huawei Cloud), to share across regions: the account accepts the shared image, replicates it as a private image, then replicates that private image to the other region. Seed 004 (Tencent Cloud): \"Can a shared image be copied to other regions? No.\"; the SyncImages API reference (not a FAQ) adds that a shared image may be synced to its source region only, where it becomes the recipient's own custom image, which it may then sync on. Alibaba Cloud: the seeds are silent; the CopyImage API reference (not a FAQ) says \"If the image is shared with you by another account, you can copy it only within the same region.\" A copy by the image's owner is not a copy of a shared image, and a copy within the image's region passes.",
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
      if (!image || by === image.ownerKey || copyRefusal(image.profile, true, copy.region === image.region) !== "copy-of-shared-image") continue;
      const facts = PROFILES[image.profile];
      const inRegion = `a copy with source: ${image.key}, by: ${by}, region: ${image.region}`;
      const how = facts.copy.viaPrivateReplica
        ? { message: "a shared image must first be replicated to a private image in its own region", fix: `replicate it first (${inRegion})` }
        : { message: `${facts.cloud} copies a shared image only within its own region, where the copy becomes ${by}'s own image`, fix: `copy it in its region first (${inRegion})` };
      yield {
        message: `copy ${copy.name}: ${by} copies image ${image.key}, which ${image.ownerKey} shared with it, straight from ${image.region} to ${copy.region}; ${how.message}`,
        resource: copy.name,
        path: copy.path,
        profile: image.profile,
        fix: `${how.fix}, then copy that image to ${copy.region}; or have ${image.ownerKey} copy image ${image.key} to ${copy.region} and share the copy`,
      };
    }
  },
};
