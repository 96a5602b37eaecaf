import type { ContextRule } from "../context";
import { PROFILES } from "../profiles";
import { refLabel } from "../text";

export const rule: ContextRule = {
  id: "acceptance-without-share",
  title: "Acceptance of an image nobody shares",
  description: "An acceptance for an (image, member) pair that no share grants, neither in the topology nor in the cloud.",
  source: ["000", "001"],
  profiles: ["huaweicloud", "opentelekomcloud"],
  severity: "error",
  docs: {
    why:
      "A recipient can accept or reject only an image shared with it: the member must exist before its status can change. On huaweicloud a share with an account and a share with one of its projects are different members: the acceptance must name the member as the share does.",
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9" }
  team-b: { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
acceptances:
  - { name: team-b-accepts, image: golden, member: team-b, status: accepted }   # not shared with team-b
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9" }
  team-b: { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-teams, image: golden, members: [team-a, team-b] }
acceptances:
  - { name: team-b-accepts, image: golden, member: team-b, status: accepted }
`,
  },
  *check(ctx) {
    for (const acceptance of ctx.ungrantedAcceptances) {
      const image = acceptance.image!;
      const member = acceptance.member!;
      if (!PROFILES[image.profile].acceptance) continue;
      const label = refLabel(acceptance.ref);
      // A near miss worth naming: the image is shared with the same account as another member (account vs project).
      let near: string | undefined;
      for (const edge of image.edges) {
        if (edge.member?.account !== member.account) continue;
        near = refLabel(edge.ref);
        break;
      }
      yield {
        message: `acceptance ${acceptance.name}: no share grants image ${image.key} to ${label}, in the topology or in the cloud${near !== undefined ? ` (it is shared with ${near}, a different member)` : ""}`,
        resource: acceptance.name,
        path: acceptance.path,
        profile: image.profile,
        fix:
          near !== undefined
            ? `name the member as the share does (member: ${near}), or share image ${image.key} with ${label}`
            : `share image ${image.key} with ${label} (a share by its owner ${image.ownerKey}), or remove the acceptance`,
      };
    }
  },
};
