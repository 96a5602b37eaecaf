import type { ImageKind, Limits, ProfileId } from "./model";
import { REGION_TABLES } from "./regions";
import { HUAWEICLOUD_REGION_SITES, type RegionSites } from "./sites";

/**
 * Where a copy may go, seen from the image's region: any region, its own region only (an
 * in-region replicate), other regions only, or nowhere.
 */
export type CopyReach = "any" | "own-region" | "other-regions" | "none";

/**
 * One cloud's facts: what differs between the clouds, read by the rules, the emulator and the
 * providers alike (code does not compare cloud names). Each fact names its sources, sections of
 * docs/sources.md (a seed such as "001", or an API reference). `"unknown"` where the sources are
 * silent: no rule invents a value, and the emulator allows what no source refuses.
 */
export interface Profile {
  id: ProfileId;
  /** The service's name: "Huawei Cloud IMS". */
  title: string;
  /** The cloud's name in messages: "Huawei Cloud". */
  cloud: string;
  /** The FAQ pages the profile comes from. */
  seeds: string[];
  /** A recipient must accept (pending -> accepted / rejected; rejected can be accepted again). */
  acceptance: boolean;
  /** Member limit per image kind. */
  memberLimit: Record<ImageKind, number | "unknown">;
  /** A higher limit that a newer reference documents than the seed's; the profile keeps the seed's, and member-limit's fix names this one. */
  newerMemberLimit?: { limit: number; by: string };
  /** What a member is: an account, a project, or either (huaweicloud: the account or one of its projects). Projects are regional. */
  shareTarget: "account" | "project" | "account-or-project";
  /** The cloud's region ids (regions.ts); a topology file's or a resource's `regions` adds ones the table does not know yet. */
  regions: readonly string[];
  /** The China and international sites (huaweicloud): the regions each has, as far as the sources say. Absent: one site. */
  sites?: Readonly<Record<string, RegionSites>>;
  copy: {
    /** Where the owner can copy its image. */
    owned: CopyReach;
    /** Where a recipient can copy an image shared with it (the copy is the recipient's own image). */
    shared: CopyReach;
    /** The way a recipient copies a shared image elsewhere: accept it, replicate it to a private image in its region, copy that (huaweicloud, opentelekomcloud). */
    viaPrivateReplica: boolean;
    /** A full-ECS image is copied to another region only into a CBR vault there (the copy request's vault_id). */
    crossRegionFullNeedsVault: boolean;
  };
  /** Deleting an image that still has members: refused until every share is cancelled, or allowed (the members can no longer re-initialise instances made from it). */
  deleteShared: "refused" | "allowed";
  /** Deleting an image that a copy is still making: refused (cancel the copy instead), or allowed (the copy is cancelled). */
  deleteCopying: "refused" | "allowed" | "unknown";
  /** Renaming or re-describing an image that has members. */
  renameShared: "refused" | "allowed" | "unknown";
  /** Member changes are asynchronous jobs with ids of their own (IMS), else they take effect in the call. */
  memberJobs: boolean;
  /** Members per add / remove call: the default batch, and the API's own maximum where it documents one (the rest is ignored). */
  batch: { members: number; max?: number };
  /**
   * The documented request rates of the APIs the backends call, by the API's own name: at most
   * `requests` in `perMs`, per account, region and API (the clouds count so). The backends send
   * independent calls concurrently up to these rates and never faster. An API not listed has no
   * documented rate: its calls are bounded by the backend's concurrency, and its throttling
   * answers retried.
   */
  rates: Readonly<Record<string, { requests: number; perMs: number }>>;
  /** The connection's key pair under the cloud's own field names (as its SDK and Terraform provider call them). */
  credentials: { key: string; secret: string };
  /** Sources of each fact (sections of docs/sources.md). */
  sources: Partial<Record<Exclude<keyof Profile, "id" | "title" | "cloud" | "seeds" | "sources">, string[]>>;
}

