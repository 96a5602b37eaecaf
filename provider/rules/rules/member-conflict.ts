import { PROFILE_IDS } from "../model";
import type { ContextRule } from "../context";
import { refLabel } from "../text";

export const rule: ContextRule = {
  id: "member-conflict",
  title: "One member granted by two resources",
  description:
    "The same (image, member) pair granted by two shares of the topology (or its status set by two acceptances): destroying either would revoke the other's grant.",
  source: ["(IaC rule)"],
  profiles: PROFILE_IDS,
  severity: "error",
  docs: {
    why:
      "A cloud holds one membership per (image, member). Two resources that both manage it fight: removing one of them from the stack cancels the member although the other still declares it, and the next apply adds it back. Listing a member twice in one share is harmless and not reported.",
    failing: `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
  team-a: { id: "100000000002" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
shares:
  - { name: golden-to-teams, image: golden, members: [team-a] }
  - { name: golden-to-team-a, image: golden, members: [team-a] }   # team-a again
`,
    passing: `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
  team-a: { id: "100000000002" }
  team-b: { id: "100000000003" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
  - { name: golden-to-team-b, image: golden, members: [team-b] }
`,
  },
  *check(ctx) {
    for (const edge of ctx.duplicates) {
      const first = edge.duplicateOf!;
      if (first.share === edge.share) continue; // listed twice in one share: harmless
      const image = edge.share.image!;
      const label = edge.label;
      const a = first.share.name;
      const b = edge.share.name;
      yield {
        message: `image ${image.key} is granted to ${label} by shares ${a} and ${b}; destroying either would revoke the other's grant`,
        resource: b,
        path: edge.path,
        profile: image.profile,
        fix: `declare ${label} for image ${image.key} in one share only: remove it from ${b} (or from ${a})`,
      };
    }
    for (const acceptance of ctx.duplicateAcceptances) {
      const first = acceptance.duplicateOf!;
      const image = acceptance.image!;
      const label = refLabel(acceptance.ref);
      yield {
        message: `acceptances ${first.name} and ${acceptance.name} both set ${label}'s status for image ${image.key}`,
        resource: acceptance.name,
        path: acceptance.path,
        profile: image.profile,
        fix: `keep one acceptance of image ${image.key} by ${label}: remove ${acceptance.name} (or ${first.name})`,
      };
    }
  },
};
