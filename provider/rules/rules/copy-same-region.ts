import type { ContextRule } from "../context";
import { PROFILES, copyRefusal } from "../profiles";

export const rule: ContextRule = {
  id: "copy-same-region",
  title: "Copy to the image's own region",
  description:
    "tencentcloud: a copy of the copier's own custom image whose destination is its source region (SyncImages API reference). A shared image synced into its source region is allowed: it becomes the recipient's own image (see copy-of-shared-image). On huaweicloud and opentelekomcloud a same-region copy is an in-region replicate, and alicloud copies within a region too.",
  source: ["Tencent Cloud SyncImages API"],
  profiles: ["tencentcloud"],
  severity: "error",
  docs: {
    why: "From Tencent Cloud's SyncImages API reference, not a FAQ (seed 004 is silent on it): a custom image is synced to regions other than its source region only, so a copy of one's own image to its own region is refused and could never be applied. A shared image is the other way round: the recipient syncs it into its source region only, which makes it the recipient's custom image there.",
    failing: `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
copies:
  - { name: golden-copy, source: golden, region: ap-guangzhou, as: golden-2 }   # its own region
`,
    passing: `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
  team-a: { id: "100000000002" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
copies:
  - { name: golden-to-shanghai, source: golden, region: ap-shanghai, as: golden-sh }
  - { name: team-a-syncs, source: golden, region: ap-guangzhou, by: team-a, as: golden-team-a }   # a shared image into its own region: team-a's own image
`,
  },
  *check(ctx) {
    for (const copy of ctx.copies) {
      const image = copy.source;
      if (!image || copy.byKey !== image.ownerKey || copyRefusal(image.profile, false, copy.region === image.region) !== "copy-same-region") continue;
      yield {
        message: `copy ${copy.name}: image ${image.key} is copied to ${image.region}, the region it is in; ${PROFILES[image.profile].cloud} copies images only to other regions`,
        resource: copy.name,
        path: [...copy.path, "region"],
        profile: image.profile,
        fix: `copy to another region, or drop the copy and use image ${image.key} itself in ${image.region}`,
      };
    }
  },
};
