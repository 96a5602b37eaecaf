/**
 * The emulator's model: the whole emulated cloud as plain JSON data, and the clouds' rules as
 * functions over it. No I/O and no clock: every function takes the state (and `now`) and
 * mutates the state in place; the store (store.ts) runs each one as a read-modify-write under
 * its lock, so a call sees and leaves a consistent state whatever other processes do.
 *
 * Refusals are ImageServiceErrors carrying the cloud's own error code (`cloudCode`) and our rule
 * id where one applies. Codes come from the clouds' API references:
 * - Huawei Cloud / Open Telekom Cloud IMS: IMG.0088 share quota, IMG.0027 image not found,
 *   IMG.0047 not the owner, IMG.0076 share with self, IMG.0196 replicate before accepting,
 *   IMG.0060 flow control. Codes marked "emulator's choice" below are not in the docs we could
 *   read; the dialects may map them by kind and rule.
 * - Alibaba Cloud ECS: QuotaExceed.ShareImageUser, InvalidAccount.NotFound,
 *   InvalidAccount.Forbbiden (sic, self-share), InvalidImageId.NotFound (also for another
 *   account's image), ImageUseShared (DeleteImage while shared), Throttling.User.
 * - Tencent Cloud CVM: OverQuota, InvalidAccountId.NotFound, FailedOperation.AccountIsYourSelf,
 *   UnauthorizedOperation.ImageNotBelongToAccount, InvalidImageId.InShared,
 *   RequestLimitExceeded.
 */
import { ImageServiceError, type ImageServiceErrorKind } from "../errors";
import type { ImageStatus, Member, MemberTarget } from "../types";
import type { ImageKind, MemberStatus, ProfileId, Site } from "../../rules/model";
import { PROFILE_IDS } from "../../rules/model";
import type { RuleId } from "../../rules/rule";
import { PROFILES, copyRefusal, usesProjects } from "../../rules/profiles";
import { regionOnSite } from "../../rules/sites";

/** 2: the projectAccounts, runningJobs and clientTokens indexes (derived when a version-1 state is read). */
export const STATE_VERSION = 2;

export interface AccountRecord {
  id: string;
  profile: ProfileId;
  /** huaweicloud only. */
  site?: Site;
  /** huaweicloud / opentelekomcloud: the account's projects, each in one region. */
  projects: { id: string; region: string }[];
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secret: string;
  account: string;
  /** huaweicloud / opentelekomcloud: the project the key acts in by default. */
  project?: string;
}

export interface MemberRecord {
  type: "account" | "project";
  id: string;
  status: MemberStatus;
  /** ms since the epoch. */
  createdAt: number;
}

export interface ImageRecord {
  id: string;
  profile: ProfileId;
  region: string;
  owner: string;
  ownerProject?: string;
  kind: ImageKind;
  name: string;
  description?: string;
  status: ImageStatus;
  /** Why a copy failed. */
  reason?: string;
  sourceImageId?: string;
  /** huaweicloud / opentelekomcloud: the CBR backup a full-ECS image was made from (IMS `__backup_id`). */
  backupId?: string;
  createdAt: number;
  members: MemberRecord[];
}

export type JobKind = "copy" | "replicate";

export interface JobRecord {
  id: string;
  kind: JobKind;
  profile: ProfileId;
  /** Who started it (jobs are read by the account that started them). */
  account: string;
  project?: string;
  /** The region the job runs in (the destination). */
  region: string;
  sourceImageId: string;
  imageId: string;
  status: "running" | "succeeded" | "failed";
  createdAt: number;
  /** The job finishes at createdAt + durationMs (computed from timestamps, no timers). */
  durationMs: number;
  /** Decided when the job starts (a failed-job fault); applied when it finishes. */
  willFail?: string;
  reason?: string;
  finishedAt?: number;
  /** The caller's idempotency token (Alibaba Cloud CopyImage ClientToken): a copy sent again with it is this job. */
  clientToken?: string;
}

/**
 * A member change as Huawei Cloud IMS reports it: an asynchronous job (POST/PUT/DELETE
 * /v1/cloudimages/members answer a job_id). The change itself is applied when the request is
 * accepted; the job reports the outcome after `pollsLeft` more reads, as the dialect chose.
 */
export interface MemberJobRecord {
  id: string;
  /** IMS's job_type: imsBatchAddMembers, imsBatchDeleteMembers, imsBatchUpdateMembers. */
  type: string;
  profile: ProfileId;
  /** Who started it (jobs are read by the account that started them). */
  account: string;
  createdAt: number;
  /** Reads that still answer RUNNING. */
  pollsLeft: number;
  /** A refused change: the job ends FAIL with the cloud's code and reason. */
  failure?: { code: string; reason: string };
  /** Per image and project outcomes, as IMS reports them in entities.results[] (JobEntitiesResult). */
  results?: MemberJobResult[];
}

/** One member's outcome in a member-change job (IMS JobEntitiesResult: image_id, project_id, status). */
export interface MemberJobResult {
  imageId: string;
  projectId: string;
  status: string;
}

/** What a member-change job is started with. */
export interface MemberJobInput {
  type: string;
  pollsLeft: number;
  failure?: { code: string; reason: string };
  results?: MemberJobResult[];
}

/** Faults, part of the state so that every process using the store sees them. */
export interface FaultSettings {
  /** Seed of the PRNG that draws probabilistic faults. */
  seed?: number;
  /** Probability (0..1) that a call is throttled. */
  throttle?: number;
  /** Every Nth call is throttled. */
  throttleEvery?: number;
  /** Probability (0..1) that a call fails with a transient server error. */
  serverError?: number;
  serverErrorEvery?: number;
  /** Added to every call, in ms. */
  latencyMs?: number;
  /** HTTP layer only: probability / every Nth request whose connection is dropped without an answer. */
  drop?: number;
  dropEvery?: number;
  /** The next N copy jobs fail. */
  failJobs?: number;
  /** Probability (0..1) that a copy job fails. */
  failJobRate?: number;
  /** The reason a failed job reports. */
  failJobReason?: string;
  /** The next N member batches (add or remove) apply their first half, then fail with a transient error. */
  halfBatch?: number;
  /** Only these operations draw call faults (e.g. ["addMembers"]); default all. */
  operations?: string[];
}

export interface EmulatorSettings {
  /** How long a copy / replicate job runs. */
  copyDurationMs: number;
  /** Members per add / remove call, per profile (alicloud's API takes at most 10). */
  batchSize: Record<ProfileId, number>;
  /** Member limits raised above the profile's (a raised quota), per profile. */
  memberLimits?: Partial<Record<ProfileId, { member?: number; fullMember?: number }>>;
}

