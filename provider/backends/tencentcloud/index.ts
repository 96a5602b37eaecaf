import http = require("node:http");
import cvmSdk = require("tencentcloud-sdk-nodejs-cvm");
import type { Client as CvmClient } from "tencentcloud-sdk-nodejs-cvm/tencentcloud/services/cvm/v20170312/cvm_client";
import type { Image as CvmImage } from "tencentcloud-sdk-nodejs-cvm/tencentcloud/services/cvm/v20170312/cvm_models";
import { ImageServiceError } from "../errors";
import { chunk, mapConcurrent, RateLimits, withRetry, type RetryOptions } from "../retry";
import type {
  BatchResult,
  CopyRequest,
  ImageInfo,
  ImageService,
  ImageStatus,
  Job,
  Member,
  MemberTarget,
  Page,
  PageRequest,
} from "../types";
import type { ImageKind } from "../../rules/model";
import { resolveTencentCloudOptions, type ResolvedTencentCloudOptions, type TencentCloudOptions } from "./config";
import { tencentCode, toImageServiceError } from "./errors";

export type { TencentCloudOptions } from "./config";
export { resolveTencentCloudOptions, parseEndpoint, DEFAULT_BATCH_SIZE, DEFAULT_ENDPOINT } from "./config";
export { toImageServiceError } from "./errors";

/** Creates the Tencent Cloud CVM backend (credentials and region from options or the environment). */
export function createTencentCloudImageService(options: TencentCloudOptions = {}): TencentCloudImageService {
  return new TencentCloudImageService(options);
}

/** Counts API requests made for one operation (retries included: each is a request). */
interface Counter {
  calls: number;
}

/** DescribeImages' largest `Limit` (API reference 213/15715: "默认为20，最大值为100"). */
const DESCRIBE_IMAGES_LIMIT = 100;

/** Image states of DescribeImages (API reference, data type Image.ImageState). */
const RUNNING_STATES = new Set(["CREATING", "SYNCING", "IMPORTING"]);

/**
 * The Tencent Cloud CVM backend, on the official `tencentcloud-sdk-nodejs-cvm` (API 2017-03-12).
 *
 * Tencent shares an image with accounts (root account ids); there is no acceptance step, so every
 * member is "accepted". Copies (SyncImages): an owned image to other regions only, an image shared
 * with the caller only into its source region (where it becomes the caller's own).
 */
export class TencentCloudImageService implements ImageService {
  readonly profile = "tencentcloud" as const;
  readonly region: string;
  private readonly options: ResolvedTencentCloudOptions;
  private readonly clients = new Map<string, CvmClient>();
  private readonly agent?: http.Agent;
  /** The documented rates (profile table), shared by every instance of this key and endpoint. */
  private readonly rates: RateLimits;

  constructor(options: TencentCloudOptions = {}) {
    this.options = resolveTencentCloudOptions(options);
    this.region = this.options.region;
    this.rates = new RateLimits(this.options.rates, `tencentcloud ${this.options.host} ${this.options.secretId}`);
    // Plain-HTTP endpoints are the emulator on loopback: an explicit agent keeps an http_proxy
    // in the environment (which the SDK's fetch honours) from intercepting them.
    if (this.options.protocol === "http://") this.agent = new http.Agent({ keepAlive: false });
  }

  // ---- reading ----

  async findOwnedImages(name: string): Promise<ImageInfo[]> {
    if (typeof name !== "string" || name.trim() === "") throw new ImageServiceError("invalid", "Tencent Cloud: cannot look for images by name: the name is empty (image-name filters fuzzily, so an empty one would match every image).");
    const images = await this.describeOwnedNamed(this.region, name, `looking for the images named ${name} in ${this.region}`, { calls: 0 });
    return images.map((i) => this.toImageInfo(i));
  }

  async getImage(imageId: string): Promise<ImageInfo> {
    const image = await this.describeImage(this.region, imageId, { calls: 0 });
    if (!image) {
      throw new ImageServiceError(
        "not-found",
        `Tencent Cloud CVM has no image ${imageId} in ${this.region} that this account owns or has been shared: check the id and the region (images are regional).`,
        { cloudCode: "InvalidImageId.NotFound" },
      );
    }
    return this.toImageInfo(image);
  }