export const PROFILES: Record<ProfileId, Profile> = {
  huaweicloud: {
    id: "huaweicloud",
    title: "Huawei Cloud IMS",
    cloud: "Huawei Cloud",
    seeds: ["001"],
    acceptance: true,
    memberLimit: { system: 128, data: 128, full: 10 },
    shareTarget: "account-or-project",
    sites: HUAWEICLOUD_REGION_SITES,
    copy: { owned: "any", shared: "own-region", viaPrivateReplica: true, crossRegionFullNeedsVault: true },
    deleteShared: "allowed",
    deleteCopying: "unknown",
    renameShared: "unknown",
    memberJobs: true,
    // No per-call maximum is documented; the console takes 100 projects at a time.
    batch: { members: 100 },
    // IMS answers flow control (IMG.0060, the gateway's 429) but its API reference publishes no rate.
    rates: {},
    credentials: { key: "accessKey", secret: "secretKey" },
    regions: REGION_TABLES.huaweicloud.regions,
    sources: {
      regions: [REGION_TABLES.huaweicloud.source],
      acceptance: ["001"],
      memberLimit: ["001"],
      shareTarget: ["001"],
      sites: ["001"],
      copy: ["001", "Huawei Cloud IMS error IMG.0196", "Huawei Cloud IMS API"],
      deleteShared: ["001"],
      memberJobs: ["Huawei Cloud IMS API"],
      batch: ["Huawei Cloud IMS API"],
      rates: ["Huawei Cloud IMS flow control"],
    },
  },
  opentelekomcloud: {
    id: "opentelekomcloud",
    title: "Open Telekom Cloud IMS",
    cloud: "Open Telekom Cloud",
    seeds: ["000"],
    acceptance: true,
    memberLimit: { system: 256, data: 256, full: 10 },
    shareTarget: "project",
    // Its SDK and Terraform provider have only an in-region copy (CopyImageInRegion).
    copy: { owned: "own-region", shared: "own-region", viaPrivateReplica: true, crossRegionFullNeedsVault: false },
    deleteShared: "allowed",
    deleteCopying: "unknown",
    renameShared: "unknown",
    memberJobs: true,
    batch: { members: 100 },
    rates: {},
    credentials: { key: "accessKey", secret: "secretKey" },
    regions: REGION_TABLES.opentelekomcloud.regions,
    sources: {
      regions: [REGION_TABLES.opentelekomcloud.source],
      acceptance: ["000"],
      memberLimit: ["000"],
      shareTarget: ["000"],
      copy: ["000", "Open Telekom Cloud IMS API"],
      deleteShared: ["000"],
      memberJobs: ["Huawei Cloud IMS API"],
      batch: ["Huawei Cloud IMS API"],
      rates: ["Huawei Cloud IMS flow control"],
    },
  },
  alicloud: {
    id: "alicloud",
    title: "Alibaba Cloud ECS",
    cloud: "Alibaba Cloud",
    seeds: ["002", "003"],
    acceptance: false,
    // The seeds do not distinguish full-machine images: one limit for all kinds.
    memberLimit: { system: 50, data: 50, full: 50 },
    shareTarget: "account",
    copy: { owned: "any", shared: "own-region", viaPrivateReplica: false, crossRegionFullNeedsVault: false },
    deleteShared: "refused",
    deleteCopying: "refused",
    renameShared: "unknown",
    memberJobs: false,
    batch: { members: 10, max: 10 },
    // ECS throttles every API per account and region, at thresholds shown only in the account's
    // Quota Center: none is published for the image APIs.
    rates: {},
    credentials: { key: "accessKeyId", secret: "accessKeySecret" },
    regions: REGION_TABLES.alicloud.regions,
    sources: {
      regions: [REGION_TABLES.alicloud.source],
      acceptance: ["002", "003"],
      memberLimit: ["003"],
      shareTarget: ["003"],
      copy: ["Alibaba Cloud CopyImage API"],
      deleteShared: ["002", "003"],
      deleteCopying: ["Alibaba Cloud CopyImage API"],
      batch: ["Alibaba Cloud ModifyImageSharePermission API"],
      rates: ["Alibaba Cloud ECS API throttling"],
    },
  },
  tencentcloud: {
    id: "tencentcloud",
    title: "Tencent Cloud CVM",
    cloud: "Tencent Cloud",
    seeds: ["004"],
    acceptance: false,
    // Seed 004 says 50; the 2024-11-27 API reference says 500. The seed wins; `limits` raises it.
    memberLimit: { system: 50, data: 50, full: 50 },
    newerMemberLimit: { limit: 500, by: "Tencent Cloud's 2024-11-27 API reference" },
    shareTarget: "account",
    copy: { owned: "other-regions", shared: "own-region", viaPrivateReplica: false, crossRegionFullNeedsVault: false },
    deleteShared: "refused",
    deleteCopying: "unknown",
    renameShared: "refused",
    memberJobs: false,
    // The reference documents no maximum of AccountIds; 100 as CVM's batch APIs take.
    batch: { members: 100 },
    rates: {
      ModifyImageSharePermission: { requests: 10, perMs: 1000 },
      DescribeImageSharePermission: { requests: 10, perMs: 1000 },
      DescribeImages: { requests: 40, perMs: 1000 },
    },
    credentials: { key: "secretId", secret: "secretKey" },
    regions: REGION_TABLES.tencentcloud.regions,
    sources: {
      regions: [REGION_TABLES.tencentcloud.source],
      acceptance: ["004"],
      memberLimit: ["004"],
      newerMemberLimit: ["Tencent Cloud ModifyImageSharePermission API"],
      shareTarget: ["004"],
      copy: ["004", "Tencent Cloud SyncImages API"],
      deleteShared: ["004"],
      renameShared: ["004"],
      batch: ["Tencent Cloud ModifyImageSharePermission API"],
      rates: ["Tencent Cloud ModifyImageSharePermission API", "Tencent Cloud DescribeImageSharePermission API", "Tencent Cloud DescribeImages API"],
    },
  },
};

