import { PROFILE_IDS } from "../model";
import { type ContextRule, type RuleContext, STATUS_ACCEPTED } from "../context";
import { refLabel } from "../text";

export const rule: ContextRule = {
  id: "untrusted-source",
  title: "Using an image from an untrusted account",
  description:
    "Accepting (status accepted) or copying an image whose owner is not trusted. Trusted: an account on the topology's `trust` list, or an account the topology acts as (the `by` of a share or a copy, i.e. the stack manages it). Warning; an error when `strictTrust` is true and a trust list is set.",
  source: ["000", "001", "002", "003", "004"],
  profiles: PROFILE_IDS,
  severity: "warning",
  docs: {
    why:
      "Every seed warns that the cloud does not guarantee the integrity or security of images shared by other accounts: use only images shared by trusted accounts. Without a trust list, the accounts the topology itself shares or copies as count as trusted (the stack manages them: a platform team's own golden images are not a risk to its teams), so only images of accounts outside the stack (a vendor sharing into it) are flagged; with a trust list, those accounts plus the list are trusted. `strictTrust: true` with a trust list turns the warning into an error.",
    failing: `profile: huaweicloud
trust: [platform]
strictTrust: true
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }
  vendor: { id: "7a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { vendor-bj: { id: "8a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
images:
  appliance: { id: "9d4e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: vendor, kind: system, name: vendor-appliance, existingMembers: 1 }
acceptances:
  - { name: platform-accepts-appliance, image: appliance, member: platform, status: accepted }   # vendor is not trusted
# observed (what the cloud holds): vendor shared appliance with platform
`,
    passing: `profile: huaweicloud
trust: [platform, vendor]
strictTrust: true
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" }
  vendor: { id: "7a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { vendor-bj: { id: "8a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
images:
  appliance: { id: "9d4e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: vendor, kind: system, name: vendor-appliance, existingMembers: 1 }
acceptances:
  - { name: platform-accepts-appliance, image: appliance, member: platform, status: accepted }
# observed (what the cloud holds): vendor shared appliance with platform
`,
    observed: {
      failing: { images: { appliance: { members: [{ member: "platform", status: "pending" }] } } },
      passing: { images: { appliance: { members: [{ member: "platform", status: "pending" }] } } },
    },
  },
  *check(ctx) {
    const strict = ctx.hasTrustList && ctx.topology.strictTrust === true;
    const acceptances = ctx.acceptances;
    for (let a = 0; a < acceptances.length; a++) {
      const i = ctx.accImage[a];
      if (i < 0 || ctx.accStatus[a] !== STATUS_ACCEPTED) continue;
      const img = ctx.images[i];
      if (img.owner < 0 || trusted(ctx, img.owner)) continue;
      const m = ctx.accMember[a];
      const ref = acceptances[a].member;
      const accepterKey = m >= 0 ? ctx.accounts[ctx.memberAccount[m]].key : typeof ref === "string" ? ref : ref?.account;
      if (accepterKey === img.ownerKey) continue;
      yield {
        message: `acceptance ${acceptances[a].name}: ${refLabel(acceptances[a].member)} accepts image ${img.key}, owned by ${img.ownerKey}, ${why(ctx)}`,
        resource: acceptances[a].name,
        path: ["acceptances", a],
        profile: img.profile,
        fix: fix(ctx, img.ownerKey, img.key),
        ...(strict ? { severity: "error" as const } : {}),
      };
    }
    const copies = ctx.copies;
    for (let c = 0; c < copies.length; c++) {
      const i = ctx.copySource[c];
      if (i < 0) continue;
      const img = ctx.images[i];
      if (img.owner < 0 || ctx.copyBy[c] === img.owner || ctx.copyByKey[c] === img.ownerKey || trusted(ctx, img.owner)) continue;
      yield {
        message: `copy ${copies[c].name}: ${ctx.copyByKey[c]} copies image ${img.key}, owned by ${img.ownerKey}, ${why(ctx)}`,
        resource: copies[c].name,
        path: ["copies", c, "source"],
        profile: img.profile,
        fix: fix(ctx, img.ownerKey, img.key),
        ...(strict ? { severity: "error" as const } : {}),
      };
    }
  },
};

function trusted(ctx: RuleContext, account: number): boolean {
  return ctx.trustListed[account] === 1 || ctx.actsAs[account] === 1;
}

function why(ctx: RuleContext): string {
  return ctx.hasTrustList
    ? "which is not on the trust list; the cloud does not guarantee the integrity or security of images shared by other accounts"
    : "an account this topology does not manage (no trust list is set); the cloud does not guarantee the integrity or security of images shared by other accounts";
}

function fix(ctx: RuleContext, owner: string, image: string): string {
  return `check image ${image} before use; if ${owner} is trusted, add it to ${ctx.hasTrustList ? "the trust list" : "a trust list (trust: [" + owner + "])"}`;
}