  /**
   * DescribeImageSharePermission returns every member in one answer (the API has no paging
   * parameters); pages are cut from it here, the token being the offset of the next page.
   */
  async listMembers(imageId: string, page: PageRequest = {}): Promise<Page<Member>> {
    const offset = parsePageToken(page.pageToken);
    const all = await this.describeMembers(imageId, { calls: 0 });
    const size = page.pageSize ?? all.length;
    if (!Number.isInteger(size) || size < 1) {
      if (all.length === 0) return { items: [] };
      throw new ImageServiceError("invalid", `pageSize must be a positive integer, got ${page.pageSize}`);
    }
    const items = all.slice(offset, offset + size).map((id): Member => ({ type: "account", id, status: "accepted" }));
    const next = offset + size;
    return next < all.length ? { items, nextPageToken: String(next) } : { items };
  }

  // ---- members ----

  async addMembers(imageId: string, members: MemberTarget[]): Promise<BatchResult> {
    const accounts = this.accountIds(members, "add");
    const counter: Counter = { calls: 0 };
    const batches = chunk(accounts, this.options.batchSize);
    await mapConcurrent(batches, this.batchConcurrency(), (batch) => this.modifyBatch(imageId, batch, "SHARE", counter));
    return { calls: counter.calls };
  }

  async removeMembers(imageId: string, members: MemberTarget[]): Promise<BatchResult> {
    const accounts = this.accountIds(members, "remove");
    const counter: Counter = { calls: 0 };
    const batches = chunk(accounts, this.options.batchSize);
    await mapConcurrent(batches, this.batchConcurrency(), (batch) => this.modifyBatch(imageId, batch, "CANCEL", counter));
    return { calls: counter.calls };
  }

  async setMemberStatus(imageId: string, member: MemberTarget, status: "accepted" | "rejected"): Promise<void> {
    throw new ImageServiceError(
      "invalid",
      `Tencent Cloud has no acceptance step: a shared image is usable by its members at once, so ${member.type} ${member.id} cannot be set to ${status} for image ${imageId}; remove the acceptance (rule acceptance-unsupported).`,
      { rule: "acceptance-unsupported" },
    );
  }

  /** Batches in flight at once: up to ModifyImageSharePermission's documented rate (the limiter paces them). */
  private batchConcurrency(): number {
    return this.rates.concurrency("ModifyImageSharePermission", this.options.concurrency);
  }

  /**
   * One ModifyImageSharePermission call for a batch, made idempotent: the cloud refuses a whole
   * SHARE batch with FailedOperation.AccountAlreadyExists when one account is a member already,
   * so the present ones are dropped (one DescribeImageSharePermission) and the rest sent again;
   * a CANCEL of accounts that are not members is success. A batch the cloud finds too large
   * (InvalidParameterValue.LimitExceeded: the API documents no maximum) is split in halves.
   */
  private async modifyBatch(imageId: string, accounts: string[], permission: "SHARE" | "CANCEL", counter: Counter): Promise<void> {
    if (accounts.length === 0) return;
    const doing = `${permission === "SHARE" ? "sharing" : "cancelling the share of"} image ${imageId} ${permission === "SHARE" ? "with" : "for"} ${describeAccounts(accounts)}`;
    try {
      await this.request(this.region, "ModifyImageSharePermission", doing, counter, (client) =>
        client.ModifyImageSharePermission({ ImageId: imageId, AccountIds: accounts, Permission: permission }),
      );
      return;
    } catch (e) {
      const code = tencentCode(e);
      if (code === "InvalidParameterValue.LimitExceeded" && accounts.length > 1) {
        const half = Math.ceil(accounts.length / 2);
        await this.modifyBatch(imageId, accounts.slice(0, half), permission, counter);
        await this.modifyBatch(imageId, accounts.slice(half), permission, counter);
        return;
      }
      const alreadyDone =
        (permission === "SHARE" && code === "FailedOperation.AccountAlreadyExists") ||
        (permission === "CANCEL" && code === "InvalidAccountId.NotFound");
      if (!alreadyDone) throw e;
      if (accounts.length === 1) return;
      const present = new Set(await this.describeMembers(imageId, counter));
      const rest = accounts.filter((id) => (permission === "SHARE" ? !present.has(id) : present.has(id)));
      if (rest.length === 0) return;
      // The cloud's refusal names accounts that the listing contradicts: surface it rather than loop.
      if (rest.length === accounts.length) throw e;
      await this.modifyBatch(imageId, rest, permission, counter);
    }
  }

  // ---- copies ----

