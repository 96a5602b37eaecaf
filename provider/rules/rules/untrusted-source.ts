import { PROFILE_IDS } from "../model";
import type { ContextRule, RuleContext } from "../context";
import { refLabel } from "../text";

export const rule: ContextRule = {
  id: "untrusted-source",
  title: "Using an image from an untrusted account",
  description:
    "Accepting (status accepted) or copying an image whose owner is not trusted. With a `trust` list, exactly the accounts on it are trusted; without one, the accounts the topology acts as (the `by` of a share or a copy, i.e. the stack manages them). An account's own images need no trust. Warning; an error when `strictTrust` is true and a trust list is set.",
  source: ["000", "001", "002", "003", "004"],
  profiles: PROFILE_IDS,
  severity: "warning",
  docs: {
    why:
      "Every seed warns that the cloud does not guarantee the integrity or security of images shared by other accounts: use only images shared by trusted accounts. Without a trust list, the accounts the topology itself shares or copies as count as trusted (the stack manages them: a platform team's own golden images are not a risk to its teams), so only images of accounts outside the stack (a vendor sharing into it) are flagged. With a trust list, exactly the accounts on the list are trusted, whatever else the topology does as other accounts (a file that also shares as the vendor does not make the vendor trusted); an account accepting or copying its own image needs no trust. `strictTrust: true` with a trust list turns the warning into an error.",
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
    const strict = ctx.trust.strict ? { severity: "error" as const } : {};
    for (const acceptance of ctx.acceptancesOf((image) => image.owner !== undefined && !image.owner.trusted)) {
      const image = acceptance.image!;
      if (acceptance.status !== "accepted") continue;
      const ref = acceptance.ref;
      const accepter = acceptance.member?.account.key ?? (typeof ref === "string" ? ref : ref?.account);
      if (accepter === image.ownerKey) continue;
      yield {
        message: `acceptance ${acceptance.name}: ${refLabel(ref)} accepts image ${image.key}, owned by ${image.ownerKey}, ${why(ctx)}`,
        resource: acceptance.name,
        path: acceptance.path,
        profile: image.profile,
        fix: fix(ctx, image.ownerKey, image.key),
        ...strict,
      };
    }
    for (const copy of ctx.copies) {
      const image = copy.source;
      const owner = image?.owner;
      if (!image || !owner || copy.by === owner || copy.byKey === image.ownerKey || owner.trusted) continue;
      yield {
        message: `copy ${copy.name}: ${copy.byKey} copies image ${image.key}, owned by ${image.ownerKey}, ${why(ctx)}`,
        resource: copy.name,
        path: [...copy.path, "source"],
        profile: image.profile,
        fix: fix(ctx, image.ownerKey, image.key),
        ...strict,
      };
    }
  },
};

function why(ctx: RuleContext): string {
  return ctx.trust.list
    ? "which is not on the trust list; the cloud does not guarantee the integrity or security of images shared by other accounts"
    : "an account this topology does not manage (no trust list is set); the cloud does not guarantee the integrity or security of images shared by other accounts";
}

function fix(ctx: RuleContext, owner: string, image: string): string {
  return `check image ${image} before use; if ${owner} is trusted, add it to ${ctx.trust.list ? "the trust list" : "a trust list (trust: [" + owner + "])"}`;
}
