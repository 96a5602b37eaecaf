import type { ImageKind, Limits, ProfileId } from "./model";

/** A cloud's facts, as the seeds state them. `"unknown"` where the seeds are silent: no rule invents a value. */
export interface Profile {
  id: ProfileId;
  title: string;
  /** Seeds the profile's facts come from (sections of docs/sources.md). */
  seeds: string[];
  /** A recipient must accept (pending -> accepted / rejected; rejected can be accepted again). */
  acceptance: boolean;
  /** Member limit per image kind. */
  memberLimit: Record<ImageKind, number | "unknown">;
  /** What a member is: an account, a project, or either (huaweicloud: the account or one of its projects). */
  shareTarget: "account" | "project" | "account-or-project";
  /** Same-region copies: "replicate" (an in-region replicate exists), "copy" (an ordinary copy), "refused". */
  sameRegionCopy: "replicate" | "copy" | "refused";
  /** Whether a recipient can copy a shared image (directly, or only after a private in-region replicate). */
  copyOfShared: "never" | "replicate-first" | "unknown";
}

export const PROFILES: Record<ProfileId, Profile> = {
  huaweicloud: {
    id: "huaweicloud",
    title: "Huawei Cloud IMS",
    seeds: ["001"],
    acceptance: true,
    memberLimit: { system: 128, data: 128, full: 10 },
    shareTarget: "account-or-project",
    sameRegionCopy: "replicate",
    copyOfShared: "replicate-first",
  },
  opentelekomcloud: {
    id: "opentelekomcloud",
    title: "Open Telekom Cloud IMS",
    seeds: ["000"],
    acceptance: true,
    memberLimit: { system: 256, data: 256, full: 10 },
    shareTarget: "project",
    sameRegionCopy: "replicate",
    copyOfShared: "replicate-first",
  },
  alicloud: {
    id: "alicloud",
    title: "Alibaba Cloud ECS",
    seeds: ["002", "003"],
    acceptance: false,
    // The seeds do not distinguish full-machine images: one limit for all kinds.
    memberLimit: { system: 50, data: 50, full: 50 },
    shareTarget: "account",
    sameRegionCopy: "copy",
    copyOfShared: "unknown",
  },
  tencentcloud: {
    id: "tencentcloud",
    title: "Tencent Cloud CVM",
    seeds: ["004"],
    acceptance: false,
    // Seed 004 says 50; the 2024-11-27 API reference says 500. The seed wins; `limits` raises it.
    memberLimit: { system: 50, data: 50, full: 50 },
    shareTarget: "account",
    sameRegionCopy: "refused",
    copyOfShared: "never",
  },
};

/** The member limit in force for an image: the stack's override where it sets one, else the profile's. */
export function memberLimit(profile: ProfileId, kind: ImageKind, limits?: Limits): number | "unknown" {
  const override = kind === "full" ? limits?.fullMember : limits?.member;
  return override ?? PROFILES[profile].memberLimit[kind];
}