/** The member limit in force for an image: the stack's override where it sets one, else the profile's. */
export function memberLimit(profile: ProfileId, kind: ImageKind, limits?: Limits): number | "unknown" {
  const override = kind === "full" ? limits?.fullMember : limits?.member;
  return override ?? PROFILES[profile].memberLimit[kind];
}

/** Members are accounts with regional projects, and the API acts as one project (huaweicloud, opentelekomcloud). */
export function usesProjects(profile: ProfileId): boolean {
  return PROFILES[profile].shareTarget !== "account";
}

/** Whether a copy may go to its image's own region (`sameRegion`) or to another one. */
export function copyReaches(reach: CopyReach, sameRegion: boolean): boolean {
  return reach === "any" || (sameRegion ? reach === "own-region" : reach === "other-regions");
}

/** Whether the cloud copies any image to another region at all (Open Telekom Cloud IMS: in-region only). */
export function copiesAcrossRegions(profile: ProfileId): boolean {
  const { owned, shared } = PROFILES[profile].copy;
  return copyReaches(owned, false) || copyReaches(shared, false);
}

/**
 * The rule a copy breaks by where it goes, or undefined where the cloud makes it; read by the
 * rules and the emulator's model alike, so that they agree. `shared`: the source is shared with
 * the copier (not its own). A cloud with no cross-region copy refuses any copy to another region,
 * shared or not, under one rule.
 */
export function copyRefusal(profile: ProfileId, shared: boolean, sameRegion: boolean): "cross-region-copy-unsupported" | "copy-of-shared-image" | "copy-same-region" | undefined {
  const copy = PROFILES[profile].copy;
  if (!sameRegion && !copiesAcrossRegions(profile)) return "cross-region-copy-unsupported";
  if (shared) return copyReaches(copy.shared, sameRegion) ? undefined : "copy-of-shared-image";
  return copyReaches(copy.owned, sameRegion) ? undefined : "copy-same-region";
}
