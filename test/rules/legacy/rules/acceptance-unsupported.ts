import type { ContextRule } from "../context";
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
    const acceptances = ctx.acceptances;
    for (let a = 0; a < acceptances.length; a++) {
      const i = ctx.accImage[a];
      if (i < 0) continue;
      const img = ctx.images[i];
      if (img.profile !== "alicloud" && img.profile !== "tencentcloud") continue;
      yield {
        message: `acceptance ${acceptances[a].name}: ${cloud(img)} has no acceptance step; image ${img.key} is usable by ${refLabel(acceptances[a].member)} as soon as it is shared`,
        resource: acceptances[a].name,
        path: ["acceptances", a],
        profile: img.profile,
        fix: `remove acceptance ${acceptances[a].name}${acceptances[a].status === "rejected" ? `; to keep ${refLabel(acceptances[a].member)} from using the image, remove it from the share's members` : ""}`,
      };
    }
  },
};
