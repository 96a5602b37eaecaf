import { PROFILE_IDS } from "../model";
import type { ContextRule } from "../context";
import { usesProjects } from "../profiles";

export const rule: ContextRule = {
  id: "self-share",
  title: "Sharing an image with its owner",
  description:
    "A member that is the image's owner: the owner's account (alicloud, tencentcloud; huaweicloud when the member is the bare account) or the very project that holds the image (huaweicloud, opentelekomcloud).",
  source: ["001"],
  profiles: PROFILE_IDS,
  severity: "error",
  docs: {
    why:
      "The clouds refuse a share with the image's owner (huaweicloud IMG.0076, alicloud InvalidAccount.Forbbiden, tencentcloud FailedOperation.AccountIsYourSelf). Sharing with *another* project of the owner's account in the same region is allowed on huaweicloud and opentelekomcloud: it is how an image moves between projects (seed 001); on opentelekomcloud a bare owner account means the owner's project in the image's region, which is a self-share when that project holds the image.",
    failing: `profile: huaweicloud
accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 }
      platform-bj-dev: { id: "5a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, project: platform-bj, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-itself, image: golden, members: [{ account: platform, project: platform-bj }] }   # the project holding it
`,
    passing: `profile: huaweicloud
accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 }
      platform-bj-dev: { id: "5a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, project: platform-bj, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-dev, image: golden, members: [{ account: platform, project: platform-bj-dev }] }   # another project: allowed
acceptances:
  - { name: dev-accepts, image: golden, member: { account: platform, project: platform-bj-dev }, status: accepted }
`,
  },
  *check(ctx) {
    for (const share of ctx.shares) {
      const image = share.image;
      const owner = image?.owner;
      if (!image || !owner) continue;
      for (const edge of share.edgesNaming(owner.self, image.holdingProject)) {
        const member = edge.member;
        const label = edge.label;
        const what = member === image.holdingProject ? `the project ${image.projectKey} that holds it` : `its owner ${image.ownerKey}`;
        // Another project of the owner in the image's region: where the member may have meant to move the image.
        const other =
          usesProjects(image.profile) ? owner.projects.find((p) => p.project !== image.projectKey && p.region === image.region)?.project : undefined;
        yield {
          message: `share ${share.name}: image ${image.key} is shared with ${label}, ${what}`,
          resource: share.name,
          path: edge.path,
          profile: image.profile,
          fix:
            other !== undefined
              ? `remove ${label} from the members; to move the image to another project of ${image.ownerKey}, name that project (e.g. { account: ${image.ownerKey}, project: ${other} })`
              : `remove ${label} from the members: the owner has the image already`,
        };
      }
    }
  },
};
