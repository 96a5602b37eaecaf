import type { ContextRule } from "../context";
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
      const i = ctx.imageIndex.get(key);
      const o = observedImages[key];
      if (i === undefined || !o) continue;
      const img = ctx.images[i];
      if (img.profile !== "tencentcloud" || ctx.memberTotal[i] === 0) continue;
      const changes: string[] = [];
      if (o.name !== undefined && img.name !== undefined && o.name !== img.name) changes.push(`renamed from ${o.name} to ${img.name}`);
      if (img.description !== undefined && (o.description ?? "") !== img.description) changes.push(`re-described`);
      if (changes.length === 0) continue;
      const field = o.name !== undefined && img.name !== undefined && o.name !== img.name ? "name" : "description";
      yield {
        message: `image ${key} would be ${changes.join(" and ")} while shared with ${plural(ctx.memberTotal[i], "member")}; Tencent Cloud does not change the name or description of a shared image`,
        resource: img.resource,
        path: img.declared ? [...img.path, field] : img.path,
        profile: img.profile,
        fix: `keep the image's current ${field === "name" ? `name ${o.name}` : "description"}; or cancel its shares, change it, and share it again`,
      };
    }
  },
};
