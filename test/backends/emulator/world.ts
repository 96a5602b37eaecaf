import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { memoryEmulator, openEmulator, type Emulator } from "../../../provider/backends/emulator";
import type { MemberTarget } from "../../../provider/backends/types";
import type { ImageKind, ProfileId } from "../../../provider/rules/model";
import { copiesAcrossRegions, PROFILES, usesProjects } from "../../../provider/rules/profiles";
import { seedImages, type ImageSeeding } from "../../conformance/findOwnedImages";
import type { ConformanceWorld } from "../../conformance/imageService";

/** Regions per profile: the images' region and another one. */
export const REGIONS: Record<ProfileId, [string, string]> = {
  huaweicloud: ["cn-north-4", "cn-south-1"],
  opentelekomcloud: ["eu-de", "eu-nl"],
  alicloud: ["cn-hangzhou", "cn-shanghai"],
  tencentcloud: ["ap-guangzhou", "ap-shanghai"],
};

/** Account ids in the cloud's format: IMS domain ids (32 hex), Alibaba 16 digits, Tencent 12 digits. */
export function accountId(profile: ProfileId, n: number): string {
  if (usesProjects(profile)) return `${n.toString(16).padStart(8, "0")}${"a".repeat(24)}`;
  return profile === "alicloud" ? String(1_000_000_000_000_000 + n) : String(100_000_000_000 + n);
}
export function projectId(n: number, regionIndex: number): string {
  return `${n.toString(16).padStart(8, "0")}${regionIndex}${"b".repeat(23)}`;
}

export interface EmulatorWorldOptions {
  /** File-backed (a temporary directory) instead of in memory. */
  file?: boolean;
}

/**
 * A fresh world on the emulator for `profile`: owner 1, recipients 2 and 3, more accounts on
 * demand. tencentcloud's limit is raised to the 500 of its API reference (a raised quota) for
 * system images so that batches past one call fit; full images keep the seed's 50.
 */
export async function emulatorWorld(profile: ProfileId, options: EmulatorWorldOptions = {}): Promise<ConformanceWorld & ImageSeeding & { emulator: Emulator }> {
  const dir = options.file ? fs.mkdtempSync(path.join(os.tmpdir(), "image-share-world-")) : undefined;
  const emulator = dir ? openEmulator(path.join(dir, "emulator.db")) : memoryEmulator();
  const [region, otherRegion] = REGIONS[profile];
  emulator.configure({ copyDurationMs: 100 });
  if (profile === "tencentcloud") emulator.configure({ memberLimits: { tencentcloud: { member: 500 } } });
  const account = (n: number) => ({
    id: accountId(profile, n),
    profile,
    ...(profile === "huaweicloud" ? { site: "cn" as const } : {}),
    projects: usesProjects(profile) ? [{ id: projectId(n, 0), region }, { id: projectId(n, 1), region: otherRegion }] : [],
  });
  emulator.addAccounts([1, 2, 3].map(account));
  const identity = (n: number, r = region) => ({
    profile,
    region: r,
    account: accountId(profile, n),
    ...(usesProjects(profile) ? { project: projectId(n, r === region ? 0 : 1) } : {}),
  });
  const memberOf = (n: number): MemberTarget => (usesProjects(profile) ? { type: "project", id: projectId(n, 0) } : { type: "account", id: accountId(profile, n) });
  const owner = identity(1);
  const systemImageId = emulator.addImage({ profile, region, owner: owner.account, ownerProject: owner.project, kind: "system", name: "golden-system" });
  const fullImageId = emulator.addImage({ profile, region, owner: owner.account, ownerProject: owner.project, kind: "full", name: "golden-full" });
  let next = 100;
  const limits = PROFILES[profile].memberLimit;
  const memberLimit = {
    system: profile === "tencentcloud" ? 500 : (limits.system as number),
    data: profile === "tencentcloud" ? 500 : (limits.data as number),
    full: limits.full as number,
  } satisfies Record<ImageKind, number>;
  const service = (id: ReturnType<typeof identity>) => emulator.service(id, { callFaults: true });
  return {
    emulator,
    profile,
    owner: service(owner),
    ownerInOtherRegion: service(identity(1, otherRegion)),
    recipient: service(identity(2)),
    recipient2: service(identity(3)),
    recipientMember: memberOf(2),
    recipient2Member: memberOf(3),
    ownerMember: memberOf(1),
    systemImageId,
    fullImageId,
    otherRegion,
    crossRegionCopy: copiesAcrossRegions(profile),
    async extraMembers(n) {
      const ids = Array.from({ length: n }, () => next++);
      emulator.addAccounts(ids.map(account));
      return ids.map(memberOf);
    },
    memberLimit,
    batchSize: emulator.snapshot().settings.batchSize[profile],
    async setFaults(f) {
      emulator.setFaults(f);
    },
    async clearFaults() {
      emulator.clearFaults();
    },
    retries: false,
    pollMs: 10,
    async addImages(images) {
      return seedImages(emulator, profile, { region, otherRegion, owner: (r) => identity(1, r), recipient: (r) => identity(2, r), ownerMember: memberOf(1) }, images);
    },
    async teardown() {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
