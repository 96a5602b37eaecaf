import type { ContextRule } from "../context";
import { PROFILES, copyReaches } from "../profiles";

export const rule: ContextRule = {
  id: "copy-same-region",
  title: "Copy to the image's own region",
  description:
    "tencentcloud: a copy whose destination is the source's region. Tencent Cloud copies images only to other regions; on huaweicloud and opentelekomcloud a same-region copy is an in-region replicate, and alicloud copies within a region too.",
  source: ["Tencent Cloud SyncImages API"],
  profiles: ["tencentcloud"],
  severity: "error",
  docs: {
    why: "Tencent Cloud's SyncImages copies an image to other regions only: a destination equal to the source region is refused, so the copy could never be applied.",
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
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
copies:
  - { name: golden-to-shanghai, source: golden, region: ap-shanghai, as: golden-sh }
`,
  },
  *check(ctx) {
    for (const copy of ctx.copies) {
      const image = copy.source;
      if (!image || copy.region !== image.region || copyReaches(PROFILES[image.profile].copy.owned, true)) continue;
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
