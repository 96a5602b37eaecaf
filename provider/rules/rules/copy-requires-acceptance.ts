import type { ContextRule } from "../context";
import { PROFILES } from "../profiles";

export const rule: ContextRule = {
  id: "copy-requires-acceptance",
  title: "Replicating a shared image before accepting it",
  description: "A recipient replicating (copying) a shared image that it has not accepted, in the topology or in the cloud.",
  source: ["001"],
  profiles: ["huaweicloud", "opentelekomcloud"],
  severity: "error",
  docs: {
    why:
      "Seed 001: the account accepts the shared image, then replicates it as a private image. Huawei Cloud refuses to replicate an image that is not accepted (IMG.0196). A copy by the image's owner needs no acceptance.",
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
copies:
  - { name: team-a-replicates, source: golden, region: cn-north-4, by: team-a, as: golden-team-a }   # not accepted
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
copies:
  - { name: team-a-replicates, source: golden, region: cn-north-4, by: team-a, as: golden-team-a }
`,
  },
  *check(ctx) {
    for (const copy of ctx.copies) {
      const image = copy.source;
      if (!image || !copy.by || copy.accepted) continue;
      if (!PROFILES[image.profile].acceptance) continue;
      const by = copy.byKey;
      if (by === image.ownerKey) continue;
      yield {
        message: `copy ${copy.name}: ${by} copies image ${image.key}, which ${image.ownerKey} owns, ${copy.granted ? `without having accepted it` : `but it is not shared with ${by} and ${by} has not accepted it`}; a recipient must accept a shared image before replicating it`,
        resource: copy.name,
        path: copy.declaration.by !== undefined ? [...copy.path, "by"] : copy.path,
        profile: image.profile,
        fix: `${copy.granted ? "" : `share image ${image.key} with ${by} (a share by ${image.ownerKey}), and `}declare an acceptance { image: ${image.key}, member: ${by}, status: accepted }`,
      };
    }
  },
};
