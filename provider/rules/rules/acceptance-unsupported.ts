import type { ContextRule } from "../context";
import { PROFILES } from "../profiles";
import { cloud, refLabel } from "../text";

export const rule: ContextRule = {
  id: "acceptance-unsupported",
  title: "No acceptance step on this cloud",
  description: "An acceptance declared for an image of a cloud with no acceptance step (alicloud, tencentcloud).",
  source: ["002", "003", "004"],
  profiles: ["alicloud", "tencentcloud"],
  severity: "error",
  docs: {
    why:
      "On Alibaba Cloud and Tencent Cloud a shared image is usable by the member at once; there is nothing to accept or reject, and no API to do it. An acceptance there would be a resource that can never be applied.",
    failing: `profile: alicloud
accounts:
  platform: { id: "1234567890123456" }
  team-a: { id: "2234567890123456" }
images:
  golden: { id: "m-bp1g7004ksh0oeuc9ab1", region: cn-hangzhou, owner: platform, kind: system, name: golden-alinux }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
`,
    passing: `profile: alicloud
accounts:
  platform: { id: "1234567890123456" }
  team-a: { id: "2234567890123456" }
images:
  golden: { id: "m-bp1g7004ksh0oeuc9ab1", region: cn-hangzhou, owner: platform, kind: system, name: golden-alinux }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
`,
  },
  *check(ctx) {
    for (const acceptance of ctx.acceptancesOf((image) => !PROFILES[image.profile].acceptance)) {
      const image = acceptance.image!;
      const member = refLabel(acceptance.ref);
      yield {
        message: `acceptance ${acceptance.name}: ${cloud(image)} has no acceptance step; image ${image.key} is usable by ${member} as soon as it is shared`,
        resource: acceptance.name,
        path: acceptance.path,
        profile: image.profile,
        fix: `remove acceptance ${acceptance.name}${acceptance.status === "rejected" ? `; to keep ${member} from using the image, remove it from the share's members` : ""}`,
      };
    }
  },
};