export interface EmulatorState {
  version: number;
  /** Counter for ids. */
  seq: number;
  accounts: Record<string, AccountRecord>;
  accessKeys: Record<string, AccessKeyRecord>;
  images: Record<string, ImageRecord>;
  jobs: Record<string, JobRecord>;
  /** Huawei Cloud IMS member-change jobs (the newest MAX_MEMBER_JOBS). */
  memberJobs: Record<string, MemberJobRecord>;
  /** Index: project id -> the account it belongs to (member checks and seeding never scan the accounts). */
  projectAccounts: Record<string, string>;
  /** Index: running job id -> when it finishes (ms since the epoch), so settling scans running jobs only. */
  runningJobs: Record<string, number>;
  /** Index: "profile/account/ClientToken" -> the copy job it started (a copy sent again finds it without a scan). */
  clientTokens: Record<string, string>;
  settings: EmulatorSettings;
  faults: FaultSettings;
  /** PRNG state and call counter for the faults. */
  faultState: { rng: number; calls: number };
}

/**
 * Members per add / remove call. alicloud: ModifyImageSharePermission "processes only the first
 * 10 account IDs; the excess account IDs are ignored" (API reference). tencentcloud: the
 * reference documents no maximum of AccountIds (only InvalidParameterValue.LimitExceeded); 100
 * as CVM's batch APIs take. huaweicloud / opentelekomcloud: none documented; the console takes
 * 100 projects at a time.
 */
export const DEFAULT_BATCH_SIZE: Record<ProfileId, number> = { huaweicloud: 100, opentelekomcloud: 100, alicloud: 10, tencentcloud: 100 };
export const DEFAULT_COPY_DURATION_MS = 500;

/**
 * The parts of the state that are maps of records by id. The store keeps and writes each record on
 * its own (a call costs what it touches, not the whole state); every other field of the state is
 * small and kept whole. A new map of records belongs here.
 */
export const STATE_COLLECTIONS = ["accounts", "accessKeys", "images", "jobs", "memberJobs", "projectAccounts", "runningJobs", "clientTokens"] as const;
export type StateCollection = (typeof STATE_COLLECTIONS)[number];

export function emptyState(): EmulatorState {
  return {
    version: STATE_VERSION,
    seq: 0,
    accounts: {},
    accessKeys: {},
    images: {},
    jobs: {},
    memberJobs: {},
    projectAccounts: {},
    runningJobs: {},
    clientTokens: {},
    settings: { copyDurationMs: DEFAULT_COPY_DURATION_MS, batchSize: { ...DEFAULT_BATCH_SIZE } },
    faults: {},
    faultState: { rng: 1, calls: 0 },
  };
}

/** Who calls: an account in a region, on huaweicloud / opentelekomcloud in one of its projects. */
export interface Identity {
  profile: ProfileId;
  region: string;
  account: string;
  project?: string;
}

// ---------------------------------------------------------------------------------------------
// Errors in the clouds' words.

type Codes = Record<ProfileId, string>;
const ims = (code: string, ali: string, tencent: string): Codes => ({ huaweicloud: code, opentelekomcloud: code, alicloud: ali, tencentcloud: tencent });

export const CODES = {
  imageNotFound: ims("IMG.0027", "InvalidImageId.NotFound", "InvalidImageId.NotFound"),
  // Alibaba Cloud answers "not found" for an image of another account (NOT_OWNER).
  notOwner: ims("IMG.0047", "InvalidImageId.NotFound", "UnauthorizedOperation.ImageNotBelongToAccount"),
  quota: ims("IMG.0088", "QuotaExceed.ShareImageUser", "OverQuota"),
  self: ims("IMG.0076", "InvalidAccount.Forbbiden", "FailedOperation.AccountIsYourSelf"),
  // IMS: emulator's choice (IMG.0010, "invalid member"), not found in the docs we could read.
  unknownMember: ims("IMG.0010", "InvalidAccount.NotFound", "InvalidAccountId.NotFound"),
  // IMS: emulator's choice; a project of another region is refused by the cloud as not found.
  memberRegion: ims("IMG.0010", "InvalidAccount.NotFound", "InvalidAccountId.NotFound"),
  replicateBeforeAccept: ims("IMG.0196", "InvalidImageId.NotFound", "InvalidImageId.NotFound"),
  deleteWhileShared: ims("IMG.0100", "ImageUseShared", "InvalidImageId.InShared"),
  copyOfShared: ims("IMG.0195", "InvalidImageId.NotFound", "UnauthorizedOperation.ImageNotBelongToAccount"),
  copySameRegion: ims("IMG.0001", "InvalidRegionId.Malformed", "InvalidParameterValue.InvalidRegion"),
  acceptanceUnsupported: ims("IMG.0001", "OperationDenied", "UnsupportedOperation"),
  notMember: ims("IMG.0047", "InvalidImageId.NotFound", "UnauthorizedOperation"),
  notMemberStatus: ims("IMG.0009", "InvalidParameter", "InvalidParameterValue"),
  sharedImmutable: ims("IMG.0001", "InvalidImageName.Duplicated", "InvalidImageId.InShared"),
  notReady: ims("IMG.0030", "IncorrectImageStatus", "InvalidImageId.IncorrectState"),
  invalid: ims("IMG.0001", "InvalidParameter", "InvalidParameterValue"),
  throttled: ims("IMG.0060", "Throttling.User", "RequestLimitExceeded"),
  serverError: ims("IMG.0999", "ServiceUnavailable", "InternalError"),
  unknownRegion: ims("IMG.0001", "InvalidRegionId.NotFound", "InvalidParameterValue.InvalidRegion"),
  // Open Telekom Cloud has no cross-region copy API: its gateway answers an unknown API with
  // APIGW.0101 ("The API does not exist", API request signing guide, error codes).
  noCrossRegionCopy: ims("APIGW.0101", "InvalidRegionId.NotFound", "InvalidParameterValue.InvalidRegion"),
  // Alibaba Cloud's common error for a ClientToken sent again with other parameters; the others take no token.
  idempotentMismatch: ims("IMG.0001", "IdempotentParameterMismatch", "InvalidParameterValue"),
  // Alibaba Cloud DeleteImage of an image a CopyImage is still making: 403 (cancel it with
  // CancelCopyImage instead). The others: emulator's choice (they delete it, see deleteImage).
  copyInProgress: ims("IMG.0030", "OperationDenied.ImageCopying", "InvalidImageId.IncorrectState"),
  // IMS: accepting a full-ECS image made from a CBR backup, or copying a full-ECS image to another
  // region, without vault_id (BatchUpdateMembers / CopyImageCrossRegion: "mandatory"); the code is
  // the emulator's choice (IMS's parameter error), the others have no vaults.
  vaultRequired: ims("IMG.0001", "InvalidParameter", "InvalidParameterValue"),
  // CancelCopyImage of an image that is no copy being made ("If the image has already been
  // copied, the operation fails"): the code is the emulator's choice, the reference names none.
  notCopying: ims("IMG.0030", "IncorrectImageStatus", "InvalidImageId.IncorrectState"),
} as const;

/** The kind of refusal a caller gets for an image of another account. */
const NOT_OWNER: Record<ProfileId, ImageServiceErrorKind> = { huaweicloud: "forbidden", opentelekomcloud: "forbidden", alicloud: "not-found", tencentcloud: "forbidden" };

function refuse(kind: ImageServiceErrorKind, profile: ProfileId, codes: Codes, message: string, rule?: RuleId): ImageServiceError {
  return new ImageServiceError(kind, message, { cloudCode: codes[profile], ...(rule ? { rule } : {}) });
}