  /**
   * SyncImages `DestinationRegions` (API reference 213/15711): "for a custom image, the destination
   * cannot be the source region; for a shared image, only the source region (the shared image is
   * copied into a custom image of the source region)". So a same-region copy is sent only for an
   * image shared with the caller, and refused before any call for an owned one.
   */
  async copyImage(request: CopyRequest): Promise<Job> {
    if (request.region === this.region && !(await this.getImage(request.imageId)).sharedWithCaller) {
      throw new ImageServiceError(
        "invalid",
        `Tencent Cloud copies a custom image (SyncImages) only to other regions: image ${request.imageId} is in ${this.region} already; choose another destination region or drop the copy (rule copy-same-region).`,
        { rule: "copy-same-region" },
      );
    }
    const counter: Counter = { calls: 0 };
    const doing = `copying image ${request.imageId} from ${this.region} to ${request.region}`;
    // SyncImages is not idempotent: after an answer that never came (a dropped connection, a
    // 5xx, InternalError) the copy may have started. A retry of a named copy that the cloud then
    // refuses with InvalidImageName.Duplicate adopts the copy of that name already syncing.
    let uncertain = false;
    let answer: { ImageSet?: { ImageId?: string; Region?: string }[]; RequestId?: string };
    try {
      answer = await withRetry(async () => {
        counter.calls++;
        try {
          // One image per call ("该接口每次调用只支持同步一个镜像"); ImageSetRequired asks for the
          // destination image id in the answer (SyncImagesResponse.ImageSet, newer API revisions).
          return await this.send(this.region, "SyncImages", doing, (client) =>
            client.SyncImages({
              ImageIds: [request.imageId],
              DestinationRegions: [request.region],
              ImageSetRequired: true,
              ...(request.name ? { ImageName: request.name } : {}),
            }),
          );
        } catch (e) {
          if (uncertain && request.name && tencentCode(e) === "InvalidImageName.Duplicate") {
            const adopted = await this.findCopyByName(request.region, request.name, counter).catch(() => undefined);
            if (adopted) return { ImageSet: [{ ImageId: adopted, Region: request.region }] };
          }
          if (e instanceof ImageServiceError && e.kind === "transient") uncertain = true;
          throw e;
        }
      }, this.retry(this.region, "SyncImages"));
    } catch (e) {
      throw await this.explainCopyRefusal(request, e);
    }
    const imageId = answer.ImageSet?.find((s) => s.Region === request.region)?.ImageId ?? answer.ImageSet?.[0]?.ImageId;
    if (!imageId) {
      throw new ImageServiceError(
        "invalid",
        `Tencent Cloud CVM SyncImages accepted the copy of ${request.imageId} to ${request.region} but returned no destination image id (ImageSet): the endpoint predates ImageSetRequired; find the copy in ${request.region} by name and import it.`,
        { requestId: answer.RequestId },
      );
    }
    return { id: copyJobId(request.region, imageId), status: "running", imageId };
  }

  /** SyncImages refuses a shared image with a generic code: name the rule when that is the cause. */
  private async explainCopyRefusal(request: CopyRequest, e: unknown): Promise<ImageServiceError> {
    const error = e instanceof ImageServiceError ? e : toImageServiceError(e, { action: "SyncImages", doing: `copying image ${request.imageId}` });
    if (error.kind === "throttled" || error.kind === "transient" || error.kind === "auth" || error.kind === "quota-exceeded") return error;
    let image: ImageInfo;
    try {
      image = await this.getImage(request.imageId);
    } catch {
      return error;
    }
    if (!image.sharedWithCaller || request.region === this.region) return error;
    return new ImageServiceError(
      "forbidden",
      `Tencent Cloud cannot copy image ${request.imageId} to ${request.region}: it is shared with this account by ${image.owner || "another account"}, and SyncImages copies a shared image only into the source region (${this.region}) as this account's custom image; sync it there first, then copy that image (rule copy-of-shared-image). Cloud said: ${error.message}`,
      { cloudCode: error.cloudCode, rule: "copy-of-shared-image", requestId: error.details.requestId },
    );
  }

  /** The newest of the caller's images of that exact name in a region that is still syncing. */
  private async findCopyByName(region: string, name: string, counter: Counter): Promise<string | undefined> {
    const images = await this.describeOwnedNamed(region, name, `looking for the copy named ${name} in ${region}`, counter);
    const candidates = images.filter((i) => i.ImageId && RUNNING_STATES.has(i.ImageState ?? ""));
    candidates.sort((a, b) => (b.CreatedTime ?? "").localeCompare(a.CreatedTime ?? ""));
    return candidates[0]?.ImageId;
  }

