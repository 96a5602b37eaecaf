/**
 * The example stack (root Pulumi.yaml): `pulumi preview` / `pulumi up` run it against the
 * embedded emulator, no cloud account needed. It declares a Huawei Cloud share topology from
 * examples/huaweicloud.yaml (a golden image fanned out to tenants, a cross-region copy shared
 * on, acceptances), and beside it a standalone share that the stack ledger sums with the file's
 * shares of the same image (member-limit counts both).
 *
 * Config (all optional):
 *   image-share:backend       emulator (default) | cloud
 *   image-share:emulatorPath  the emulator's state file (default .image-share/emulator.db)
 *   image-share:endpoint      cloud: an endpoint override
 *   image-share-example:topologyFile   default examples/huaweicloud.yaml
 * With backend "cloud", each account of the file acts with the access key pair in the
 * environment variables IMAGE_SHARE_<ACCOUNT KEY>_AK / _SK (e.g. IMAGE_SHARE_TEAM_A_SK).
 */
import * as pulumi from "@pulumi/pulumi";

// A stack of your own writes: import * as imageShare from "image-share";
// Here the package imports itself by name (Node resolves "image-share" to this repository's
// build, bin/, through the package's "exports"), so the provider is loaded exactly as in a
// user's stack. TypeScript's "node" resolution (this repository's tsconfig) has no self-reference:
// the types come from the sources.
const imageShare: typeof import("../../provider") = require("image-share");

const settings = new pulumi.Config("image-share");
const example = new pulumi.Config();
const backend = settings.get("backend") ?? "emulator";
const topologyFile = example.get("topologyFile") ?? "examples/huaweicloud.yaml";

/** Where an account of the file finds its access key pair: names of environment variables, never values. */
function cloudCredentials(accountKey: string) {
  const name = `IMAGE_SHARE_${accountKey.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  return { accessKey: { env: `${name}_AK` }, secretKey: { env: `${name}_SK` } };
}

const topology = new imageShare.ShareTopology("huaweicloud", {
  file: topologyFile,
  // The emulator starts empty: give it the file's accounts and existing images.
  seedEmulator: backend === "emulator",
  ...(backend === "cloud" ? { credentials: cloudCredentials } : {}),
});

// A standalone share beside the file: the file's first image with an id, shared with an account
// of the file that none of the file's shares of that image names. The ledger hands every share of
// the image the others' members, so the member limit is checked over all of them.
const t = topology.topology;
let standalone: InstanceType<typeof imageShare.ImageShare> | undefined;
const [imageKey, image] = Object.entries(t.images).find(([, i]) => i.id !== undefined) ?? [];
if (imageKey && image && image.id) {
  const owner = t.accounts[image.owner];
  const named = new Set(
    t.shares.filter((s) => s.image === imageKey).flatMap((s) => s.members.map((m) => (typeof m === "string" ? m : m.account))),
  );
  const extra = Object.keys(t.accounts).find((k) => k !== image.owner && !named.has(k));
  if (extra) {
    standalone = new imageShare.ImageShare("standalone-share", {
      profile: image.profile ?? t.profile,
      region: image.region,
      account: owner.id,
      project: image.project ? owner.projects?.[image.project]?.id : undefined,
      imageId: image.id,
      members: [t.accounts[extra].id],
      limits: t.limits,
      ...(backend === "cloud" ? { connection: { credentials: cloudCredentials(image.owner) } } : {}),
    });
  }
}

export const imageIds = topology.imageIds;
export const standaloneMembers = standalone?.members;
