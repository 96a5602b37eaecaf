import type { ImageKind, MemberStatus, ProfileId } from "../rules/model";

/**
 * The one interface every backend implements: the embedded emulator and the real clouds.
 *
 * An instance acts as one identity in one region: an account (alicloud, tencentcloud) or a
 * project of an account (huaweicloud, opentelekomcloud), as the clouds' own clients do.
 * A recipient's calls (setMemberStatus) go through the recipient's own instance.
 */
export interface ImageService {
  readonly profile: ProfileId;
  readonly region: string;

  /** Reads an image visible to the caller (owned, or shared with it). Throws `not-found`. */
  getImage(imageId: string): Promise<ImageInfo>;

  /**
   * The images the caller owns in its region whose name is exactly `name`, whatever their status,
   * every page read: how a copy an earlier apply made is found again by the name it was made
   * with (`image-share plan` reads the cloud, not the stack's state). Names are not unique.
   */
  findOwnedImages(name: string): Promise<ImageInfo[]>;

  /** One page of an image's members (owner only). `pageToken` from the previous page. */
  listMembers(imageId: string, page?: PageRequest): Promise<Page<Member>>;

  /**
   * Adds members, batched to the API's limit per call. Idempotent: a member already present
   * is success. Returns how many calls it took. `known`: the members the caller has just read
   * (a backend that reads them first to skip those present may use these instead).
   */
  addMembers(imageId: string, members: MemberTarget[], known?: KnownMembers): Promise<BatchResult>;

  /** Removes members, batched; a member already gone is success. `known` as for addMembers. */
  removeMembers(imageId: string, members: MemberTarget[], known?: KnownMembers): Promise<BatchResult>;

  /**
   * The caller, a member, accepts or rejects an image shared with it (huaweicloud,
   * opentelekomcloud). `member` names the caller's project or account the share targets.
   */
  setMemberStatus(imageId: string, member: MemberTarget, status: "accepted" | "rejected", options?: MemberStatusOptions): Promise<void>;

  /**
   * Copies an image: to another region (cross-region copy), or within the region (huaweicloud /
   * opentelekomcloud: replicate, e.g. an accepted shared image to a private one). Asynchronous.
   */
  copyImage(request: CopyRequest): Promise<Job>;

  /** Reads an async job (a copy, or on huaweicloud a member change). */
  getJob(jobId: string): Promise<Job>;

  /** Deletes an image the caller owns. alicloud / tencentcloud refuse while it has members. */
  deleteImage(imageId: string): Promise<void>;
}

/** The image's members as the caller read them, every page, just before the change. */
export interface KnownMembers {
  present: readonly MemberTarget[];
}

export interface MemberStatusOptions {
  /**
   * huaweicloud / opentelekomcloud: the CBR vault of a full-ECS image made from a CBR backup,
   * which accepting it requires (BatchUpdateMembers `vault_id`).
   */
  vaultId?: string;
}

export type ImageStatus = "creating" | "available" | "failed";

export interface ImageInfo {
  id: string;
  region: string;
  /** The owning account's id. */
  owner: string;
  /** huaweicloud / opentelekomcloud: the project holding the image. */
  ownerProject?: string;
  kind: ImageKind;
  name: string;
  description?: string;
  status: ImageStatus;
  /** The image the caller sees is owned by another account and shared with the caller. */
  sharedWithCaller: boolean;
  /**
   * huaweicloud / opentelekomcloud (the clouds with an acceptance step): for an image shared with
   * the caller, the caller's own member status, as the member reads its membership (Glance / IMS
   * GET /v2/images/{image_id}/members/{member_id}). Absent where nobody reported it.
   */
  callerMemberStatus?: MemberStatus;
  /** For a copy or replicate: the image it was made from. */
  sourceImageId?: string;
  /**
   * huaweicloud / opentelekomcloud: the backup a full-ECS image was made from (`__backup_id`); a
   * full-ECS image made from a CBR backup needs its vault to be accepted or copied across regions.
   */
  backupId?: string;
  /** 0..100 while a copy is still being made, where the cloud reports it. */
  progress?: number;
}

/** huaweicloud shares with an account (domain) or a project; the others with an account. */
export interface MemberTarget {
  type: "account" | "project";
  id: string;
}

export interface Member extends MemberTarget {
  status: MemberStatus;
}

export interface PageRequest {
  pageToken?: string;
  pageSize?: number;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface BatchResult {
  /** API calls made (batches, job polls excluded). */
  calls: number;
}

export interface CopyRequest {
  imageId: string;
  /** Destination region; the image's own region means an in-region replicate. */
  region: string;
  name?: string;
  description?: string;
  /**
   * huaweicloud: the CBR vault in the destination region, required to copy a full-ECS image
   * across regions (CopyImageCrossRegion `vault_id`: "mandatory if you are replicating a full-ECS image").
   */
  vaultId?: string;
  /**
   * An idempotency token (Alibaba Cloud's ClientToken): the same copy sent again with it returns
   * the first job instead of making a second copy. Backends of clouds that take none ignore it.
   */
  clientToken?: string;
}

export type JobStatus = "running" | "succeeded" | "failed";

export interface Job {
  id: string;
  status: JobStatus;
  /** The new image (known at once on alicloud and tencentcloud, at the end on huaweicloud). */
  imageId?: string;
  /** The cloud's reason for a failed job. */
  reason?: string;
  /** 0..100 where the cloud reports it. */
  progress?: number;
}

/** Reads every page of an image's members. */
export async function listAllMembers(service: ImageService, imageId: string, pageSize?: number): Promise<Member[]> {
  const all: Member[] = [];
  let pageToken: string | undefined;
  do {
    const page = await service.listMembers(imageId, { pageToken, ...(pageSize !== undefined ? { pageSize } : {}) });
    all.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}