// ---------------------------------------------------------------------------------------------
// Ids.

function nextSeq(state: EmulatorState): number {
  state.seq += 1;
  return state.seq;
}

/** A hex string derived from a counter (stable across runs of a test). */
function hexOf(n: number, salt: string, length: number): string {
  let out = "";
  let h = 2166136261 ^ n;
  for (let i = 0; out.length < length; i++) {
    for (const c of `${salt}:${n}:${i}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, length);
}

/** Image ids in the clouds' own formats (provider/topology/ids.ts checks them), from 32 hex digits. */
const IMAGE_ID: Record<ProfileId, (hex: string) => string> = {
  huaweicloud: uuidOf,
  opentelekomcloud: uuidOf,
  alicloud: (hex) => `m-${hex.slice(0, 20)}`,
  tencentcloud: (hex) => `img-${hex.slice(0, 8)}`,
};

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An image id in the cloud's own format. */
export function newImageId(state: EmulatorState, profile: ProfileId): string {
  for (;;) {
    const n = nextSeq(state);
    const hex = hexOf(n, "image", 32);
    const id = IMAGE_ID[profile](hex);
    if (!state.images[id]) return id;
  }
}

function newJobId(state: EmulatorState, profile: ProfileId): string {
  const n = nextSeq(state);
  const hex = hexOf(n, "job", 32);
  // IMS job ids are 32 hex digits; the others have no job objects of their own (the dialects
  // report copies on the new image), so any unique id serves.
  return PROFILES[profile].memberJobs ? hex : `job-${hex.slice(0, 16)}`;
}

// ---------------------------------------------------------------------------------------------
// Seeding.

export interface AccountInput {
  id: string;
  profile: ProfileId;
  site?: Site;
  projects?: { id: string; region: string }[] | Record<string, { id: string; region: string }>;
}

function checkProfile(profile: unknown, where: string): ProfileId {
  if (typeof profile !== "string" || !(PROFILE_IDS as readonly string[]).includes(profile)) {
    throw new ImageServiceError("invalid", `${where}: profile must be one of ${PROFILE_IDS.join(", ")}, got ${JSON.stringify(profile)}`);
  }
  return profile as ProfileId;
}

function checkText(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") throw new ImageServiceError("invalid", `${where} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** Adds an account, or merges its projects into the one already there. Returns whether anything changed. */
export function addAccount(state: EmulatorState, input: AccountInput): boolean {
  const id = checkText(input.id, "account id");
  const profile = checkProfile(input.profile, `account ${id}`);
  const projects = Array.isArray(input.projects) ? input.projects : Object.values(input.projects ?? {});
  for (const p of projects) {
    checkText(p?.id, `account ${id}: project id`);
    checkText(p?.region, `account ${id}: project ${p.id} region`);
  }
  for (const p of projects) {
    const holder = state.projectAccounts[p.id];
    if (holder !== undefined && holder !== id) throw new ImageServiceError("conflict", `project ${p.id} belongs to account ${holder} already`);
  }
  const existing = state.accounts[id];
  if (existing) {
    if (existing.profile !== profile) throw new ImageServiceError("conflict", `account ${id} exists already on ${existing.profile}, not ${profile}`);
    let changed = false;
    for (const p of projects) {
      const other = existing.projects.find((q) => q.id === p.id);
      if (other && other.region !== p.region) throw new ImageServiceError("conflict", `account ${id}: project ${p.id} is in ${other.region}, not ${p.region}`);
      if (!other) {
        existing.projects.push({ id: p.id, region: p.region });
        state.projectAccounts[p.id] = id;
        changed = true;
      }
    }
    if (input.site && existing.site !== input.site) {
      existing.site = input.site;
      changed = true;
    }
    return changed;
  }
  state.accounts[id] = { id, profile, ...(input.site ? { site: input.site } : {}), projects: projects.map((p) => ({ id: p.id, region: p.region })) };
  for (const p of projects) state.projectAccounts[p.id] = id;
  return true;
}

export function addAccessKey(state: EmulatorState, input: AccessKeyRecord): void {
  checkText(input.accessKeyId, "access key id");
  checkText(input.secret, `access key ${input.accessKeyId}: secret`);
  const account = state.accounts[checkText(input.account, `access key ${input.accessKeyId}: account`)];
  if (!account) throw new ImageServiceError("invalid", `access key ${input.accessKeyId}: no account ${input.account} (add the account first)`);
  if (input.project !== undefined && !account.projects.some((p) => p.id === input.project)) {
    throw new ImageServiceError("invalid", `access key ${input.accessKeyId}: account ${input.account} has no project ${input.project}`);
  }
  state.accessKeys[input.accessKeyId] = { accessKeyId: input.accessKeyId, secret: input.secret, account: input.account, ...(input.project ? { project: input.project } : {}) };
}

/** Removes an access key; returns whether it was there. */
export function removeAccessKey(state: EmulatorState, accessKeyId: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(state.accessKeys, accessKeyId)) return false;
  delete state.accessKeys[accessKeyId];
  return true;
}

export interface ImageInput {
  id?: string;
  profile?: ProfileId;
  region: string;
  owner: string;
  ownerProject?: string;
  kind: ImageKind;
  name: string;
  description?: string;
  status?: ImageStatus;
  sourceImageId?: string;
  backupId?: string;
}

/**
 * Adds an image (seeding: an image that exists in the cloud already). An image with the given
 * id already there is left as it is (idempotent seeding) and reported as not added.
 */
export function addImage(state: EmulatorState, input: ImageInput, now: number): { id: string; added: boolean } {
  const owner = state.accounts[checkText(input.owner, "image owner")];
  if (!owner) throw new ImageServiceError("invalid", `image ${input.id ?? input.name}: no account ${input.owner} (add the account first)`);
  const profile = input.profile ? checkProfile(input.profile, `image ${input.id ?? input.name}`) : owner.profile;
  if (profile !== owner.profile) throw new ImageServiceError("invalid", `image ${input.id ?? input.name}: owner ${owner.id} is a ${owner.profile} account, not ${profile}`);
  const region = checkText(input.region, `image ${input.id ?? input.name}: region`);
  if (!["system", "data", "full"].includes(input.kind)) throw new ImageServiceError("invalid", `image ${input.id ?? input.name}: kind must be system, data or full, got ${JSON.stringify(input.kind)}`);
  let ownerProject = input.ownerProject;
  if (usesProjects(profile)) {
    if (ownerProject === undefined) {
      const inRegion = owner.projects.filter((p) => p.region === region);
      if (inRegion.length === 1) ownerProject = inRegion[0].id;
      else if (inRegion.length > 1) throw new ImageServiceError("invalid", `image ${input.id ?? input.name}: owner ${owner.id} has several projects in ${region}; name ownerProject`);
    } else {
      const project = owner.projects.find((p) => p.id === ownerProject);
      if (!project) throw new ImageServiceError("invalid", `image ${input.id ?? input.name}: owner ${owner.id} has no project ${ownerProject}`);
      if (project.region !== region) throw new ImageServiceError("invalid", `image ${input.id ?? input.name}: project ${ownerProject} is in ${project.region}, not ${region}`);
    }
  }
  if (input.id !== undefined) {
    checkText(input.id, "image id");
    const existing = state.images[input.id];
    if (existing) {
      if (existing.owner !== owner.id || existing.region !== region) {
        throw new ImageServiceError("conflict", `image ${input.id} exists already (owner ${existing.owner}, region ${existing.region})`);
      }
      return { id: input.id, added: false };
    }
  }
  const id = input.id ?? newImageId(state, profile);
  state.images[id] = {
    id,
    profile,
    region,
    owner: owner.id,
    ...(ownerProject ? { ownerProject } : {}),
    kind: input.kind,
    name: checkText(input.name, `image ${id}: name`),
    ...(input.description !== undefined ? { description: input.description } : {}),
    status: input.status ?? "available",
    ...(input.sourceImageId ? { sourceImageId: input.sourceImageId } : {}),
    ...(input.backupId ? { backupId: checkText(input.backupId, `image ${id}: backupId`) } : {}),
    createdAt: now,
    members: [],
  };
  return { id, added: true };
}

// ---------------------------------------------------------------------------------------------
// Rules.

export { usesProjects };

export function hasAcceptance(profile: ProfileId): boolean {
  return PROFILES[profile].acceptance;
}

/** The member limit in force for an image. */
export function memberLimitOf(state: EmulatorState, image: ImageRecord): number {
  const raised = state.settings.memberLimits?.[image.profile];
  const override = image.kind === "full" ? raised?.fullMember : raised?.member;
  const limit = override ?? PROFILES[image.profile].memberLimit[image.kind];
  return limit === "unknown" ? Number.POSITIVE_INFINITY : limit;
}

function ownedBy(image: ImageRecord, who: Identity): boolean {
  if (image.owner !== who.account) return false;
  // IMS keeps a private image in one project: another project of the account does not own it.
  return !usesProjects(image.profile) || image.ownerProject === undefined || who.project === undefined || image.ownerProject === who.project;
}

function memberOf(image: ImageRecord, who: Identity): MemberRecord | undefined {
  return image.members.find((m) => (m.type === "account" && m.id === who.account) || (m.type === "project" && who.project !== undefined && m.id === who.project));
}

/** Settles every job whose time is up: the image becomes available, or failed with the reason. */
export function settleJobs(state: EmulatorState, now: number): void {
  for (const [id, finishesAt] of Object.entries(state.runningJobs)) {
    if (now < finishesAt) continue;
    delete state.runningJobs[id];
    const job = state.jobs[id];
    if (!job || job.status !== "running") continue;
    job.finishedAt = job.createdAt + job.durationMs;
    const image = state.images[job.imageId];
    if (job.willFail !== undefined) {
      job.status = "failed";
      job.reason = job.willFail;
      if (image) {
        image.status = "failed";
        image.reason = job.willFail;
      }
    } else {
      job.status = "succeeded";
      if (image) image.status = "available";
    }
  }
}

function findImage(state: EmulatorState, who: Identity, imageId: string): ImageRecord {
  const image = state.images[imageId];
  if (!image || image.profile !== who.profile || image.region !== who.region || (!ownedBy(image, who) && !memberOf(image, who))) {
    throw refuse("not-found", who.profile, CODES.imageNotFound, `image ${imageId} not found in ${who.region} for ${who.account}${who.project ? ` (project ${who.project})` : ""}`);
  }
  return image;
}

/**
 * The image as the caller may see it: owned, or shared with the caller; for a shared image on a
 * cloud with an acceptance step, the caller's own member status (what the member reads of its membership).
 */
export function visibleImage(state: EmulatorState, who: Identity, imageId: string): { image: ImageRecord; sharedWithCaller: boolean; callerMemberStatus?: MemberStatus } {
  const image = findImage(state, who, imageId);
  if (ownedBy(image, who)) return { image, sharedWithCaller: false };
  const status = PROFILES[image.profile].acceptance ? memberOf(image, who)?.status : undefined;
  return { image, sharedWithCaller: true, ...(status !== undefined ? { callerMemberStatus: status } : {}) };
}

/** Every image of the caller's profile and region that it owns or that is shared with it (a region's listing: DescribeImages without ids). */
export function listImages(state: EmulatorState, who: Identity): { image: ImageRecord; sharedWithCaller: boolean }[] {
  return Object.values(state.images)
    .filter((image) => image.profile === who.profile && image.region === who.region && (ownedBy(image, who) || memberOf(image, who) !== undefined))
    .map((image) => ({ image, sharedWithCaller: !ownedBy(image, who) }));
}

/** The images of the caller's profile and region that it owns, named exactly `name`. */
export function ownedImagesNamed(state: EmulatorState, who: Identity, name: string): ImageRecord[] {
  return Object.values(state.images).filter((image) => image.profile === who.profile && image.region === who.region && image.name === name && ownedBy(image, who));
}

/**
 * One member of an image, read by the image's owner or by that member itself (Glance / IMS
 * GET .../members/{member_id}: a member reads its own membership to see its status).
 */
export function getMember(state: EmulatorState, who: Identity, imageId: string, memberId: string): MemberRecord {
  const image = findImage(state, who, imageId);
  const member = image.members.find((m) => m.id === memberId);
  const mine = member !== undefined && ((member.type === "account" && member.id === who.account) || (member.type === "project" && member.id === who.project));
  if (!member || (!ownedBy(image, who) && !mine)) throw refuse("not-found", who.profile, CODES.notMember, `image ${imageId} has no member ${memberId} that ${who.account}${who.project ? ` (project ${who.project})` : ""} can read`);
  return member;
}

/** An image the caller owns; a shared image or an unknown one is refused in the cloud's words. */
export function ownedImage(state: EmulatorState, who: Identity, imageId: string, action: string): ImageRecord {
  const image = findImage(state, who, imageId);
  if (!ownedBy(image, who)) {
    throw refuse(NOT_OWNER[who.profile], who.profile, CODES.notOwner, `${action}: image ${imageId} is owned by ${image.owner}, not by ${who.account}: only the owner can ${action}`, "reshare-forbidden");
  }
  return image;
}

/** Who a member target is, checked against the image (self-share, unknown, region). */
function checkMemberTarget(state: EmulatorState, who: Identity, image: ImageRecord, target: MemberTarget): void {
  const p = who.profile;
  if (!target || typeof target.id !== "string" || target.id === "" || (target.type !== "account" && target.type !== "project")) {
    throw refuse("invalid", p, CODES.invalid, `member ${JSON.stringify(target)}: a member is {type: "account" | "project", id}`);
  }
  const shareTarget = PROFILES[p].shareTarget;
  if (shareTarget === "account" && target.type !== "account") throw refuse("invalid", p, CODES.invalid, `${p} shares with accounts, not projects (member ${target.id})`);
  if (shareTarget === "project" && target.type !== "project") throw refuse("invalid", p, CODES.invalid, `${p} shares with projects, not accounts (member ${target.id}): name the account's project in ${image.region}`);
  if (target.type === "account") {
    if (target.id === image.owner) throw refuse("invalid", p, CODES.self, `image ${image.id} cannot be shared with its owner ${image.owner}`, "self-share");
    const account = state.accounts[target.id];
    if (!account || account.profile !== p) throw refuse("not-found", p, CODES.unknownMember, `member account ${target.id} does not exist on ${p}`);
    checkSite(state, image, account);
    return;
  }
  if (target.id === image.ownerProject) throw refuse("invalid", p, CODES.self, `image ${image.id} cannot be shared with the project ${target.id} that holds it`, "self-share");
  const holder = state.projectAccounts[target.id];
  const account = holder === undefined ? undefined : state.accounts[holder];
  if (!account || account.profile !== p) throw refuse("not-found", p, CODES.unknownMember, `member project ${target.id} does not exist on ${p}`);
  checkSite(state, image, account);
  const project = account.projects.find((q) => q.id === target.id)!;
  if (project.region !== image.region) {
    throw refuse("invalid", p, CODES.memberRegion, `member project ${target.id} is in ${project.region}, image ${image.id} in ${image.region}: a member project must be in the image's region (copy the image there first)`, "cross-region-share");
  }
}

/**
 * huaweicloud: an account of the other site (China / international) cannot receive an image of a
 * region its site does not have (seed 001: CN North-Beijing4 exists on the China site only).
 */
function checkSite(state: EmulatorState, image: ImageRecord, member: AccountRecord): void {
  const sites = PROFILES[image.profile].sites;
  if (!sites) return;
  const ownerSite = state.accounts[image.owner]?.site;
  if (!ownerSite || !member.site || ownerSite === member.site) return;
  if (regionOnSite(sites, image.region, member.site) === false) {
    throw refuse(
      "not-found",
      image.profile,
      CODES.unknownMember,
      `member account ${member.id} is on the ${member.site} site, which has no region ${image.region}: images of ${image.region} cannot be shared with it`,
      "cross-site-share",
    );
  }
}

const sameMember = (a: MemberTarget, b: MemberTarget) => a.type === b.type && a.id === b.id;
const memberKey = (m: MemberTarget) => `${m.type}:${m.id}`;

/** Members present and to add, deduplicated. */
function dedupe(targets: MemberTarget[]): MemberTarget[] {
  const seen = new Set<string>();
  const out: MemberTarget[] = [];
  for (const t of targets) {
    const key = memberKey(t);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type: t.type, id: t.id });
  }
  return out;
}

