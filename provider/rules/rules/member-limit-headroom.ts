import { PROFILE_IDS } from "../model";
import type { ContextRule } from "../context";
import { PROFILES } from "../profiles";
import { imageLabel, plural } from "../text";

export const rule: ContextRule = {
  id: "member-limit-headroom",
  title: "Image close to its member limit",
  description: "An image would use 90 % or more of its member limit (and not more than the limit: member-limit reports that).",
  source: ["(derived from member-limit)"],
  profiles: PROFILE_IDS,
  severity: "warning",
  docs: {
    why:
      "A share that sits at 90 % of its cap leaves little room: the next team added, or a member added outside the stack, fails the apply. Counting is that of member-limit (declared + existing, rejected members left out); an unknown limit skips the check.",
    failing: `profile: alicloud
accounts:
  platform: { id: "1234567890123456" }
  team-a: { id: "2234567890123456" }
images:
  golden:
    id: "m-bp1g7004ksh0oeuc9ab1"
    region: cn-hangzhou
    owner: platform
    kind: system
    name: golden-alinux
    existingMembers: 44   # 44 + 1 = 45 of alicloud's 50: 90 %
shares:
  - name: golden-to-team-a
    image: golden
    members: [team-a]
`,
    passing: `profile: alicloud
accounts:
  platform: { id: "1234567890123456" }
  team-a: { id: "2234567890123456" }
images:
  golden:
    id: "m-bp1g7004ksh0oeuc9ab1"
    region: cn-hangzhou
    owner: platform
    kind: system
    name: golden-alinux
    existingMembers: 43   # 44 of 50: 88 %
shares:
  - name: golden-to-team-a
    image: golden
    members: [team-a]
`,
  },
  *check(ctx) {
    for (const image of ctx.images) {
      const limit = image.limit;
      const total = image.memberTotal;
      if (limit === "unknown" || total === 0 || total > limit || total * 10 < limit * 9) continue;
      // Blame the image's last declaring share: it is the one that brings the image this close.
      const share = image.shares.at(-1);
      yield {
        message: `${imageLabel(image)} would have ${plural(total, "member")} of its limit of ${limit} (${Math.floor((total * 100) / limit)} %): ${plural(limit - total, "place")} left`,
        resource: share ? share.name : image.resource,
        path: share ? share.path : image.path,
        profile: image.profile,
        fix: `ask ${PROFILES[image.profile].newerMemberLimit ? PROFILES[image.profile].cloud : "the cloud"} to raise the member quota and set limits.${image.kind === "full" ? "fullMember" : "member"}, or split the members across a copy of the image`,
      };
    }
  },
};
