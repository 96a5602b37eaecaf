import { randomUUID } from "node:crypto";
import Ecs = require("@alicloud/ecs20140526");
import OpenApi = require("@alicloud/openapi-core");
import Dara = require("@darabonba/typescript");
import type { ImageKind } from "../../rules/model";
import { ImageServiceError, isImageServiceError } from "../errors";
import { chunk, mapConcurrent, RateLimits, withRetry } from "../retry";
import type {
  BatchResult,
  CopyRequest,
  ImageInfo,
  ImageService,
  ImageStatus,
  Job,
  KnownMembers,
  Member,
  MemberTarget,
  Page,
  PageRequest,
} from "../types";
import { type AlibabaCloudOptions, MAX_PAGE_SIZE, type ResolvedAlibabaCloudOptions, resolveOptions } from "./config";
import { toImageServiceError } from "./errors";

const API_VERSION = "2014-05-26";

/**
 * Every image status DescribeImages knows. DescribeImages returns only `Available` images unless
 * `Status` names others (API reference, DescribeImages: "Default value: Available"), so a copy
 * still `Creating`, or one that ended `CreateFailed`, is invisible without it. The comma list
 * works on every API revision; the newer `ALL` value does not on older ones.
 */
export const ALL_IMAGE_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated";

/** One image as DescribeImages returns it (the fields this backend reads). */
export interface AlibabaImage {
  ImageId: string;
  ImageName?: string;
  Description?: string;
  Status?: string;
  /** "NN%" (or "NN") while creating. */
  Progress?: string;
  /** system | self | others | marketplace. */
  ImageOwnerAlias?: string;
  /** Read as text: account ids may exceed 2^53. */
  ImageOwnerId?: string;
  IsCopied?: boolean;
  DiskDeviceMappings?: { DiskDeviceMapping?: { Type?: string }[] };
}

type EcsClient = InstanceType<typeof Ecs.default>;

/** A copy's job id names the destination region and the new image: `copy:<region>:<image id>`. */
export function copyJobId(region: string, imageId: string): string {
  return `copy:${region}:${imageId}`;
}

function parseCopyJobId(jobId: string): { region: string; imageId: string } {
  const match = /^copy:([a-z0-9-]+):(\S+)$/.exec(jobId);
  if (!match) throw new ImageServiceError("invalid", `alicloud: "${jobId}" is not a job id of this backend (expected copy:<region>:<image id>)`);
  return { region: match[1], imageId: match[2] };
}

/**
 * Alibaba Cloud tells disks apart in an image's DiskDeviceMappings (Type `system` / `data`). A
 * custom image made from a whole instance carries its data disks too: that is the full-machine
 * image; one with only a system disk is a system-disk image.
 */
export function imageKind(image: AlibabaImage): ImageKind {
  const types = (image.DiskDeviceMappings?.DiskDeviceMapping ?? []).map((m) => (m.Type ?? "").toLowerCase());
  const hasSystem = types.includes("system");
  const hasData = types.includes("data");
  if (hasSystem && hasData) return "full";
  if (hasData) return "data";
  return "system";
}

export function imageStatus(status: string | undefined): ImageStatus {
  switch (status) {
    case "Creating":
    case "Waiting":
      return "creating";
    case "CreateFailed":
    case "UnAvailable":
      return "failed";
    default:
      // Available, and Deprecated (still usable by its owner).
      return "available";
  }
}

function parseProgress(progress: string | undefined): number | undefined {
  if (progress === undefined) return undefined;
  const n = Number.parseInt(progress, 10);
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : undefined;
}

/** Quotes ImageOwnerId numbers before JSON.parse, so an 18-digit account id keeps every digit. */
function parseKeepingIds(text: string): unknown {
  return JSON.parse(text.replace(/"ImageOwnerId"\s*:\s*(\d+)/g, '"ImageOwnerId":"$1"'));
}

/**
 * ImageService on Alibaba Cloud ECS (API version 2014-05-26) through the official SDK
 * `@alicloud/ecs20140526`: DescribeImages, DescribeImageSharePermission,
 * ModifyImageSharePermission, CopyImage, DeleteImage. Acts as one account in one region.
 */
