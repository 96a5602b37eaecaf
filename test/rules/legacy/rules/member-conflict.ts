import { PROFILE_IDS } from "../model";
import { type ContextRule, shareOfEdge } from "../context";
import { edgeMemberLabel, edgePath, refLabel } from "../text";

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
    const shares = ctx.shares;
    // Duplicates are few: walk them (in file order), not every edge.
    const dups = [...ctx.duplicates.keys()].sort((x, y) => x - y);
    for (const e of dups) {
      const first = ctx.duplicates.get(e)!;
      const sa = shareOfEdge(ctx, first);
      const sb = shareOfEdge(ctx, e);
      if (sa === sb) continue; // listed twice in one share: harmless
      const img = ctx.images[ctx.shareImage[sb]];
      const label = edgeMemberLabel(ctx, e);
      const a = shares[sa].name;
      const b = shares[sb].name;
      yield {
        message: `image ${img.key} is granted to ${label} by shares ${a} and ${b}; destroying either would revoke the other's grant`,
        resource: b,
        path: edgePath(ctx, e),
        profile: img.profile,
        fix: `declare ${label} for image ${img.key} in one share only: remove it from ${b} (or from ${a})`,
      };
    }
    const acceptances = ctx.acceptances;
    const accDups = [...ctx.accDuplicates.keys()].sort((x, y) => x - y);
    for (const x of accDups) {
      const first = ctx.accDuplicates.get(x)!;
      const img = ctx.images[ctx.accImage[x]];
      const label = refLabel(acceptances[x].member);
      yield {
        message: `acceptances ${acceptances[first].name} and ${acceptances[x].name} both set ${label}'s status for image ${img.key}`,
        resource: acceptances[x].name,
        path: ["acceptances", x],
        profile: img.profile,
        fix: `keep one acceptance of image ${img.key} by ${label}: remove ${acceptances[x].name} (or ${acceptances[first].name})`,
      };
    }
  },
};
