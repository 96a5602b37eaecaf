import type { ContextRule } from "../context";
import { PROFILES } from "../profiles";
import { plural } from "../text";

export const rule: ContextRule = {
  id: "shared-image-immutable",
  title: "Renaming a shared image",
  description: "(plan and preview time) Renaming or re-describing an image that is shared: on Tencent Cloud its name and description cannot change.",
  source: ["004"],
  profiles: ["tencentcloud"],
  severity: "error",
  docs: {
    why:
      "Seed 004: the name and description of a shared image cannot be changed. The current name and description come from the cloud (`observed.images.<key>`); the image counts as shared when it has or will have members (declared, existingMembers, or in the cloud).",
    failing: `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
  team-a: { id: "100000000002" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux-v2 }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
# observed (what the cloud holds): golden is named golden-tlinux and shared with team-a
`,
    passing: `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
  team-a: { id: "100000000002" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
# observed (what the cloud holds): golden is named golden-tlinux and shared with team-a
`,
    observed: {
      failing: { images: { golden: { name: "golden-tlinux", members: [{ member: "team-a", status: "accepted" }] } } },
      passing: { images: { golden: { name: "golden-tlinux", members: [{ member: "team-a", status: "accepted" }] } } },
    },
  },
  *check(ctx) {
    const observedImages = ctx.observed?.images;
    if (!observedImages) return;
    for (const key of Object.keys(observedImages)) {
      const image = ctx.image(key);
      const now = observedImages[key];
      if (!image || !now) continue;
      if (PROFILES[image.profile].renameShared !== "refused" || image.memberTotal === 0) continue;
      const renamed = now.name !== undefined && image.name !== undefined && now.name !== image.name;
      const changes: string[] = [];
      if (renamed) changes.push(`renamed from ${now.name} to ${image.name}`);
      if (image.description !== undefined && (now.description ?? "") !== image.description) changes.push(`re-described`);
      if (changes.length === 0) continue;
      const field = renamed ? "name" : "description";
      yield {
        message: `image ${key} would be ${changes.join(" and ")} while shared with ${plural(image.memberTotal, "member")}; Tencent Cloud does not change the name or description of a shared image`,
        resource: image.resource,
        path: image.declared ? [...image.path, field] : image.path,
        profile: image.profile,
        fix: `keep the image's current ${field === "name" ? `name ${now.name}` : "description"}; or cancel its shares, change it, and share it again`,
      };
    }
  },
};