export class AlibabaCloudImageService implements ImageService {
  readonly profile = "alicloud" as const;
  readonly region: string;
  private readonly options: ResolvedAlibabaCloudOptions;
  private readonly clients = new Map<string, EcsClient>();
  /** The documented rates (profile table: none published for ECS's image APIs), shared by every instance of this key. */
  private readonly rates: RateLimits;

  constructor(options: AlibabaCloudOptions = {}) {
    this.options = resolveOptions(options);
    this.region = this.options.region;
    this.rates = new RateLimits(this.options.rates, `alicloud ${this.options.endpoint ?? ""} ${this.options.accessKeyId}`);
  }

  /** With an endpoint override every region goes to it; otherwise the SDK picks the region's endpoint. */
  private client(region: string = this.region): EcsClient {
    const key = this.options.endpoint ?? region;
    let client = this.clients.get(key);
    if (!client) {
      const o = this.options;
      client = new Ecs.default(
        new OpenApi.$OpenApiUtil.Config({
          accessKeyId: o.accessKeyId,
          accessKeySecret: o.accessKeySecret,
          securityToken: o.securityToken,
          regionId: region,
          endpoint: o.endpoint,
          protocol: o.protocol,
          readTimeout: o.readTimeoutMs,
          connectTimeout: o.connectTimeoutMs,
          // Unset means ACS3-HMAC-SHA256; "v2" selects the RPC HMAC-SHA1 signature.
          signatureAlgorithm: o.signatureAlgorithm === "v2" ? "v2" : undefined,
        }),
      );
      this.clients.set(key, client);
    }
    return client;
  }

