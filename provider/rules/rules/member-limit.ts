import { PROFILE_IDS } from "../model";
import { PROFILES, memberLimit } from "../profiles";
import type { ContextRule, ImageView, RuleContext } from "../context";
import type { Finding } from "../rule";
import { imageLabel, listNames, plural } from "../text";

export const rule: ContextRule = {
  id: "member-limit",
  title: "Too many members for one image",
  description:
    "An image would have more members (declared in the topology + already present in the cloud and not declared here) than its profile allows for its kind. Members count while pending or accepted; a rejected member does not count.",
  source: ["000", "001", "003", "004"],
  profiles: PROFILE_IDS,
  severity: "error",
  docs: {
    why:
      "Each cloud caps the members of one image (huaweicloud 128, full-ECS 10; opentelekomcloud 256, full-ECS 10; alicloud 50; tencentcloud 50 by seed 004, 500 by the 2024-11-27 API reference). Past the cap the cloud refuses the member call, half way through an apply. The count is the distinct members the topology declares for the image across all its shares, plus `existingMembers` (members present that no share declares), or what the cloud reports for those when it was read (the larger of the two: they are the same members). A member the topology (or the cloud) records as rejected does not count. `limits.member` / `limits.fullMember` (positive whole numbers) set the cap instead of the profile's: higher once the cloud has raised the quota, or lower to keep room. Where a profile's seeds give no limit for a kind (\"unknown\" in the profile table; every profile has one today) the check is skipped, never guessed.",
    failing: `profile: huaweicloud
accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } }
  team-a:
    id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9"
images:
  golden:
    id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a"
    region: cn-north-4
    owner: platform
    kind: system
    name: golden-ubuntu
    existingMembers: 128   # already at huaweicloud's 128
shares:
  - name: golden-to-team-a
    image: golden
    members: [team-a]
`,
    passing: `profile: huaweicloud
accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } }
  team-a:
    id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9"
images:
  golden:
    id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a"
    region: cn-north-4
    owner: platform
    kind: system
    name: golden-ubuntu
    existingMembers: 127   # 127 + 1 = 128: exactly at the limit passes
shares:
  - name: golden-to-team-a
    image: golden
    members: [team-a]
`,
  },
  *check(ctx) {
    for (const image of ctx.images) {
      const limit = image.limit;
      if (limit === "unknown" || image.memberTotal <= limit) continue;
      yield limitFinding(ctx, image, limit);
    }
  },
};

function limitFinding(ctx: RuleContext, image: ImageView, limit: number): Finding {
  const declared = image.declaredMembers;
  const existing = image.outsideMembers;
  const shares = image.shares.map((s) => s.name);
  const parts: string[] = [];
  if (declared > 0) parts.push(`${declared} declared by ${shares.length === 1 ? "share" : "shares"} ${listNames(shares)}`);
  if (existing > 0) parts.push(`${existing} existing`);
  const key = image.kind === "full" ? "fullMember" : "member";
  const override = ctx.limits?.[key];
  const profileLimit = memberLimit(image.profile, image.kind);
  const origin =
    override === undefined
      ? `${image.profile}'s limit for a ${image.kind === "full" ? "full-ECS" : `${image.kind}-disk`} image`
      : `set by limits.${key}${typeof profileLimit === "number" && override !== profileLimit ? `, ${override > profileLimit ? "raised" : "lowered"} from ${image.profile}'s ${profileLimit}` : ""}`;
  const over = image.memberTotal - limit;

  // Blame the declared member that crosses the limit (members already present come first).
  let resource = image.resource;
  let path: (string | number)[] = [...image.path, "existingMembers"];
  if (declared > 0) {
    const target = Math.max(0, limit - existing);
    let n = 0;
    for (const edge of image.edges) {
      if (!edge.member || edge.duplicateOf || edge.status === "rejected") continue;
      if (n++ === target) {
        resource = edge.share.name;
        path = edge.path;
        break;
      }
    }
  }
  const raised = PROFILES[image.profile].newerMemberLimit;
  const newer = raised ? ` (${raised.by} allows ${raised.limit} accounts: if your account has that, set it)` : "";
  return {
    message: `${imageLabel(image)} would have ${plural(image.memberTotal, "member")}: ${parts.join(" + ")}; the limit is ${limit} (${origin})`,
    resource,
    path,
    profile: image.profile,
    fix:
      override !== undefined && typeof profileLimit === "number" && override < profileLimit
        ? `share image ${image.key} with ${plural(over, "member")} fewer, or raise limits.${key} (${image.profile} allows ${profileLimit})`
        : `share image ${image.key} with ${plural(over, "member")} fewer, or once ${PROFILES[image.profile].title} has raised the quota, set limits.${key} to it${newer}`,
  };
}
