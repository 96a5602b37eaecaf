/**
 * The data the rules core reads: a share topology (as a topology file declares it, or as a
 * stack's resources declare it) plus, optionally, what a backend observed in the cloud.
 * Plain data, no behaviour: the rules core imports nothing of the rest of the package.
 */

export const PROFILE_IDS = ["huaweicloud", "opentelekomcloud", "alicloud", "tencentcloud"] as const;
export type ProfileId = (typeof PROFILE_IDS)[number];

/** system disk, data disk, or full-ECS (whole-machine) image. */
export const IMAGE_KINDS = ["system", "data", "full"] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** A member's acceptance state. Clouds with no acceptance step report every member as accepted. */
export type MemberStatus = "pending" | "accepted" | "rejected";
export type Severity = "error" | "warning";
/** huaweicloud only: the China or the international site. */
export type Site = "cn" | "intl";

export interface Project {
  id: string;
  region: string;
}

export interface Account {
  /** The cloud's account id (huaweicloud / opentelekomcloud: domain id; alicloud / tencentcloud: account / UIN). */
  id: string;
  site?: Site;
  /** huaweicloud / opentelekomcloud: project key -> project. */
  projects?: Record<string, Project>;
}

export interface Image {
  /** Absent for an image that a copy produces. */
  id?: string;
  region: string;
  /** An account key. */
  owner: string;
  /** A project key of the owner (huaweicloud / opentelekomcloud). */
  project?: string;
  kind: ImageKind;
  name: string;
  description?: string;
  profile?: ProfileId;
  /**
   * Members already present that no share of the topology declares (they count toward the limit):
   * how many, or who with their status. A list is the cloud's state when nothing was read from the
   * cloud (validate offline); `plan` compares it with what the cloud holds.
   */
  existingMembers?: number | ExistingMember[];
}

/** A member the cloud already holds for an image, outside the topology's shares. */
export interface ExistingMember {
  /** An account key. */
  account: string;
  /** A project key of that account (huaweicloud / opentelekomcloud). */
  project?: string;
  /** Default: pending on clouds with an acceptance step, accepted on the others. */
  status?: MemberStatus;
}

/** An account key, or an account key with one of its project keys. */
export type MemberRef = string | { account: string; project?: string };

export interface Share {
  name: string;
  /** An image key. */
  image: string;
  /** The sharing account key; default: the image's owner. */
  by?: string;
  members: MemberRef[];
}

export interface Acceptance {
  name: string;
  image: string;
  member: MemberRef;
  status: "accepted" | "rejected";
}

export interface Copy {
  name: string;
  /** An image key. */
  source: string;
  /** Destination region; the source's region means an in-region replicate. */
  region: string;
  /** The copying account key; default: the source's owner. */
  by?: string;
  /** The image key of the product, owned by `by`. */
  as: string;
  /** Name of the new image (`name` is the copy's own, the resource's). */
  imageName?: string;
  description?: string;
}

export interface Limits {
  /** Overrides the profile's member limit for system and data-disk images. */
  member?: number;
  /** Overrides the profile's member limit for full-ECS images. */
  fullMember?: number;
}

export interface Topology {
  profile: ProfileId;
  limits?: Limits;
  /** Account keys whose images may be accepted or copied. */
  trust?: string[];
  strictTrust?: boolean;
  /** Region ids the profile's region table does not know yet, accepted as well (the loader and the resources check regions; the rules do not read them). */
  regions?: string[];
  accounts: Record<string, Account>;
  images: Record<string, Image>;
  shares: Share[];
  acceptances: Acceptance[];
  copies: Copy[];
}

/** A member as a backend observed it, in topology terms. */
export interface ObservedMember {
  member: MemberRef;
  status: MemberStatus;
}

/** What a backend read about one image (by image key). */
export interface ObservedImage {
  /** Members the cloud holds for the image whose account / project the topology names. */
  members?: ObservedMember[];
  /** Members the cloud holds whose ids the topology does not name. */
  otherMembers?: ObservedMember[];
  /** The image's current name and description, where they may be about to change. */
  name?: string;
  description?: string;
}

/**
 * What the cloud holds now and what an apply is about to do that the topology itself does not
 * show (plan and preview time). Optional: `validate` works on the topology alone.
 */
export interface Observed {
  images?: Record<string, ObservedImage>;
  /** Image keys that the plan deletes (e.g. a copy's product whose resource is being destroyed). */
  deletes?: string[];
}
