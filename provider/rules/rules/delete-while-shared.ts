import { PROFILE_IDS, type ObservedMember } from "../model";
import type { ContextRule } from "../context";
import { PROFILES } from "../profiles";
import { listNames, plural, refLabel } from "../text";

export const rule: ContextRule = {
  id: "delete-while-shared",
  title: "Deleting an image that still has members",
  description:
    "(plan and preview time: it needs the current state) An image that the plan deletes (`observed.deletes`, e.g. the product of a copy whose resource is being destroyed) while it still has members.",
  source: ["000", "001", "002", "003", "004"],
  profiles: PROFILE_IDS,
  severity: { alicloud: "error", tencentcloud: "error", huaweicloud: "warning", opentelekomcloud: "warning" },
  docs: {
    why:
      "Alibaba Cloud and Tencent Cloud refuse to delete a shared image until every share is cancelled; Huawei Cloud and Open Telekom Cloud delete it, and the recipients can no longer reinstall or re-initialise instances created from it. Counted as members: those the topology still declares for the image, those present that it does not declare (existingMembers, or what the cloud reports), and every member the cloud reports for an image the topology no longer has; rejected members are left out. A caller that cancels shares in the same apply (before the delete) leaves their members out of `observed`.",
    failing: `profile: alicloud
accounts:
  platform: { id: "1234567890123456" }
  team-a: { id: "2234567890123456" }
images:
  golden: { id: "m-bp1g7004ksh0oeuc9ab1", region: cn-hangzhou, owner: platform, kind: system, name: golden-alinux }
# observed (what the cloud holds): the retired image old-golden is still shared with team-a, and the plan deletes it
`,
    passing: `profile: alicloud
accounts:
  platform: { id: "1234567890123456" }
  team-a: { id: "2234567890123456" }
images:
  golden: { id: "m-bp1g7004ksh0oeuc9ab1", region: cn-hangzhou, owner: platform, kind: system, name: golden-alinux }
# observed (what the cloud holds): the retired image old-golden has no member left, and the plan deletes it
`,
    observed: {
      failing: { images: { "old-golden": { members: [{ member: "team-a", status: "accepted" }] } }, deletes: ["old-golden"] },
      passing: { images: { "old-golden": { members: [] } }, deletes: ["old-golden"] },
    },
  },
  *check(ctx) {
    const seen = new Set<string>();
    for (const key of ctx.observed?.deletes ?? []) {
      if (typeof key !== "string" || seen.has(key)) continue;
      seen.add(key);
      const image = ctx.image(key);
      const names: string[] = [];
      let count: number;
      if (image) {
        count = image.memberTotal;
        const shares = image.shares.map((s) => s.name);
        if (image.declaredMembers > 0) names.push(`${plural(image.declaredMembers, "member")} of ${shares.length === 1 ? "share" : "shares"} ${listNames(shares)}`);
        if (image.outsideMembers > 0) names.push(`${image.outsideMembers} present outside the topology`);
      } else {
        const o = ctx.observed?.images?.[key];
        const members = [...((o?.members ?? []) as ObservedMember[]), ...((o?.otherMembers ?? []) as ObservedMember[])].filter((m) => m && m.status !== "rejected");
        count = members.length;
        if (count > 0) names.push(listNames(members.map((m) => refLabel(m.member))));
      }
      if (count === 0) continue;
      const profile = image?.profile ?? ctx.profile;
      const refuses = PROFILES[profile].deleteShared === "refused";
      const consequence = refuses
        ? `${PROFILES[profile].title} refuses to delete a shared image until every share is cancelled`
        : `${PROFILES[profile].title} deletes it, and its members can no longer reinstall or re-initialise instances created from it`;
      yield {
        message: `image ${key} is deleted while it has ${plural(count, "member")} (${names.join(" + ")}); ${consequence}`,
        resource: image?.resource ?? `images.${key}`,
        ...(image ? { path: image.path } : {}),
        profile,
        fix: `cancel the image's shares first (remove its members, including those added outside the stack), then delete it`,
      };
    }
  },
};