/**
 * One add call: every target checked first (a refused target refuses the call, nothing
 * applied), then the limit over the whole call, then applied. Members already there are
 * success. `apply` limits how many of the new members are applied (a half-applied batch fault).
 */
export function addMembers(state: EmulatorState, who: Identity, imageId: string, targets: MemberTarget[], now: number, apply?: number): { added: MemberTarget[] } {
  const image = ownedImage(state, who, imageId, "share");
  if (image.status !== "available") throw refuse("conflict", who.profile, CODES.notReady, `image ${imageId} is ${image.status}: it can be shared once available`);
  const wanted = dedupe(targets);
  for (const t of wanted) checkMemberTarget(state, who, image, t);
  const present = new Set(image.members.map(memberKey));
  const fresh = wanted.filter((t) => !present.has(memberKey(t)));
  const limit = memberLimitOf(state, image);
  if (image.members.length + fresh.length > limit) {
    throw refuse(
      "quota-exceeded",
      who.profile,
      CODES.quota,
      `image ${imageId} (${image.kind}) has ${image.members.length} members; adding ${fresh.length} would exceed the limit of ${limit} members on ${who.profile}`,
      "member-limit",
    );
  }
  const applied = fresh.slice(0, apply ?? fresh.length);
  const status: MemberStatus = hasAcceptance(who.profile) ? "pending" : "accepted";
  for (const t of applied) image.members.push({ type: t.type, id: t.id, status, createdAt: now });
  return { added: applied };
}

