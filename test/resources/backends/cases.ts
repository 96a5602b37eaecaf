/**
 * The backends the resources' lifecycle runs on through the real host: the in-process emulator,
 * and each cloud's real backend over the emulator served in that cloud's HTTP dialect (a "cloud"
 * connection: endpoint = the server's URL, key pairs named by environment variables that hold
 * the emulator's access keys, signatures verified by the dialect).
 */
import { createAlibabaCloudDialect } from "../../../provider/backends/emulator/http/alicloud";
import { createHuaweiCloudDialect } from "../../../provider/backends/emulator/http/huaweicloud";
import { createTencentCloudDialect } from "../../../provider/backends/emulator/http/tencentcloud";
import type { Dialect } from "../../../provider/backends/emulator/http/dialect";
import { startEmulatorServer, type EmulatorServer } from "../../../provider/backends/emulator/http/server";
import type { ProfileId } from "../../../provider/rules/model";
import { makeWorld, type World } from "../../harness/world";

/** How a CrossRegionCopy is made on a backend: a copy to another region, or an in-region replicate. */
export type CopyKind = "cross-region" | "in-region";

export interface BackendCase {
  name: string;
  profile: ProfileId;
  served: boolean;
  /** The copies this backend makes through the resources. */
  copies: CopyKind[];
  /** A ShareAcceptance step exists (huaweicloud / opentelekomcloud). */
  acceptance: boolean;
  /** The cloud refuses to delete an image that still has members (alicloud / tencentcloud). */
  refusesDeleteWhileShared: boolean;
}

export const BACKENDS: BackendCase[] = [
  { name: "emulator (in-process, huaweicloud profile)", profile: "huaweicloud", served: false, copies: ["cross-region", "in-region"], acceptance: true, refusesDeleteWhileShared: false },
  { name: "huaweicloud over HTTP", profile: "huaweicloud", served: true, copies: ["cross-region", "in-region"], acceptance: true, refusesDeleteWhileShared: false },
  // Open Telekom Cloud's IMS API reference lists no cross-region copy: the in-region replicate only.
  { name: "opentelekomcloud over HTTP", profile: "opentelekomcloud", served: true, copies: ["in-region"], acceptance: true, refusesDeleteWhileShared: false },
  // Tencent Cloud refuses a copy to the image's own region (copy-same-region).
  { name: "alicloud over HTTP", profile: "alicloud", served: true, copies: ["cross-region"], acceptance: false, refusesDeleteWhileShared: true },
  { name: "tencentcloud over HTTP", profile: "tencentcloud", served: true, copies: ["cross-region"], acceptance: false, refusesDeleteWhileShared: true },
];

type Role = "OWNER" | "RECIPIENT";

/** Access key id and secret of a role on a profile, in the cloud's key-id style. */
function keyOf(profile: ProfileId, role: Role): { id: string; secret: string } {
  const prefix = profile === "alicloud" ? "LTAI" : profile === "tencentcloud" ? "AKID" : "AK";
  const tag = `${profile.slice(0, 3).toUpperCase()}${role === "OWNER" ? "O" : "R"}`;
  return { id: `${prefix}${tag}HOSTKEY0001`, secret: `secret-${profile}-${role.toLowerCase()}-5c1e` };
}

const envName = (profile: ProfileId, role: Role, part: "AK" | "SK") => `IMAGE_SHARE_T_${profile.toUpperCase()}_${role}_${part}`;

/** The environment the host needs: every served profile's key pairs (values the emulator knows). */
export function hostEnv(): Record<string, string> {
  const env: Record<string, string> = { IMAGE_SHARE_JOB_POLL_MS: "50" };
  for (const c of BACKENDS) {
    if (!c.served) continue;
    for (const role of ["OWNER", "RECIPIENT"] as const) {
      const k = keyOf(c.profile, role);
      env[envName(c.profile, role, "AK")] = k.id;
      env[envName(c.profile, role, "SK")] = k.secret;
    }
  }
  return env;
}

/** Every secret value, to assert none reaches outputs. */
export const SECRETS = BACKENDS.filter((c) => c.served).flatMap((c) => [keyOf(c.profile, "OWNER").secret, keyOf(c.profile, "RECIPIENT").secret]);

export interface Setup {
  world: World;
  server?: EmulatorServer;
  /** The `connection` input of a resource acting as `role`; `extra` merged in (e.g. agencyName). */
  connection(role: Role, extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

function dialectFor(w: World): Dialect {
  switch (w.profile) {
    case "alicloud":
      return createAlibabaCloudDialect(w.emulator);
    case "tencentcloud":
      return createTencentCloudDialect(w.emulator);
    default:
      // Member jobs answer SUCCESS at the first poll: the backend's own job wait (500 ms first
      // pause) is not what this suite measures; huaweicloud.http.test.ts covers RUNNING jobs.
      return createHuaweiCloudDialect(w.emulator, { memberJobPolls: 0 });
  }
}

/** A world for the case, its access keys, and (served) the emulator on loopback in the cloud's dialect. */
export async function setUp(c: BackendCase): Promise<Setup> {
  const world = makeWorld(c.profile, { recipients: 5 });
  world.emulator.configure({ copyDurationMs: 300 });
  if (!c.served) {
    return {
      world,
      connection: (_role, extra = {}) => ({ backend: "emulator", emulatorPath: world.db, ...extra }),
      async close() {
        world.cleanup();
      },
    };
  }
  const owner = keyOf(c.profile, "OWNER");
  const recipient = keyOf(c.profile, "RECIPIENT");
  world.emulator.addAccessKey({ accessKeyId: owner.id, secret: owner.secret, account: world.owner, ...(world.ownerProject ? { project: world.ownerProject } : {}) });
  const r = world.recipients[0];
  world.emulator.addAccessKey({ accessKeyId: recipient.id, secret: recipient.secret, account: r.account, ...(r.project ? { project: r.project } : {}) });
  const server = await startEmulatorServer({ dialects: [dialectFor(world)] });
  return {
    world,
    server,
    connection: (role, extra = {}) => ({
      backend: "cloud",
      endpoint: server.url,
      credentials: { accessKey: { env: envName(c.profile, role, "AK") }, secretKey: { env: envName(c.profile, role, "SK") } },
      ...extra,
    }),
    async close() {
      await server.close();
      world.cleanup();
    },
  };
}
