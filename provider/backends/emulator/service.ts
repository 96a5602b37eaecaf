import { ImageServiceError } from "../errors";
import { sleep } from "../retry";
import type { BatchResult, CopyRequest, ImageInfo, ImageService, Job, Member, MemberStatusOptions, MemberTarget, Page, PageRequest } from "../types";
import type { ProfileId } from "../../rules/model";
import * as model from "./model";
import type { Identity, JobRecord } from "./model";
import type { Store } from "./store";

export interface EmulatorServiceOptions {
  /**
   * Draw the call faults (throttling, server errors, latency) per call. The in-process backend
   * does; the HTTP dialects draw them once per request with `Emulator.takeFault` instead and
   * use services without (so a request never meets two draws).
   */
  callFaults?: boolean;
  /** Members per add / remove call; default the state's setting for the profile. */
  batchSize?: number;
  /** Clock, for tests. */
  now?: () => number;
  /**
   * deleteImage of a copy still being made cancels the copy, as the alicloud backend does
   * (CancelCopyImage: Alibaba Cloud refuses DeleteImage then). The in-process backend sets it; the
   * HTTP dialects leave it unset and answer DeleteImage with the cloud's refusal.
   */
  cancelCopyOnDelete?: boolean;
}

/** alicloud's DescribeImageSharePermission pages at most 100; the others list at most 1000 here. */
const MAX_PAGE_SIZE: Record<ProfileId, number> = { huaweicloud: 1000, opentelekomcloud: 1000, alicloud: 100, tencentcloud: 1000 };
const DEFAULT_PAGE_SIZE = 100;

type Outcome<T> = { ok: true; value: T; latencyMs: number } | { ok: false; error: unknown; latencyMs: number };

/**
 * ImageService on the emulator's state, acting as one identity. It does not retry: an injected
 * fault surfaces as the ImageServiceError the cloud would give (throttled / transient), as a
 * real cloud's raw API would.
 */
