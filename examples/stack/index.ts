/**
 * The example stack (root Pulumi.yaml): `pulumi preview` / `pulumi up` / `pulumi destroy` in the
 * repository root run it against the embedded emulator, no cloud account needed. It declares a
 * share topology from a topology file (by default examples/huaweicloud.yaml: a golden image fanned
 * out to tenants, a cross-region copy shared on, acceptances) and beside it a standalone share
 * that the stack ledger sums with the file's shares of the same image (member-limit counts both).
 * Any of the four clouds' example files works: `pulumi config set topologyFile examples/alicloud.yaml`.
 *
 * Config (all optional):
 *   image-share:backend       emulator (default) | cloud
 *   image-share:emulatorPath  the emulator's state file (default .image-share/emulator.db in the
 *                             repository root, where `npx image-share emulator show` reads it)
 *   image-share:endpoint      cloud: an endpoint override
 *   image-share-example:topologyFile   default examples/huaweicloud.yaml (relative to the root)
 *   image-share-example:standaloneMembers  a JSON list of account keys of the file for the
 *                             standalone share (default: one account no share of that image names)
 * With backend "cloud", each account of the file acts with the access key pair in the
 * environment variables IMAGE_SHARE_<ACCOUNT KEY>_AK / _SK (e.g. IMAGE_SHARE_TEAM_A_SK).
 *
 * Paths: the engine runs this program, and the provider host, with this folder as the working
 * directory (Pulumi.yaml's main is this file). Files are named from the repository root here,
 * and the emulator path is handed to the resources relative to the working directory, so the
 * state records no absolute path (a stack moved to another folder or machine stays the same).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

// A stack of your own writes: import * as imageShare from "image-share";
// Here the package imports itself by name (Node resolves "image-share" to this repository's
// build, bin/, through the package's "exports"), so the provider is loaded exactly as in a
// user's stack. TypeScript's "node" resolution (this repository's tsconfig) has no self-reference:
// the types come from the sources.
const imageShare: typeof import("../../provider") = require("image-share");

/** The repository root: where Pulumi.yaml is, and what relative paths in the config are relative to. */
const root = path.resolve(__dirname, "..", "..");
const settings = new pulumi.Config("image-share");
const example = new pulumi.Config();
const backend = settings.get("backend") ?? "emulator";
const topologyFile = path.resolve(root, example.get("topologyFile") ?? "examples/huaweicloud.yaml");
const emulatorPath = backend === "emulator" && settings.get("emulatorPath") === undefined ? path.relative(process.cwd(), path.join(root, ".image-share", "emulator.db")) : undefined;

/** Where an account of the file finds its access key pair: names of environment variables, never values. */
function cloudCredentials(accountKey: string) {
  const name = `IMAGE_SHARE_${accountKey.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  return { accessKey: { env: `${name}_AK` }, secretKey: { env: `${name}_SK` } };
}

const file = path.basename(topologyFile, path.extname(topologyFile));
const topology = new imageShare.ShareTopology(file, {
  file: topologyFile,
  ...(emulatorPath !== undefined ? { emulatorPath } : {}),
  // The emulator starts empty: give it the file's accounts and existing images.
  seedEmulator: backend === "emulator",
  ...(backend === "cloud" ? { credentials: cloudCredentials } : {}),
});

// A standalone share beside the file: the file's first image with an id, shared with accounts of
// the file that none of the file's shares of that image names. The ledger hands every share of
// the image the others' members, so the member limit is checked over all of them.
const t = topology.topology;
let standalone: InstanceType<typeof imageShare.ImageShare> | undefined;
const [imageKey, image] = Object.entries(t.images).find(([, i]) => i.id !== undefined) ?? [];
if (imageKey && image && image.id) {
  const owner = t.accounts[image.owner];
  const profile = image.profile ?? t.profile;
  const named = new Set(t.shares.filter((s) => s.image === imageKey).flatMap((s) => s.members.map((m) => (typeof m === "string" ? m : m.account))));
  const chosen = example.getObject<string[]>("standaloneMembers") ?? [Object.keys(t.accounts).find((k) => k !== image.owner && !named.has(k))].filter((k): k is string => k !== undefined);
  // A member as the cloud shares: opentelekomcloud shares with projects (the account's in the image's region).
  const member = (key: string) => {
    const a = t.accounts[key];
    if (!a) throw new Error(`image-share-example:standaloneMembers: ${key} is not an account of ${topologyFile}`);
    if (profile !== "opentelekomcloud") return a.id;
    const p = Object.values(a.projects ?? {}).find((x) => x.region === image.region);
    if (!p) throw new Error(`image-share-example:standaloneMembers: ${key} has no project in ${image.region}`);
    return { type: "project" as const, id: p.id };
  };
  if (chosen.length) {
    standalone = new imageShare.ImageShare("standalone-share", {
      profile,
      region: image.region,
      account: owner.id,
      project: image.project ? owner.projects?.[image.project]?.id : undefined,
      imageId: image.id,
      members: chosen.map(member),
      limits: t.limits,
      ...(emulatorPath !== undefined ? { connection: { emulatorPath } } : {}),
      ...(backend === "cloud" ? { connection: { credentials: cloudCredentials(image.owner) } } : {}),
    });
  }
}

export const imageIds = topology.imageIds;
export const standaloneMembers = standalone?.members;
