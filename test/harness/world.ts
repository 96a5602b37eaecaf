/**
 * A small emulator cloud in a temporary state file, and resource inputs for it, for the host
 * tests: one owner, a few recipients, per profile.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import type { ProfileId } from "../../provider/rules/model";
import { PROFILES, usesProjects } from "../../provider/rules/profiles";
import type { MemberTarget } from "../../provider/backends/types";
import { startHost, type Host } from "./host";
import { REPO } from "./repo";

export { REPO };

export interface World {
  dir: string;
  db: string;
  emulator: Emulator;
  profile: ProfileId;
  region: string;
  owner: string;
  ownerProject?: string;
  /** Recipient accounts; with projects in `region` on huaweicloud / opentelekomcloud. */
  recipients: { account: string; project?: string }[];
  imageId: string;
  /** A member target for recipient i as the profile shares (opentelekomcloud: its project). */
  member(i: number): MemberTarget;
  /** Members of an image now, as "type:id" sorted. */
  members(imageId?: string): string[];
  cleanup(): void;
}

const REGIONS: Record<ProfileId, [string, string]> = {
  huaweicloud: ["cn-north-4", "cn-south-1"],
  opentelekomcloud: ["eu-de", "eu-nl"],
  alicloud: ["cn-hangzhou", "cn-shanghai"],
  tencentcloud: ["ap-guangzhou", "ap-shanghai"],
};

export function regionsOf(profile: ProfileId): [string, string] {
  return REGIONS[profile];
}

export function makeWorld(profile: ProfileId, options: { recipients?: number; kind?: "system" | "data" | "full"; dir?: string } = {}): World {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "image-share-host-"));
  const db = path.join(dir, ".image-share", "emulator.db");
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const emulator = openEmulator(db);
  const [region, other] = REGIONS[profile];
  const projects = usesProjects(profile);
  const owner = `${profile.slice(0, 3)}-owner`;
  const ownerProject = projects ? `${owner}-p1` : undefined;
  emulator.addAccount({ id: owner, profile, projects: projects ? [{ id: ownerProject!, region }, { id: `${owner}-p2`, region: other }] : [] });
  const recipients: World["recipients"] = [];
  for (let i = 0; i < (options.recipients ?? 4); i++) {
    const account = `${profile.slice(0, 3)}-r${i}`;
    const project = projects ? `${account}-p1` : undefined;
    emulator.addAccount({ id: account, profile, projects: projects ? [{ id: project!, region }, { id: `${account}-p2`, region: other }] : [] });
    recipients.push(project ? { account, project } : { account });
  }
  const imageId = emulator.addImage({ profile, region, owner, ownerProject, kind: options.kind ?? "system", name: "golden" });
  return {
    dir,
    db,
    emulator,
    profile,
    region,
    owner,
    ownerProject,
    recipients,
    imageId,
    member(i) {
      const r = recipients[i];
      return PROFILES[profile].shareTarget === "project" ? { type: "project", id: r.project! } : { type: "account", id: r.account };
    },
    members(id = imageId) {
      const img = emulator.image(id);
      return img ? img.members.map((m) => `${m.type}:${m.id}`).sort() : [];
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const key = (m: MemberTarget): string => `${m.type}:${m.id}`;

/**
 * A stack directory as a user's would be: node_modules/image-share links to `packageDir` (this
 * repository by default). The host must run in such a directory: the serialized provider's
 * `require("image-share/runtime")` is resolved from the host's working directory (the package's
 * self-reference does not apply to code loaded from a string).
 */
export function makeStackDir(packageDir = REPO): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-stack-"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(packageDir, path.join(dir, "node_modules", "image-share"), "dir");
  return dir;
}

/**
 * Inside a describe block: one dynamic-provider host running in a fresh stack directory for the
 * block, and emulator worlds that are cleaned up after it.
 */
export function useHost(options: { env?: NodeJS.ProcessEnv; prepare?: (w: World) => void } = {}): {
  readonly host: Host;
  world(...args: Parameters<typeof makeWorld>): World;
} {
  let host: Host | undefined;
  let stackDir: string | undefined;
  const worlds: World[] = [];
  before(async () => {
    stackDir = makeStackDir();
    host = await startHost({ cwd: stackDir, ...(options.env ? { env: options.env } : {}) });
  });
  after(async () => {
    await host?.stop();
    for (const w of worlds) w.cleanup();
    if (stackDir) fs.rmSync(stackDir, { recursive: true, force: true });
  });
  return {
    get host(): Host {
      if (!host) throw new Error("the host starts in a before hook: use it inside a test");
      return host;
    },
    world(...args) {
      const w = makeWorld(...args);
      options.prepare?.(w);
      worlds.push(w);
      return w;
    },
  };
}