export class EmulatorImageService implements ImageService {
  readonly profile: ProfileId;
  readonly region: string;
  readonly identity: Identity;
  private readonly callFaults: boolean;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    identity: Identity,
    private readonly options: EmulatorServiceOptions = {},
  ) {
    // A project means nothing on alicloud / tencentcloud; ignore it rather than mis-match members.
    if (!model.usesProjects(identity.profile)) identity = { ...identity, project: undefined };
    this.identity = { profile: identity.profile, region: identity.region, account: identity.account, ...(identity.project ? { project: identity.project } : {}) };
    this.profile = identity.profile;
    this.region = identity.region;
    this.callFaults = options.callFaults ?? true;
    this.now = options.now ?? Date.now;
  }

  /**
   * One API call: a transaction that settles due jobs, draws the call's faults and runs `op`.
   * The state is saved whatever happens (fault counters and a half-applied batch must persist);
   * refusals are thrown after the transaction, model refusals never change state before they throw.
   */
  private async call<T>(operation: string, op: (state: model.EmulatorState, now: number) => T): Promise<T> {
    const outcome = this.store.transact((state): Outcome<T> => {
      const now = this.now();
      model.settleJobs(state, now);
      let latencyMs = 0;
      if (this.callFaults) {
        const fault = model.drawCallFault(state, operation);
        latencyMs = fault.latencyMs;
        if (fault.kind === "throttle" || fault.kind === "server-error") return { ok: false, error: model.faultError(this.profile, fault.kind, operation), latencyMs };
      }
      try {
        return { ok: true, value: op(state, now), latencyMs };
      } catch (error) {
        return { ok: false, error, latencyMs };
      }
    }, { optimistic: true });
    if (outcome.latencyMs > 0) await sleep(outcome.latencyMs);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async getImage(imageId: string): Promise<ImageInfo> {
    return this.call("getImage", (state, now) => {
      const { image, sharedWithCaller, callerMemberStatus } = model.visibleImage(state, this.identity, imageId);
      const info = toImageInfo(image, sharedWithCaller, model.imageProgress(state, image, now));
      return callerMemberStatus !== undefined ? { ...info, callerMemberStatus } : info;
    });
  }

  async findOwnedImages(name: string): Promise<ImageInfo[]> {
    // As the real backends: an empty name is a caller's mistake (the clouds' fuzzy name filters would match every image).
    if (typeof name !== "string" || name.trim() === "") throw new ImageServiceError("invalid", "findOwnedImages: the image name is empty", { cloudCode: model.CODES.invalid[this.profile] });
    return this.call("findOwnedImages", (state, now) => model.ownedImagesNamed(state, this.identity, name).map((image) => toImageInfo(image, false, model.imageProgress(state, image, now))));
  }

  async listMembers(imageId: string, page: PageRequest = {}): Promise<Page<Member>> {
    const max = MAX_PAGE_SIZE[this.profile];
    const size = page.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size < 1) throw new ImageServiceError("invalid", `pageSize must be a whole number of 1 or more, got ${size}`, { cloudCode: model.CODES.invalid[this.profile] });
    const offset = page.pageToken === undefined || page.pageToken === "" ? 0 : decodeToken(page.pageToken, this.profile);
    return this.call("listMembers", (state) => {
      const all = model.listMembers(state, this.identity, imageId);
      const take = Math.min(size, max);
      const items = all.slice(offset, offset + take);
      const next = offset + take;
      return next < all.length ? { items, nextPageToken: encodeToken(next) } : { items };
    });
  }

  /**
   * One call per batch of `members`; each call's batch size is the state's setting for the
   * profile (or the service's), read in the call itself.
   */
  private async batches(operation: string, members: MemberTarget[], op: (state: model.EmulatorState, batch: MemberTarget[], now: number) => void): Promise<BatchResult> {
    let calls = 0;
    for (let offset = 0; offset < members.length; calls++) {
      const start = offset;
      offset += await this.call(operation, (state, now) => {
        const size = this.options.batchSize ?? state.settings.batchSize[this.profile];
        if (!(size >= 1)) throw new RangeError(`batch size must be at least 1, got ${size}`);
        op(state, members.slice(start, start + size), now);
        return size;
      });
    }
    return { calls };
  }

  async addMembers(imageId: string, members: MemberTarget[]): Promise<BatchResult> {
    return this.batches("addMembers", members, (state, batch, now) => {
      const half = model.takeHalfBatch(state);
      // Half-applied batch: the first half lands, then the call fails as a server error would.
      model.addMembers(state, this.identity, imageId, batch, now, half ? Math.floor(batch.length / 2) : undefined);
      if (half) throw model.faultError(this.profile, "server-error", "addMembers (batch half applied)");
    });
  }

  async removeMembers(imageId: string, members: MemberTarget[]): Promise<BatchResult> {
    return this.batches("removeMembers", members, (state, batch) => {
      const half = model.takeHalfBatch(state);
      model.removeMembers(state, this.identity, imageId, batch, half ? Math.floor(batch.length / 2) : undefined);
      if (half) throw model.faultError(this.profile, "server-error", "removeMembers (batch half applied)");
    });
  }

  async setMemberStatus(imageId: string, member: MemberTarget, status: "accepted" | "rejected", options: MemberStatusOptions = {}): Promise<void> {
    await this.call("setMemberStatus", (state) => model.setMemberStatus(state, this.identity, imageId, member, status, options));
  }

  async copyImage(request: CopyRequest): Promise<Job> {
    return this.call("copyImage", (state, now) => {
      const job = model.copyImage(state, this.identity, request, now);
      return toJob(job, now);
    });
  }

  async getJob(jobId: string): Promise<Job> {
    return this.call("getJob", (state, now) => toJob(model.getJob(state, this.identity, jobId), now));
  }

  async deleteImage(imageId: string): Promise<void> {
    await this.call("deleteImage", (state, now) => {
      if (this.options.cancelCopyOnDelete && model.isCopyInProgress(state, this.identity, imageId)) model.cancelCopy(state, this.identity, imageId, now);
      else model.deleteImage(state, this.identity, imageId);
    });
  }

  // Beyond ImageService: what the HTTP dialects serve besides the interface's calls.

  /** Every image of the caller's region that it owns or that is shared with it (DescribeImages without ids). */
  async listImages(): Promise<(ImageInfo & { createdAt: number })[]> {
    return this.call("listImages", (state, now) =>
      model.listImages(state, this.identity).map(({ image, sharedWithCaller }) => ({ ...toImageInfo(image, sharedWithCaller, model.imageProgress(state, image, now)), createdAt: image.createdAt })),
    );
  }

  /** Every member with when it was added (owner only; the dialects page it as their cloud does). */
  async memberRecords(imageId: string): Promise<(Member & { createdAt: number })[]> {
    return this.call("listMembers", (state) => model.memberRecords(state, this.identity, imageId).map((m) => ({ type: m.type, id: m.id, status: m.status, createdAt: m.createdAt })));
  }

  /** One member of an image, read by the owner or by that member (Huawei GET .../members/{member_id}). */
  async getMember(imageId: string, memberId: string): Promise<Member & { createdAt: number }> {
    return this.call("getMember", (state) => {
      const m = model.getMember(state, this.identity, imageId, memberId);
      return { type: m.type, id: m.id, status: m.status, createdAt: m.createdAt };
    });
  }

  /** Cancels a copy still being made; its image is deleted (Alibaba Cloud CancelCopyImage). */
  async cancelCopy(imageId: string): Promise<void> {
    await this.call("cancelCopy", (state, now) => model.cancelCopy(state, this.identity, imageId, now));
  }

  /** Renames or re-describes an image (not in ImageService: the dialects serve it; Tencent Cloud refuses it while shared). */
  async modifyImage(imageId: string, change: { name?: string; description?: string }): Promise<ImageInfo> {
    return this.call("modifyImage", (state) => toImageInfo(model.modifyImage(state, this.identity, imageId, change), false));
  }
}

export function toImageInfo(image: model.ImageRecord, sharedWithCaller: boolean, progress?: number): ImageInfo {
  return {
    id: image.id,
    region: image.region,
    owner: image.owner,
    ...(image.ownerProject ? { ownerProject: image.ownerProject } : {}),
    kind: image.kind,
    name: image.name,
    ...(image.description !== undefined ? { description: image.description } : {}),
    status: image.status,
    sharedWithCaller,
    ...(image.sourceImageId ? { sourceImageId: image.sourceImageId } : {}),
    ...(image.backupId ? { backupId: image.backupId } : {}),
    ...(progress !== undefined ? { progress } : {}),
  };
}

export function toJob(job: JobRecord, now: number): Job {
  return {
    id: job.id,
    status: job.status,
    imageId: job.imageId,
    ...(job.reason !== undefined ? { reason: job.reason } : {}),
    progress: model.jobProgress(job, now),
  };
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function decodeToken(token: string, profile: ProfileId): number {
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString());
  if (!m) throw new ImageServiceError("invalid", `pageToken ${JSON.stringify(token)} is not one this backend gave`, { cloudCode: model.CODES.invalid[profile] });
  return Number(m[1]);
}