  /** One API call: SDK errors become ImageServiceErrors; throttled and transient ones are retried; every attempt waits for the API's documented rate. */
  private call<T>(action: string, attempt: () => Promise<T>, region: string = this.region): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await attempt();
        } catch (e) {
          throw toImageServiceError(e, action);
        }
      },
      { ...this.options.retry, limiter: this.rates.of(action, region) },
    );
  }

  /**
   * DescribeImages through the SDK's transport and signing, with the body parsed here: the SDK's
   * model types ImageOwnerId as a JavaScript number, which loses digits of large account ids.
   */
  private async describeImages(region: string, query: Record<string, string | number>): Promise<{ images: AlibabaImage[]; totalCount: number }> {
    const body = await this.call("DescribeImages", async () => {
      const client = this.client(region);
      const params = new OpenApi.$OpenApiUtil.Params({
        action: "DescribeImages",
        version: API_VERSION,
        protocol: "HTTPS",
        pathname: "/",
        method: "POST",
        authType: "AK",
        style: "RPC",
        reqBodyType: "formData",
        bodyType: "string",
      });
      const request = new OpenApi.$OpenApiUtil.OpenApiRequest({ query: OpenApi.OpenApiUtil.query({ RegionId: region, ...query }) });
      const response = (await client.callApi(params, request, new Dara.RuntimeOptions({}))) as { body?: unknown };
      return parseKeepingIds(String(response.body ?? "")) as { TotalCount?: number; Images?: { Image?: AlibabaImage[] } };
    }, region);
    return { images: body.Images?.Image ?? [], totalCount: body.TotalCount ?? 0 };
  }

  private async findImage(region: string, imageId: string): Promise<AlibabaImage | undefined> {
    const { images } = await this.describeImages(region, { ImageId: imageId, Status: ALL_IMAGE_STATUSES, PageSize: 10 });
    return images.find((i) => i.ImageId === imageId);
  }

  private toImageInfo(image: AlibabaImage, region: string): ImageInfo {
    const shared = image.ImageOwnerAlias === "others";
    const owner = shared ? image.ImageOwnerId : (image.ImageOwnerId ?? this.options.accountId);
    return {
      id: image.ImageId,
      region,
      owner: owner ?? "",
      kind: imageKind(image),
      name: image.ImageName ?? "",
      ...(image.Description ? { description: image.Description } : {}),
      status: imageStatus(image.Status),
      sharedWithCaller: shared,
    };
  }

  /**
   * DescribeImages (API reference doc 25534; @alicloud/ecs20140526 DescribeImagesRequest):
   * `ImageName` ("Fuzzy search is supported": only the exact name is kept), `ImageOwnerAlias`
   * self (the caller's custom images), `Status` every status (a copy in progress is Creating or
   * Waiting, and the default is Available only), read `PageNumber` 1, 2, ... of `PageSize`
   * (at most 100) until `TotalCount` images are read.
   */
  async findOwnedImages(name: string): Promise<ImageInfo[]> {
    requireId("image name", name);
    const pageSize = this.options.pageSize;
    // By id: an image that moves between pages while they are read is listed once.
    const found = new Map<string, ImageInfo>();
    for (let pageNumber = 1; ; pageNumber++) {
      const page = await this.describeImages(this.region, { ImageName: name, ImageOwnerAlias: "self", Status: ALL_IMAGE_STATUSES, PageNumber: pageNumber, PageSize: pageSize });
      for (const image of page.images) {
        if (image.ImageName === name && (image.ImageOwnerAlias ?? "self") === "self") found.set(image.ImageId, this.toImageInfo(image, this.region));
      }
      if (page.images.length === 0 || pageNumber * pageSize >= page.totalCount) return [...found.values()];
    }
  }

  async getImage(imageId: string): Promise<ImageInfo> {
    requireId("image id", imageId);
    const image = await this.findImage(this.region, imageId);
    if (!image) {
      throw new ImageServiceError("not-found", `alicloud: image ${imageId} does not exist in region ${this.region}, or is not visible to this account`, {
        cloudCode: "InvalidImageId.NotFound",
      });
    }
    return this.toImageInfo(image, this.region);
  }

  async listMembers(imageId: string, page: PageRequest = {}): Promise<Page<Member>> {
    requireId("image id", imageId);
    const pageNumber = page.pageToken === undefined ? 1 : Number(page.pageToken);
    if (!Number.isInteger(pageNumber) || pageNumber < 1) {
      throw new ImageServiceError("invalid", `alicloud: page token "${page.pageToken}" is not one this backend issued`);
    }
    // The API's PageSize maximum is 100 (DescribeImageSharePermission reference).
    const pageSize = Math.max(1, Math.min(page.pageSize ?? this.options.pageSize, MAX_PAGE_SIZE));
    const response = await this.call("DescribeImageSharePermission", () =>
      this.client().describeImageSharePermission(
        new Ecs.DescribeImageSharePermissionRequest({ regionId: this.region, imageId, pageNumber, pageSize }),
      ),
    ).catch((e: unknown) => this.explainNotOwned(imageId, e, "list the members of"));
    const body = response.body;
    const accounts = body?.accounts?.account ?? [];
    const items: Member[] = accounts
      .map((a) => a.aliyunId)
      .filter((id): id is string => typeof id === "string" && id !== "")
      // No acceptance step on Alibaba Cloud: a member can use the image at once.
      .map((id) => ({ type: "account", id, status: "accepted" }));
    const total = body?.totalCount ?? 0;
    const more = items.length > 0 && pageNumber * pageSize < total;
    return { items, nextPageToken: more ? String(pageNumber + 1) : undefined };
  }

  /** Every member account id, reading pages of the API's largest size. */
  private async memberIds(imageId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.listMembers(imageId, { pageToken: token, pageSize: this.options.pageSize });
      for (const m of page.items) ids.add(m.id);
      token = page.nextPageToken;
    } while (token);
    return ids;
  }

  async addMembers(imageId: string, members: MemberTarget[], known?: KnownMembers): Promise<BatchResult> {
    return this.changeMembers(imageId, members, "add", known);
  }

  async removeMembers(imageId: string, members: MemberTarget[], known?: KnownMembers): Promise<BatchResult> {
    return this.changeMembers(imageId, members, "remove", known);
  }

  /**
   * Reads the members once (or takes the caller's `known` reading), sends only the accounts that need a change (a member already present,
   * or already gone, needs no call), in batches of at most 10: ModifyImageSharePermission
   * "processes only the first 10 account IDs. The excess account IDs are ignored" (API reference,
   * AddAccount.N / RemoveAccount.N), without an error. Then re-reads the members to verify.
   */
  private async changeMembers(imageId: string, members: MemberTarget[], change: "add" | "remove", known?: KnownMembers): Promise<BatchResult> {
    requireId("image id", imageId);
    const wanted = accountIds(members);
    if (wanted.length === 0) return { calls: 0 };
    const before = known ? new Set(known.present.filter((m) => m.type === "account").map((m) => m.id)) : await this.memberIds(imageId);
    const todo = wanted.filter((id) => (change === "add" ? !before.has(id) : before.has(id)));
    const batches = chunk(todo, this.options.batchSize);
    await mapConcurrent(batches, this.rates.concurrency("ModifyImageSharePermission", this.options.concurrency), (batch) => this.modify(imageId, batch, change));
    if (this.options.verify && batches.length > 0) {
      const after = await this.memberIds(imageId);
      const missed = todo.filter((id) => (change === "add" ? !after.has(id) : after.has(id)));
      if (missed.length > 0) {
        throw new ImageServiceError(
          "conflict",
          `alicloud ModifyImageSharePermission: the cloud answered success but did not ${change} ${missed.length} account(s) ` +
            `on image ${imageId}: ${missed.slice(0, 10).join(", ")}${missed.length > 10 ? ", ..." : ""}. ` +
            `Another writer may be changing the same image; run again.`,
        );
      }
    }
    return { calls: batches.length };
  }

  private async modify(imageId: string, batch: string[], change: "add" | "remove"): Promise<void> {
    const request = new Ecs.ModifyImageSharePermissionRequest({
      regionId: this.region,
      imageId,
      addAccount: change === "add" ? batch : undefined,
      removeAccount: change === "remove" ? batch : undefined,
    });
    try {
      await this.call("ModifyImageSharePermission", () => this.client().modifyImageSharePermission(request));
    } catch (e) {
      await this.explainNotOwned(imageId, e, change === "add" ? "share" : "stop sharing");
    }
  }

  /**
   * The API says InvalidImageId.NotFound both for an image that does not exist and for one that
   * another account shared with the caller ("does not exist in this account"). The second is a
   * re-share: say so, with its rule. Always throws.
   */
  private async explainNotOwned(imageId: string, error: unknown, what: string): Promise<never> {
    if (isImageServiceError(error, "not-found") && error.cloudCode === "InvalidImageId.NotFound") {
      const image = await this.findImage(this.region, imageId).catch(() => undefined);
      if (image && image.ImageOwnerAlias === "others") {
        throw new ImageServiceError(
          "forbidden",
          `alicloud: cannot ${what} image ${imageId}: it is owned by account ${image.ImageOwnerId ?? "(unknown)"} and shared with this one; ` +
            `only the owner can share an image (rule reshare-forbidden)`,
          { cloudCode: error.cloudCode, rule: "reshare-forbidden", httpStatus: error.details.httpStatus, requestId: error.details.requestId },
        );
      }
    }
    throw error;
  }

  async setMemberStatus(imageId: string, member: MemberTarget, status: "accepted" | "rejected"): Promise<void> {
    throw new ImageServiceError(
      "invalid",
      `alicloud: cannot set ${member.type} ${member.id} to ${status} on image ${imageId}: Alibaba Cloud has no acceptance step, ` +
        `a shared image is usable by its member at once; remove the acceptance (rule acceptance-unsupported)`,
      { rule: "acceptance-unsupported" },
    );
  }

  async copyImage(request: CopyRequest): Promise<Job> {
    requireId("image id", request.imageId);
    if (!/^[a-z0-9-]+$/.test(request.region)) {
      throw new ImageServiceError("invalid", `alicloud: destination region "${request.region}" is not an Alibaba Cloud region id`);
    }
    // ClientToken makes a retried CopyImage (after a lost answer) return the first copy, not a second one.
    const clientToken = randomUUID();
    const response = await this.call("CopyImage", () =>
      this.client().copyImage(
        new Ecs.CopyImageRequest({
          regionId: this.region,
          imageId: request.imageId,
          destinationRegionId: request.region,
          destinationImageName: request.name,
          destinationDescription: request.description,
          clientToken,
        }),
      ),
    ).catch((e: unknown) => this.explainCopyRefusal(request, e));
    const newId = response.body?.imageId;
    if (!newId) throw new ImageServiceError("transient", `alicloud CopyImage: the answer carried no ImageId (request ${response.body?.requestId ?? "?"})`);
    // The new image exists at once, Creating until the copy ends: the job is its status.
    return { id: copyJobId(request.region, newId), status: "running", imageId: newId, progress: 0 };
  }

  /**
   * CopyImage: "If the image is shared with you by another account, you can copy it only within
   * the same region" (API reference). The refusal's code does not say so: name the rule when that
   * is the cause. Always throws.
   */
  private async explainCopyRefusal(request: CopyRequest, error: unknown): Promise<never> {
    if (request.region !== this.region && isImageServiceError(error) && !error.retryable && error.kind !== "auth") {
      const image = await this.findImage(this.region, request.imageId).catch(() => undefined);
      if (image && image.ImageOwnerAlias === "others") {
        throw new ImageServiceError(
          "forbidden",
          `alicloud: cannot copy image ${request.imageId} to ${request.region}: it is shared with this account by ${image.ImageOwnerId ?? "another account"}, and Alibaba Cloud copies a shared image only within its region (${this.region}); copy it within ${this.region} first (your own image), then copy that one to ${request.region} (rule copy-of-shared-image)`,
          { cloudCode: error.cloudCode, rule: "copy-of-shared-image", httpStatus: error.details.httpStatus, requestId: error.details.requestId },
        );
      }
    }
    throw error;
  }

  async getJob(jobId: string): Promise<Job> {
    const { region, imageId } = parseCopyJobId(jobId);
    const image = await this.findImage(region, imageId);
    if (!image) {
      return {
        id: jobId,
        status: "failed",
        imageId,
        reason: `the copy ${imageId} no longer exists in ${region}: the copy was cancelled, or the image deleted`,
      };
    }
    const status = imageStatus(image.Status);
    if (status === "available") return { id: jobId, status: "succeeded", imageId, progress: 100 };
    if (status === "failed") {
      return { id: jobId, status: "failed", imageId, reason: `the copy ${imageId} in ${region} ended with image status ${image.Status}`, progress: parseProgress(image.Progress) };
    }
    return { id: jobId, status: "running", imageId, progress: parseProgress(image.Progress) };
  }

  /**
   * Deletes an image; a copy still being made is cancelled instead. CopyImage: "During the image
   * copy process, you cannot directly delete (DeleteImage) the image being copied. However, you can
   * cancel the copy task (CancelCopyImage) to delete the image being copied"; CancelCopyImage: "the
   * image that is being created in the destination region is automatically deleted" (API
   * reference, doc 25538 / 25539; @alicloud/ecs20140526 client remarks). So the image is read
   * first: Creating or Waiting means CancelCopyImage in its (the destination) region.
   */
  async deleteImage(imageId: string): Promise<void> {
    requireId("image id", imageId);
    const image = await this.findImage(this.region, imageId);
    // DeleteImage ignores an image that does not exist, so a retry after a lost answer is harmless.
    if (!image) return;
    if (imageStatus(image.Status) === "creating") {
      await this.call("CancelCopyImage", () => this.client().cancelCopyImage(new Ecs.CancelCopyImageRequest({ regionId: this.region, imageId })));
      return;
    }
    await this.call("DeleteImage", () => this.client().deleteImage(new Ecs.DeleteImageRequest({ regionId: this.region, imageId })));
  }
}

function requireId(what: string, value: string): void {
  if (typeof value !== "string" || value.trim() === "") throw new ImageServiceError("invalid", `alicloud: ${what} is empty`);
}

/** Alibaba Cloud shares with accounts only; duplicates collapse. */
function accountIds(members: MemberTarget[]): string[] {
  const ids = new Set<string>();
  members.forEach((m, i) => {
    if (m.type !== "account") {
      throw new ImageServiceError("invalid", `alicloud: members[${i}] is a ${m.type}; Alibaba Cloud shares images with accounts only`);
    }
    requireId(`members[${i}].id`, m.id);
    ids.add(m.id.trim());
  });
  return [...ids];
}

/** Builds the Alibaba Cloud backend from options and the usual environment variables. */
export function createAlibabaCloudImageService(options: AlibabaCloudOptions = {}): AlibabaCloudImageService {
  return new AlibabaCloudImageService(options);
}
