import type { ContextRule } from "../context";
import { PROFILES } from "../profiles";
import { listNames, plural } from "../text";

export const rule: ContextRule = {
  id: "pending-acceptance",
  title: "Members that have not accepted",
  description:
    "huaweicloud / opentelekomcloud: members a share grants that nothing in the topology or the cloud has accepted yet (or that rejected it in the cloud): they cannot use the image until they accept. One warning per share.",
  source: ["000", "001"],
  profiles: ["huaweicloud", "opentelekomcloud"],
  severity: "warning",
  docs: {
    why:
      "On Huawei Cloud and Open Telekom Cloud a shared image shows up as pending in the recipient's 'Images Shared with Me' until the recipient accepts it; a rejected image can be accepted again. Declare an acceptance (status: accepted) for each member the stack manages, or expect the recipients to accept in the console. A member with a declared acceptance (either status) or one the cloud reports as accepted is not reported; nor is a self-share.",
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }   # nobody accepts
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
`,
  },
  *check(ctx) {
    for (const share of ctx.shares) {
      const image = share.image;
      if (!image || !PROFILES[image.profile].acceptance) continue;
      const { recipients, waiting, first, described } = share.acceptanceTally(image.owner?.self, image.holdingProject, 5, describe);
      if (!first) continue;
      const names = waiting > described.length ? `${described.join(", ")} and ${waiting - described.length} more` : listNames(described);
      const one = waiting === 1;
      yield {
        message: `share ${share.name}: ${waiting} of ${plural(recipients, "member")} ${one ? "has" : "have"} not accepted image ${image.key}: ${names}; ${one ? "it" : "they"} cannot use it until ${one ? "it accepts" : "they accept"}`,
        resource: share.name,
        path: first.path,
        profile: image.profile,
        fix: `declare an acceptance (status: accepted) of image ${image.key} for each, or have them accept it in the console (Images Shared with Me)`,
      };
    }
  },
};

/** A waiting member in the message: `team-a`, or `team-b (rejected in the cloud)`. */
function describe(label: string, status: "pending" | "rejected"): string {
  return status === "rejected" ? `${label} (rejected in the cloud)` : label;
}