/** One remove call; members already gone are success. */
export function removeMembers(state: EmulatorState, who: Identity, imageId: string, targets: MemberTarget[], apply?: number): { removed: MemberTarget[] } {
  const image = ownedImage(state, who, imageId, "cancel a share");
  const members = new Set(image.members.map(memberKey));
  const present = dedupe(targets).filter((t) => members.has(memberKey(t)));
  const removed = present.slice(0, apply ?? present.length);
  const gone = new Set(removed.map(memberKey));
  image.members = image.members.filter((m) => !gone.has(memberKey(m)));
  return { removed };
}

export function listMembers(state: EmulatorState, who: Identity, imageId: string): Member[] {
  return memberRecords(state, who, imageId).map((m) => ({ type: m.type, id: m.id, status: m.status }));
}

/** The members with when each was added (owner only), as the dialects show them (SharedTime, created_at). */
export function memberRecords(state: EmulatorState, who: Identity, imageId: string): MemberRecord[] {
  return ownedImage(state, who, imageId, "list members").members.map((m) => ({ ...m }));
}

/**
 * The member itself accepts or rejects (huaweicloud, opentelekomcloud); rejected can be accepted
 * again. Accepting a full-ECS image made from a CBR backup takes the CBR vault (`vaultId`) that
 * is to hold the backup: BatchUpdateMembers vault_id, "mandatory" for such an image.
 */
export function setMemberStatus(state: EmulatorState, who: Identity, imageId: string, target: MemberTarget, status: "accepted" | "rejected", options: { vaultId?: string } = {}): void {
  const p = who.profile;
  if (!hasAcceptance(p)) throw refuse("invalid", p, CODES.acceptanceUnsupported, `${p} has no acceptance step: members of a shared image can use it at once`, "acceptance-unsupported");
  if (status !== "accepted" && status !== "rejected") throw refuse("invalid", p, CODES.notMemberStatus, `member status must be accepted or rejected, got ${JSON.stringify(status)}`);
  const image = state.images[imageId];
  const isCaller = (target.type === "account" && target.id === who.account) || (target.type === "project" && target.id === who.project);
  if (!image || image.profile !== p || image.region !== who.region) throw refuse("not-found", p, CODES.imageNotFound, `image ${imageId} not found in ${who.region}`);
  const member = image.members.find((m) => sameMember(m, target));
  if (!member) {
    if (ownedBy(image, who) || isCaller) throw refuse("not-found", p, CODES.notMember, `image ${imageId} is not shared with ${target.type} ${target.id}`, "acceptance-without-share");
    throw refuse("not-found", p, CODES.imageNotFound, `image ${imageId} not found in ${who.region}`);
  }
  if (!isCaller) throw refuse("forbidden", p, CODES.notMember, `only the member ${target.type} ${target.id} can accept or reject image ${imageId}, not ${who.account}${who.project ? ` (project ${who.project})` : ""}`);
  if (status === "accepted" && image.kind === "full" && image.backupId !== undefined && !options.vaultId) {
    throw refuse("invalid", p, CODES.vaultRequired, `image ${imageId} is a full-ECS image made from CBR backup ${image.backupId}: accepting it needs vault_id, the CBR vault that is to hold the backup`);
  }
  member.status = status;
}