  /**
   * The caller's images named exactly `name` in a region, whatever their state: DescribeImages
   * `Filters` image-type PRIVATE_IMAGE ("自定义镜像 (本账户创建的镜像)", the account's own) and
   * image-name (which "支持模糊查询", matches fuzzily: only the exact name is kept), `Offset` /
   * `Limit` (default 20, at most 100) until `TotalCount` images are read (API reference 213/15715;
   * tencentcloud-sdk-nodejs-cvm DescribeImagesRequest; as terraform-provider-tencentcloud's
   * DescribeImagesByFilter pages).
   */
  private async describeOwnedNamed(region: string, name: string, doing: string, counter: Counter): Promise<CvmImage[]> {
    // By id: an image that moves between pages while they are read is listed once.
    const found = new Map<string, CvmImage>();
    for (let offset = 0; ; offset += DESCRIBE_IMAGES_LIMIT) {
      const answer = await this.request(region, "DescribeImages", doing, counter, (client) =>
        client.DescribeImages({
          Filters: [
            { Name: "image-type", Values: ["PRIVATE_IMAGE"] },
            { Name: "image-name", Values: [name] },
          ],
          Offset: offset,
          Limit: DESCRIBE_IMAGES_LIMIT,
        }),
      );
      const page = answer.ImageSet ?? [];
      for (const image of page) if (image.ImageId && image.ImageName === name && image.ImageType === "PRIVATE_IMAGE") found.set(image.ImageId, image);
      if (page.length === 0 || offset + DESCRIBE_IMAGES_LIMIT >= (answer.TotalCount ?? 0)) return [...found.values()];
    }
  }

  /** A copy job is the destination image: polled with DescribeImages in the destination region. */
  async getJob(jobId: string): Promise<Job> {
    const { region, imageId } = parseCopyJobId(jobId);
    const image = await this.describeImage(region, imageId, { calls: 0 });
    if (!image) {
      return { id: jobId, status: "failed", imageId, reason: `the copy ${imageId} no longer exists in ${region}: the sync failed or the image was deleted` };
    }
    const state = image.ImageState ?? "";
    const progress = typeof image.SyncPercent === "number" ? image.SyncPercent : undefined;
    if (state === "NORMAL") return { id: jobId, status: "succeeded", imageId, progress: 100 };
    if (RUNNING_STATES.has(state)) return { id: jobId, status: "running", imageId, ...(progress !== undefined ? { progress } : {}) };
    return { id: jobId, status: "failed", imageId, reason: `the copy ${imageId} in ${region} ended in state ${state || "(none)"}` };
  }

  // ---- deleting ----

  async deleteImage(imageId: string): Promise<void> {
    const doing = `deleting image ${imageId}`;
    let attempts = 0;
    await withRetry(async () => {
      attempts++;
      try {
        await this.send(this.region, "DeleteImages", doing, (client) => client.DeleteImages({ ImageIds: [imageId] }));
      } catch (e) {
        // A retry after an answer that never came: the first attempt may have deleted it.
        if (attempts > 1 && e instanceof ImageServiceError && e.kind === "not-found") return;
        throw e;
      }
    }, this.retry(this.region, "DeleteImages"));
  }

  // ---- plumbing ----

  private accountIds(members: MemberTarget[], verb: "add" | "remove"): string[] {
    const seen = new Set<string>();
    for (const [i, m] of members.entries()) {
      if (m.type !== "account") {
        throw new ImageServiceError(
          "invalid",
          `Tencent Cloud shares images with accounts only: member ${i} to ${verb} is a ${m.type} (${m.id}); name the account id instead.`,
        );
      }
      if (typeof m.id !== "string" || m.id.trim() === "") throw new ImageServiceError("invalid", `member ${i} to ${verb} has an empty account id.`);
      seen.add(m.id.trim());
    }
    return [...seen];
  }

  private async describeImage(region: string, imageId: string, counter: Counter): Promise<CvmImage | undefined> {
    const answer = await this.request(region, "DescribeImages", `reading image ${imageId} in ${region}`, counter, (client) =>
      client.DescribeImages({ ImageIds: [imageId] }),
    );
    return answer.ImageSet?.find((i) => i.ImageId === imageId);
  }

