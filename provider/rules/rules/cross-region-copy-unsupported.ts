import type { ContextRule } from "../context";
import { PROFILES, copyRefusal } from "../profiles";

export const rule: ContextRule = {
  id: "cross-region-copy-unsupported",
  title: "No cross-region copy on this cloud",
  description:
    "opentelekomcloud: a copy to another region than its source's, by the owner or a recipient. Open Telekom Cloud IMS copies an image within its region only (its API, SDK and Terraform provider have no cross-region copy); an in-region replicate passes.",
  source: ["Open Telekom Cloud IMS API"],
  profiles: ["opentelekomcloud"],
  severity: "error",
  docs: {
    why:
      "From Open Telekom Cloud's IMS API, SDK and Terraform provider, not a FAQ (seed 000 says nothing of copies): they offer an in-region copy (CopyImageInRegion) and no cross-region copy, which Huawei Cloud's IMS has (CopyImageCrossRegion). A cross-region copy could never be applied: the backend never sends one, and the stack would fail half way at apply. To have the image in another region, export it to an OBS bucket and create an image from that file in the other region (outside this stack).",
    failing: `profile: opentelekomcloud
accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      platform-de: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-de }
      platform-nl: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-nl }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: eu-de, owner: platform, kind: system, name: golden-ubuntu }
copies:
  - { name: golden-to-nl, source: golden, region: eu-nl, as: golden-nl }   # another region
`,
    passing: `profile: opentelekomcloud
accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      platform-de: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-de }
      platform-nl: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-nl }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: eu-de, owner: platform, kind: system, name: golden-ubuntu }
copies:
  - { name: golden-replica, source: golden, region: eu-de, as: golden-2 }   # an in-region replicate
`,
  },
  *check(ctx) {
    for (const copy of ctx.copies) {
      const image = copy.source;
      if (!image || copyRefusal(image.profile, copy.byKey !== image.ownerKey, copy.region === image.region) !== "cross-region-copy-unsupported") continue;
      yield {
        message: `copy ${copy.name}: image ${image.key} is copied from ${image.region} to ${copy.region}; ${PROFILES[image.profile].title} copies images only within a region (it has no cross-region copy)`,
        resource: copy.name,
        path: [...copy.path, "region"],
        profile: image.profile,
        fix: `copy within ${image.region} (region: ${image.region}), or drop the copy; to have the image in ${copy.region}, export it to an OBS bucket and create an image from that file in ${copy.region}, outside this stack`,
      };
    }
  },
};
