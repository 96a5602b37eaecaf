import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import type { Dialect } from "../../provider/backends/emulator/http/dialect";
import { createHuaweiCloudDialect, type HuaweiDialectOptions } from "../../provider/backends/emulator/http/huaweicloud";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { createHuaweiCloudImageService, type HuaweiCloudImageServiceOptions, type HuaweiProfile } from "../../provider/backends/huaweicloud";
import type { MemberTarget } from "../../provider/backends/types";
import type { ImageKind } from "../../provider/rules/model";
import { copiesAcrossRegions, PROFILES } from "../../provider/rules/profiles";
import { seedImages, type ImageSeeding } from "../conformance/findOwnedImages";
import type { ConformanceWorld } from "../conformance/imageService";

/**
 * A Huawei Cloud / Open Telekom Cloud world for the real IMS backend: a temporary emulator state
 * file, an owner and two recipients each with a project in two regions and an access key per
 * project, served over HTTP by the IMS dialect (signatures verified on every request).
 */
export const REGIONS: Record<HuaweiProfile, [string, string]> = { huaweicloud: ["cn-north-4", "cn-south-1"], opentelekomcloud: ["eu-de", "eu-nl"] };
export const BATCH_SIZE = 7;

/** 32 hex digits, as IMS project and domain ids are. */
export const hexId = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, "0")}`;

export interface HuaweiWorld extends ConformanceWorld, ImageSeeding {
  emulator: Emulator;
  server: EmulatorServer;
  dir: string;
  ownerAccount: string;
  ownerProject: string;
  recipientProject: string;
  /** A service acting as an account's project in a region, with extra options. */
  serviceFor(account: string, region?: string, options?: Partial<HuaweiCloudImageServiceOptions>): ReturnType<typeof createHuaweiCloudImageService>;
  /** Requests the dialect served, "METHOD path". */
  requests: string[];
}

export async function huaweiWorld(profile: HuaweiProfile, options: { dialect?: HuaweiDialectOptions } = {}): Promise<HuaweiWorld> {
  const [region, other] = REGIONS[profile];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `image-share-${profile}-`));
  const emulator = openEmulator(path.join(dir, "emulator.db"));
  emulator.configure({ copyDurationMs: 150 });
  const projectOf = new Map<string, Record<string, string>>();
  /** What a topology file tells the backend: each project's account. */
  const projectAccounts: Record<string, string> = {};
  let n = 1;
  const account = (prefix: string): string => {
    const id = hexId(`d${prefix}`, n++);
    const projects = { [region]: hexId("a", n++), [other]: hexId("b", n++) };
    emulator.addAccount({ id, profile, projects: Object.entries(projects).map(([r, p]) => ({ id: p, region: r })) });
    for (const [, p] of Object.entries(projects)) emulator.addAccessKey({ accessKeyId: `AK${p.toUpperCase()}`, secret: `sk-${p}`, account: id, project: p });
    projectOf.set(id, projects);
    for (const p of Object.values(projects)) projectAccounts[p] = id;
    return id;
  };
  const owner = account("0");
  const recipients = [account("1"), account("2")];
  const ownerProject = projectOf.get(owner)![region];
  const systemImageId = emulator.addImage({ profile, region, owner, ownerProject, kind: "system", name: "golden-system" });
  const fullImageId = emulator.addImage({ profile, region, owner, ownerProject, kind: "full", name: "golden-full" });
  const requests: string[] = [];
  const dialect = createHuaweiCloudDialect(emulator, options.dialect);
  const recording: Dialect = {
    name: dialect.name,
    matches: (r) => dialect.matches(r),
    handle(request, body, response) {
      requests.push(`${request.method} ${new URL(request.url ?? "/", "http://x").pathname}`);
      return dialect.handle(request, body, response);
    },
  };
  const server = await startEmulatorServer({ dialects: [recording] });
  const serviceFor = (acct: string, r = region, extra: Partial<HuaweiCloudImageServiceOptions> = {}) => {
    const project = projectOf.get(acct)![r];
    return createHuaweiCloudImageService({
      profile,
      region: r,
      endpoint: server.url,
      accessKey: `AK${project.toUpperCase()}`,
      secretKey: `sk-${project}`,
      projectId: project,
      accountId: acct,
      batchSize: BATCH_SIZE,
      retry: { baseDelayMs: 2, maxDelayMs: 20, deadlineMs: 20_000 },
      jobPollMs: 5,
      jobMaxPollMs: 50,
      agencyName: "ims_admin_agency",
      projectAccounts,
      env: {},
      ...extra,
    });
  };
  const byProject = PROFILES[profile].shareTarget === "project";
  const memberOf = (acct: string): MemberTarget => (byProject ? { type: "project", id: projectOf.get(acct)![region] } : { type: "account", id: acct });
  return {
    profile,
    emulator,
    server,
    dir,
    requests,
    ownerAccount: owner,
    ownerProject,
    recipientProject: projectOf.get(recipients[0])![region],
    serviceFor,
    owner: serviceFor(owner),
    ownerInOtherRegion: serviceFor(owner, other),
    recipient: serviceFor(recipients[0]),
    recipient2: serviceFor(recipients[1]),
    recipientMember: memberOf(recipients[0]),
    recipient2Member: memberOf(recipients[1]),
    ownerMember: byProject ? { type: "project", id: ownerProject } : { type: "account", id: owner },
    systemImageId,
    fullImageId,
    otherRegion: other,
    crossRegionCopy: copiesAcrossRegions(profile),
    async extraMembers(count: number): Promise<MemberTarget[]> {
      const out: MemberTarget[] = [];
      for (let i = 0; i < count; i++) out.push(memberOf(account("9")));
      return out;
    },
    memberLimit: PROFILES[profile].memberLimit as Record<ImageKind, number>,
    batchSize: BATCH_SIZE,
    setFaults: async (faults) => emulator.setFaults(faults),
    clearFaults: async () => emulator.clearFaults(),
    retries: true,
    badCredentials: () => serviceFor(owner, region, { secretKey: "not-the-secret" }),
    pollMs: 20,
    async addImages(images) {
      const holder = (acct: string) => (r: string) => ({ account: acct, project: projectOf.get(acct)![r] });
      const ownerMember: MemberTarget = byProject ? { type: "project", id: ownerProject } : { type: "account", id: owner };
      return seedImages(emulator, profile, { region, otherRegion: other, owner: holder(owner), recipient: holder(recipients[0]), ownerMember }, images);
    },
    // ListImages' documented default limit, which the backend sends.
    imagePageSize: 500,
    async teardown() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