export interface CopyInput {
  imageId: string;
  region: string;
  name?: string;
  description?: string;
  /** An idempotency token: the same copy sent again with it returns the first job. */
  clientToken?: string;
  /** huaweicloud: the CBR vault in the destination region (CopyImageCrossRegion vault_id, "mandatory" for a full-ECS image). */
  vaultId?: string;
}

/**
 * Starts a copy job: the new image is "creating" until the job's time is up. A failed-job fault
 * is drawn once the copy is accepted (a refused copy consumes none).
 */
export function copyImage(state: EmulatorState, who: Identity, input: CopyInput, now: number): JobRecord {
  const p = who.profile;
  const tokenKey = input.clientToken !== undefined ? clientTokenKey(p, who.account, input.clientToken) : undefined;
  if (tokenKey !== undefined) {
    const earlierId = state.clientTokens[tokenKey];
    const earlier = earlierId === undefined ? undefined : state.jobs[earlierId];
    if (earlier) {
      if (earlier.sourceImageId !== input.imageId || earlier.region !== input.region) {
        throw refuse("conflict", p, CODES.idempotentMismatch, `the ClientToken ${input.clientToken} was used already for a copy of ${earlier.sourceImageId} to ${earlier.region}`);
      }
      return earlier;
    }
  }
  const { image, sharedWithCaller } = visibleImage(state, who, input.imageId);
  const region = checkText(input.region, "copy destination region");
  const sameRegion = region === image.region;
  if (image.status !== "available") throw refuse("conflict", p, CODES.notReady, `image ${image.id} is ${image.status}: it can be copied once available`);
  // Where the cloud copies (the profile's copy facts and their sources, as the rules read them):
  // Open Telekom Cloud IMS only within a region, for any image (gophertelekomcloud openstack/ims
  // has only CopyImageInRegion); Tencent Cloud's SyncImages a custom image only to other regions,
  // a shared one only into its source region as the caller's own (API reference 213/15711);
  // Alibaba Cloud CopyImage a shared image only within its region (@alicloud/ecs20140526 client remarks).
  const copy = PROFILES[p].copy;
  switch (copyRefusal(p, sharedWithCaller, sameRegion)) {
    case "cross-region-copy-unsupported":
      throw refuse("not-found", p, CODES.noCrossRegionCopy, `${PROFILES[p].title} has no cross-region copy: image ${image.id} can be replicated within ${image.region} only`, "cross-region-copy-unsupported");
    case "copy-same-region":
      throw refuse("invalid", p, CODES.copySameRegion, `${PROFILES[p].cloud} copies a custom image to other regions only; ${region} is the image's own region`, "copy-same-region");
    case "copy-of-shared-image": {
      const how = copy.viaPrivateReplica
        ? `replicate it to a private image in ${image.region} first, then copy that one`
        : `${PROFILES[p].cloud} copies a shared image only within its region ${image.region}; copy it there first, then copy that image to ${region}`;
      throw refuse("forbidden", p, CODES.copyOfShared, `image ${image.id} is shared with ${who.account}: ${how}`, "copy-of-shared-image");
    }
  }
  if (copy.crossRegionFullNeedsVault && !sameRegion && image.kind === "full" && !input.vaultId) {
    throw refuse("invalid", p, CODES.vaultRequired, `image ${image.id} is a full-ECS image: a cross-region copy needs vault_id, the CBR vault in ${region} that is to hold its backup`);
  }
  if (PROFILES[p].acceptance && sharedWithCaller) {
    const member = memberOf(image, who)!;
    if (member.status !== "accepted") {
      throw refuse("forbidden", p, CODES.replicateBeforeAccept, `image ${image.id} is shared with ${member.type} ${member.id} but not accepted (${member.status}): accept it before replicating`, "copy-requires-acceptance");
    }
  }
  let project: string | undefined;
  if (usesProjects(p)) {
    const account = state.accounts[who.account];
    const inRegion = account?.projects.filter((q) => q.region === region) ?? [];
    const current = inRegion.find((q) => q.id === who.project);
    project = current?.id ?? (inRegion.length === 1 ? inRegion[0].id : undefined);
    if (!project) throw refuse("invalid", p, CODES.unknownRegion, `account ${who.account} has ${inRegion.length === 0 ? "no project" : "several projects"} in ${region}: cannot place the copy`);
  }
  const failReason = takeJobFailure(state, p);
  const id = newImageId(state, p);
  state.images[id] = {
    id,
    profile: p,
    region,
    owner: who.account,
    ...(project ? { ownerProject: project } : {}),
    kind: image.kind,
    name: input.name ?? image.name,
    ...(input.description ?? image.description ? { description: input.description ?? image.description } : {}),
    status: "creating",
    sourceImageId: image.id,
    createdAt: now,
    members: [],
  };
  const job: JobRecord = {
    id: newJobId(state, p),
    kind: sameRegion ? "replicate" : "copy",
    profile: p,
    account: who.account,
    ...(who.project ? { project: who.project } : {}),
    region,
    sourceImageId: image.id,
    imageId: id,
    status: "running",
    createdAt: now,
    durationMs: state.settings.copyDurationMs,
    ...(failReason !== undefined ? { willFail: failReason } : {}),
    ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}),
  };
  state.jobs[job.id] = job;
  state.runningJobs[job.id] = job.createdAt + job.durationMs;
  if (tokenKey !== undefined) state.clientTokens[tokenKey] = job.id;
  settleJobs(state, now);
  return job;
}

const clientTokenKey = (profile: ProfileId, account: string, token: string) => `${profile}/${account}/${token}`;

export function getJob(state: EmulatorState, who: Identity, jobId: string): JobRecord {
  const job = state.jobs[jobId];
  if (!job || job.profile !== who.profile || job.account !== who.account) {
    throw refuse("not-found", who.profile, CODES.imageNotFound, `job ${jobId} not found for ${who.account}`);
  }
  return job;
}

/** How far the job making this image is (0..100), for an image still being created by a copy. */
export function imageProgress(state: EmulatorState, image: ImageRecord, now: number): number | undefined {
  const job = copyMaking(state, image);
  return job ? jobProgress(job, now) : undefined;
}

/** Member-change jobs kept; older ones are forgotten (a read of one answers not found). */
export const MAX_MEMBER_JOBS = 1000;

/** Records a member-change job (the change is applied already) and returns it. */
export function startMemberJob(state: EmulatorState, who: Identity, input: MemberJobInput, now: number): MemberJobRecord {
  const job: MemberJobRecord = {
    id: newJobId(state, who.profile),
    type: input.type,
    profile: who.profile,
    account: who.account,
    createdAt: now,
    pollsLeft: Math.max(0, Math.floor(input.pollsLeft)),
    ...(input.failure ? { failure: { code: input.failure.code, reason: input.failure.reason } } : {}),
    ...(input.results ? { results: input.results.map((r) => ({ imageId: r.imageId, projectId: r.projectId, status: r.status })) } : {}),
  };
  state.memberJobs[job.id] = job;
  const ids = Object.keys(state.memberJobs);
  for (const old of ids.slice(0, Math.max(0, ids.length - MAX_MEMBER_JOBS))) delete state.memberJobs[old];
  return job;
}