  private async describeMembers(imageId: string, counter: Counter): Promise<string[]> {
    const answer = await this.request(this.region, "DescribeImageSharePermission", `listing the members of image ${imageId}`, counter, (client) =>
      client.DescribeImageSharePermission({ ImageId: imageId }),
    );
    return (answer.SharePermissionSet ?? []).map((p) => p.AccountId).filter((id): id is string => typeof id === "string" && id !== "");
  }

  private toImageInfo(image: CvmImage): ImageInfo {
    const info: ImageInfo = {
      id: image.ImageId ?? "",
      region: this.region,
      // ImageCreator names the creating account; fall back to the caller for its own images.
      owner: image.ImageCreator || (image.ImageType === "PRIVATE_IMAGE" ? (this.options.accountId ?? "") : ""),
      kind: imageKind(image),
      name: image.ImageName ?? "",
      status: imageStatus(image.ImageState),
      sharedWithCaller: image.ImageType === "SHARED_IMAGE",
    };
    if (image.ImageDescription) info.description = image.ImageDescription;
    return info;
  }

  /** One API request with retries on throttling and server errors; every attempt is counted. */
  private request<T>(region: string, action: string, doing: string, counter: Counter, fn: (client: CvmClient) => Promise<T>): Promise<T> {
    return withRetry(() => {
      counter.calls++;
      return this.send(region, action, doing, fn);
    }, this.retry(region, action));
  }

  /** The retry policy of one API in one region: every attempt waits for the API's documented rate. */
  private retry(region: string, action: string): Partial<RetryOptions> {
    return { ...this.options.retry, limiter: this.rates.of(action, region) };
  }

  private async send<T>(region: string, action: string, doing: string, fn: (client: CvmClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client(region));
    } catch (e) {
      throw toImageServiceError(e, { action, doing });
    }
  }

  private client(region: string): CvmClient {
    let client = this.clients.get(region);
    if (!client) {
      const o = this.options;
      client = new cvmSdk.cvm.v20170312.Client({
        credential: { secretId: o.secretId, secretKey: o.secretKey, ...(o.token ? { token: o.token } : {}) },
        region,
        profile: {
          httpProfile: {
            endpoint: o.host,
            protocol: o.protocol,
            reqTimeout: o.requestTimeoutSeconds,
            ...(this.agent ? { agent: this.agent } : {}),
          },
        },
      });
      this.clients.set(region, client);
    }
    return client;
  }
}

/**
 * A whole-machine (full) image carries data-disk snapshots besides the system disk's: CreateImage
 * takes DataDiskIds "基于实例创建整机镜像时，指定包含在镜像里的数据盘ID" (for a whole-machine image,
 * the data disks it includes), and DescribeImages lists them in SnapshotSet with DiskUsage DATA_DISK.
 * An image of data disks alone does not exist in CVM; the emulator shows one as DATA_DISK only.
 */
export function imageKind(image: Pick<CvmImage, "SnapshotSet">): ImageKind {
  const usages = new Set((image.SnapshotSet ?? []).map((s) => s.DiskUsage));
  if (usages.has("DATA_DISK")) return usages.has("SYSTEM_DISK") ? "full" : "data";
  return "system";
}

/** ImageState: CREATING, NORMAL, CREATEFAILED, SYNCING, IMPORTING, IMPORTFAILED (API data type Image). */
export function imageStatus(state: string | undefined): ImageStatus {
  if (state === "NORMAL") return "available";
  if (state !== undefined && RUNNING_STATES.has(state)) return "creating";
  return "failed";
}

function copyJobId(region: string, imageId: string): string {
  return `${region}/${imageId}`;
}

function parseCopyJobId(jobId: string): { region: string; imageId: string } {
  const match = /^([a-z]{2,}(?:-[a-z0-9]+)+)\/(img-[A-Za-z0-9]+)$/.exec(jobId);
  if (!match) {
    throw new ImageServiceError("invalid", `"${jobId}" is not a Tencent Cloud copy job id: expected <destination region>/<image id>, e.g. ap-shanghai/img-abcd1234, as copyImage returns.`);
  }
  return { region: match[1], imageId: match[2] };
}

function parsePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  if (!/^\d+$/.test(token)) throw new ImageServiceError("invalid", `page token "${token}" is not one that listMembers returned.`);
  return Number(token);
}

function describeAccounts(accounts: string[]): string {
  return accounts.length === 1 ? `account ${accounts[0]}` : `${accounts.length} accounts (${accounts.slice(0, 3).join(", ")}${accounts.length > 3 ? ", ..." : ""})`;
}
