import { PROFILE_IDS } from "../model";
import type { ContextRule } from "../context";
import { refLabel } from "../text";

export const rule: ContextRule = {
  id: "member-conflict",
  title: "One member granted by two resources",
  description:
    "The same (image, member) pair granted by two shares of the topology (or its status set by two acceptances): destroying either would revoke the other's grant. Also a member listed twice in one share or in an image's existingMembers, and a member in existingMembers (present, declared by no share) that a share declares.",
  source: ["(IaC rule)"],
  profiles: PROFILE_IDS,
  severity: "error",
  docs: {
    why:
      "A cloud holds one membership per (image, member). Two resources that both manage it fight: removing one of them from the stack cancels the member although the other still declares it, and the next apply adds it back. A member listed twice in one share, or twice in `existingMembers`, is one membership written twice (often a typo for another member); a member in `existingMembers` says no share declares it, so a share that does contradicts it. Each finding names both places. Files validated together are one view: the same member granted in two files is a conflict too.",
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
      const image = edge.share.image!;
      const label = edge.label;
      const a = first.share.name;
      const b = edge.share.name;
      const related = [{ resource: a, path: first.path }];
      if (first.share === edge.share) {
        yield {
          message: `share ${b} lists ${label} twice for image ${image.key} (members[${first.position}] and members[${edge.position}])`,
          resource: b,
          path: edge.path,
          related,
          profile: image.profile,
          fix: `list ${label} once: remove members[${edge.position}] of share ${b}`,
        };
        continue;
      }
      yield {
        message: `image ${image.key} is granted to ${label} by shares ${a} and ${b}; destroying either would revoke the other's grant`,
        resource: b,
        path: edge.path,
        related,
        profile: image.profile,
        fix: `declare ${label} for image ${image.key} in one share only: remove it from ${b} (or from ${a})`,
      };
    }
    for (const c of ctx.existingMemberConflicts) {
      const image = c.image;
      const where = `images.${image.key}.existingMembers`;
      if (c.edge) {
        const share = c.edge.share.name;
        yield {
          message: `image ${image.key}: ${c.label} is in ${where} (a member present that no share declares) and share ${share} declares it too`,
          resource: share,
          path: c.edge.path,
          related: [{ resource: image.resource, path: c.path }],
          profile: image.profile,
          fix: `remove ${c.label} from ${where} (share ${share} manages it), or from share ${share}`,
        };
        continue;
      }
      yield {
        message: `image ${image.key}: ${where} lists ${c.label} twice`,
        resource: image.resource,
        path: c.path,
        related: [{ resource: image.resource, path: c.earlierPath! }],
        profile: image.profile,
        fix: `list ${c.label} once in ${where}`,
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
        related: [{ resource: first.name, path: first.path }],
        profile: image.profile,
        fix: `keep one acceptance of image ${image.key} by ${label}: remove ${acceptance.name} (or ${first.name})`,
      };
    }
  },
};