/** One read of a member-change job: RUNNING while polls are left, then its outcome. Undefined for a job that is not the caller's member job. */
export function pollMemberJob(state: EmulatorState, who: Identity, jobId: string): { job: MemberJobRecord; status: "running" | "succeeded" | "failed" } | undefined {
  const job = Object.prototype.hasOwnProperty.call(state.memberJobs, jobId) ? state.memberJobs[jobId] : undefined;
  if (!job || job.profile !== who.profile || job.account !== who.account) return undefined;
  if (job.pollsLeft > 0) {
    job.pollsLeft -= 1;
    return { job, status: "running" };
  }
  return { job, status: job.failure ? "failed" : "succeeded" };
}

/** 0..100 from the timestamps. */
export function jobProgress(job: JobRecord, now: number): number {
  if (job.status !== "running") return job.status === "succeeded" ? 100 : Math.min(99, Math.floor(((job.finishedAt ?? now) - job.createdAt) / Math.max(1, job.durationMs) * 100));
  return Math.min(99, Math.max(0, Math.floor(((now - job.createdAt) / Math.max(1, job.durationMs)) * 100)));
}

/** The running job making this image (a copy or replicate not finished yet), if any: one of the running jobs, never a scan of all. */
function copyMaking(state: EmulatorState, image: ImageRecord): JobRecord | undefined {
  if (image.status !== "creating") return undefined;
  for (const id of Object.keys(state.runningJobs)) {
    const job = state.jobs[id];
    if (job?.imageId === image.id && job.status === "running") return job;
  }
  return undefined;
}

/** Whether the image is a copy (or replicate) still being made (seeded ones too, which have no job). */
function beingCopied(image: ImageRecord): boolean {
  return image.status === "creating" && image.sourceImageId !== undefined;
}

/** Whether this owned image is a copy still being made (the caller then cancels it rather than deletes it). */
export function isCopyInProgress(state: EmulatorState, who: Identity, imageId: string): boolean {
  const image = state.images[imageId];
  return image !== undefined && ownedBy(image, who) && image.profile === who.profile && image.region === who.region && beingCopied(image);
}

/**
 * Cancels a copy still being made (Alibaba Cloud CancelCopyImage, called in the destination
 * region): "the image that is being created in the destination region is automatically
 * deleted"; a finished copy is refused. The job ends failed, reason "cancelled".
 */
export function cancelCopy(state: EmulatorState, who: Identity, imageId: string, now: number): void {
  const image = ownedImage(state, who, imageId, "cancel the copy of");
  if (!beingCopied(image)) throw refuse("conflict", who.profile, CODES.notCopying, `image ${imageId} is ${image.status}, not a copy being made: there is no copy to cancel`);
  const job = copyMaking(state, image);
  if (job) {
    job.status = "failed";
    job.reason = "cancelled: the copy was cancelled and its image deleted";
    job.finishedAt = now;
    delete state.runningJobs[job.id];
  }
  delete state.images[imageId];
}

export function deleteImage(state: EmulatorState, who: Identity, imageId: string): void {
  const image = ownedImage(state, who, imageId, "delete");
  // CopyImage: "During the image copy process, you cannot directly delete (DeleteImage) the image
  // being copied. However, you can cancel the copy task (CancelCopyImage)" (API reference).
  if (PROFILES[who.profile].deleteCopying === "refused" && beingCopied(image)) {
    throw refuse("conflict", who.profile, CODES.copyInProgress, `image ${imageId} is still being copied: cancel the copy (CancelCopyImage) instead of deleting it`);
  }
  if (PROFILES[who.profile].deleteShared === "refused" && image.members.length > 0) {
    const names = image.members.slice(0, 5).map((m) => m.id).join(", ");
    throw refuse(
      "conflict",
      who.profile,
      CODES.deleteWhileShared,
      `image ${imageId} is shared with ${image.members.length} account(s) (${names}${image.members.length > 5 ? ", ..." : ""}): cancel the shares before deleting it`,
      "delete-while-shared",
    );
  }
  delete state.images[imageId];
}

/** Renames or re-describes an image (owner only); Tencent Cloud refuses while it is shared. */
export function modifyImage(state: EmulatorState, who: Identity, imageId: string, change: { name?: string; description?: string }): ImageRecord {
  const image = ownedImage(state, who, imageId, "modify");
  const changes = (change.name !== undefined && change.name !== image.name) || (change.description !== undefined && change.description !== image.description);
  if (changes && PROFILES[who.profile].renameShared === "refused" && image.members.length > 0) {
    throw refuse("conflict", who.profile, CODES.sharedImmutable, `image ${imageId} is shared: Tencent Cloud does not change a shared image's name or description; cancel the shares first`, "shared-image-immutable");
  }
  if (change.name !== undefined) image.name = checkText(change.name, "image name");
  if (change.description !== undefined) image.description = change.description;
  return image;
}

// ---------------------------------------------------------------------------------------------
// Faults.

/** mulberry32: a small, seedable PRNG; its state is a 32-bit integer kept in the store. */
export function nextRandom(state: EmulatorState): number {
  let t = (state.faultState.rng = (state.faultState.rng + 0x6d2b79f5) | 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export function setFaults(state: EmulatorState, faults: FaultSettings): void {
  for (const key of ["throttle", "serverError", "drop", "failJobRate"] as const) {
    const v = faults[key];
    if (v !== undefined && !(typeof v === "number" && v >= 0 && v <= 1)) throw new ImageServiceError("invalid", `fault ${key} is a probability between 0 and 1, got ${JSON.stringify(v)}`);
  }
  for (const key of ["throttleEvery", "serverErrorEvery", "dropEvery", "latencyMs", "failJobs", "halfBatch"] as const) {
    const v = faults[key];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0)) throw new ImageServiceError("invalid", `fault ${key} is a whole number of 0 or more, got ${JSON.stringify(v)}`);
  }
  const clean: FaultSettings = {};
  for (const [k, v] of Object.entries(faults)) if (v !== undefined) (clean as Record<string, unknown>)[k] = v;
  state.faults = clean;
  state.faultState = { rng: (faults.seed ?? 1) | 0, calls: 0 };
}

export function clearFaults(state: EmulatorState): void {
  state.faults = {};
  state.faultState = { rng: 1, calls: 0 };
}

/** What a call meets: a refusal in the cloud's shape, a dropped connection (HTTP only), and the latency to add. */
export interface CallFault {
  kind?: "throttle" | "server-error" | "drop";
  latencyMs: number;
}

/** Draws the faults for one call of `operation` (counts the call; advances the PRNG). */
export function drawCallFault(state: EmulatorState, operation: string, options: { drop?: boolean } = {}): CallFault {
  const f = state.faults;
  const latencyMs = f.latencyMs ?? 0;
  // No fault that counts calls or draws: leave the state untouched (a read stays a read).
  if (f.throttle === undefined && f.throttleEvery === undefined && f.serverError === undefined && f.serverErrorEvery === undefined && f.drop === undefined && f.dropEvery === undefined) {
    return { latencyMs };
  }
  if (f.operations && !f.operations.includes(operation)) return { latencyMs };
  const n = ++state.faultState.calls;
  const hit = (p: number | undefined, every: number | undefined) => {
    const byEvery = every !== undefined && every > 0 && n % every === 0;
    const byChance = p !== undefined && p > 0 && nextRandom(state) < p;
    return byEvery || byChance;
  };
  if (options.drop && hit(f.drop, f.dropEvery)) return { kind: "drop", latencyMs };
  if (hit(f.throttle, f.throttleEvery)) return { kind: "throttle", latencyMs };
  if (hit(f.serverError, f.serverErrorEvery)) return { kind: "server-error", latencyMs };
  return { latencyMs };
}

export function faultError(profile: ProfileId, kind: "throttle" | "server-error", operation: string): ImageServiceError {
  return kind === "throttle"
    ? refuse("throttled", profile, CODES.throttled, `${operation}: request throttled (flow control), injected by the emulator`)
    : refuse("transient", profile, CODES.serverError, `${operation}: service temporarily unavailable, injected by the emulator`);
}

/** Whether this member batch is half-applied (consumes one halfBatch fault). */
export function takeHalfBatch(state: EmulatorState): boolean {
  if ((state.faults.halfBatch ?? 0) <= 0) return false;
  state.faults.halfBatch! -= 1;
  return true;
}

/** The failure reason for a copy job starting now, if a fault makes it fail. */
/** An injected copy failure in the cloud's words. */
const COPY_FAILURE: Record<ProfileId, string> = {
  huaweicloud: "IMG.0024: Failed to copy the image: the backing snapshot could not be replicated (injected by the emulator)",
  opentelekomcloud: "IMG.0024: Failed to copy the image: the backing snapshot could not be replicated (injected by the emulator)",
  alicloud: "CreateFailed: the image copy failed because the snapshot copy failed (injected by the emulator)",
  tencentcloud: "CREATEFAILED: image synchronization failed (injected by the emulator)",
};

export function takeJobFailure(state: EmulatorState, profile: ProfileId): string | undefined {
  const f = state.faults;
  let fails = false;
  if ((f.failJobs ?? 0) > 0) {
    f.failJobs! -= 1;
    fails = true;
  } else if (f.failJobRate !== undefined && f.failJobRate > 0 && nextRandom(state) < f.failJobRate) fails = true;
  if (!fails) return undefined;
  if (f.failJobReason) return f.failJobReason;
  return COPY_FAILURE[profile];
}

// ---------------------------------------------------------------------------------------------
// States read from disk.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown) => typeof v === "string" && v !== "";

/** What is wrong with a record of `collection` read from disk (so that a foreign or damaged file is refused, never half used), or undefined. */
export function recordProblem(collection: StateCollection, value: unknown): string | undefined {
  if (collection === "projectAccounts") return isText(value) ? undefined : "an account id (a string)";
  if (collection === "runningJobs") return typeof value === "number" && Number.isFinite(value) ? undefined : "a time (a number)";
  if (collection === "clientTokens") return isText(value) ? undefined : "a job id (a string)";
  if (!isObject(value)) return "an object";
  const missing = (fields: string[]) => fields.find((f) => !isText(value[f]));
  switch (collection) {
    case "accounts": {
      const f = missing(["id", "profile"]);
      if (f) return `an account with ${f}`;
      if (!Array.isArray(value.projects) || !value.projects.every((p) => isObject(p) && isText(p.id) && isText(p.region))) return "an account with projects [{id, region}]";
      return undefined;
    }
    case "accessKeys": {
      const f = missing(["accessKeyId", "secret", "account"]);
      return f ? `an access key with ${f}` : undefined;
    }
    case "images": {
      const f = missing(["id", "profile", "region", "owner", "kind", "name", "status"]);
      if (f) return `an image with ${f}`;
      if (!Array.isArray(value.members) || !value.members.every((m) => isObject(m) && isText(m.type) && isText(m.id) && isText(m.status))) return "an image with members [{type, id, status}]";
      return undefined;
    }
    case "jobs": {
      const f = missing(["id", "kind", "profile", "account", "region", "sourceImageId", "imageId", "status"]);
      if (f) return `a job with ${f}`;
      return typeof value.createdAt === "number" && typeof value.durationMs === "number" ? undefined : "a job with createdAt and durationMs";
    }
    case "memberJobs": {
      const f = missing(["id", "type", "profile", "account"]);
      if (f) return `a member job with ${f}`;
      return typeof value.pollsLeft === "number" ? undefined : "a member job with pollsLeft";
    }
  }
}

/** The fields of a state that are not collections, with defaults for what an older state lacks; a message for what is wrong. */
export function checkFields(value: Record<string, unknown>, where: string): Record<string, unknown> {
  if (typeof value.version !== "number") throw new Error(`${where} is not an image-share emulator state (no version)`);
  if (value.version > STATE_VERSION) throw new Error(`${where} has emulator state version ${value.version}; this image-share reads version ${STATE_VERSION} or older (upgrade image-share)`);
  for (const key of ["settings", "faults", "faultState"]) {
    if (value[key] !== undefined && !isObject(value[key])) throw new Error(`${where} is not an image-share emulator state (${key} is not an object)`);
  }
  const base = emptyState();
  const settings = (value.settings ?? {}) as Partial<EmulatorSettings>;
  const batchSize = isObject(settings.batchSize) ? settings.batchSize : {};
  return {
    ...value,
    version: STATE_VERSION,
    seq: typeof value.seq === "number" ? value.seq : 0,
    settings: { ...base.settings, ...settings, batchSize: { ...base.settings.batchSize, ...batchSize } },
    faults: value.faults ?? {},
    faultState: value.faultState ?? base.faultState,
  };
}

/** Builds the indexes of a state whose records were written without them (version 1). */
export function deriveIndexes(state: EmulatorState): void {
  state.projectAccounts = {};
  for (const account of Object.values(state.accounts)) for (const p of account.projects) state.projectAccounts[p.id] = account.id;
  state.runningJobs = {};
  state.clientTokens = {};
  for (const job of Object.values(state.jobs)) {
    if (job.status === "running") state.runningJobs[job.id] = job.createdAt + job.durationMs;
    if (job.clientToken !== undefined) state.clientTokens[clientTokenKey(job.profile, job.account, job.clientToken)] = job.id;
  }
}

/** Checks a whole state read from disk (the version-1 file format) and fills in what an older one lacks. */
export function checkState(value: unknown, where: string): EmulatorState {
  if (!isObject(value) || typeof value.version !== "number" || !isObject(value.images) || !isObject(value.accounts)) {
    throw new Error(`${where} is not an image-share emulator state (expected a JSON object with version, accounts, images)`);
  }
  const state = checkFields(value, where) as unknown as EmulatorState;
  for (const collection of STATE_COLLECTIONS) {
    const records = value[collection] ?? {};
    if (!isObject(records)) throw new Error(`${where} is not an image-share emulator state (${collection} is not an object)`);
    for (const [id, record] of Object.entries(records)) {
      const problem = recordProblem(collection, record);
      if (problem) throw new Error(`${where} is not an image-share emulator state (${collection}.${id} is not ${problem})`);
    }
    (state as unknown as Record<string, unknown>)[collection] = records;
  }
  if (value.version < 2) deriveIndexes(state);
  return state;
}
