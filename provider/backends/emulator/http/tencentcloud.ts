import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ImageServiceError } from "../../errors";
import { listAllMembers, type ImageInfo, type ImageService } from "../../types";
import type { Dialect } from "./dialect";

/**
 * Tencent Cloud API 3.0, CVM 2017-03-12, as the emulator serves it: POST / with the action in
 * X-TC-Action, the region in X-TC-Region, a JSON body, and a TC3-HMAC-SHA256 Authorization header
 * that is verified against the emulator's access keys. Every answer is HTTP 200 with
 * {"Response": {..., "RequestId"}}; errors are {"Response": {"Error": {Code, Message}, RequestId}}
 * (API 3.0 "返回结果"), which is also the only error shape the Node SDK reads.
 */

export const TENCENT_API_VERSION = "2017-03-12";

/** What the dialect needs of the emulator (a structural view of H3's Emulator). */
export interface TencentDialectEmulator {
  /** The access key with this id (SecretId), its secret and the account it acts as. */
  findAccessKey(id: string): { secret: string; account: string } | undefined;
  /** An ImageService acting as `account` in `region`. */
  service(options: { profile: "tencentcloud"; region: string; account: string }): ImageService;
  /** The next fault the emulator schedules for this dialect and action, if it schedules any. */
  takeFault?(action: string): TencentFault | undefined;
}

export interface TencentDialectOptions {
  /** Largest clock skew accepted (Tencent: 5 minutes). */
  maxSkewSeconds?: number;
  /**
   * Accounts per ModifyImageSharePermission call above which the dialect answers
   * InvalidParameterValue.LimitExceeded. Tencent documents none; unset, none is enforced.
   */
  maxAccountsPerCall?: number;
  /** Injected clock (seconds since the epoch) for tests. */
  now?: () => number;
  /**
   * Consulted once per authenticated request, before it is served: the fault to inject, if any.
   * Default: the emulator's own fault schedule (`takeFault`), where it has one.
   */
  fault?: (action: string) => TencentFault | undefined;
}

/**
 * Faults as Tencent's clients see them: throttling and server errors answered in the API's
 * error shape (HTTP 200, RequestLimitExceeded / InternalError), a gateway's 5xx without a body
 * the SDK reads, a slow answer, or a connection dropped without an answer.
 */
export type TencentFault =
  | { kind: "throttle" }
  | { kind: "internal-error" }
  | { kind: "http-status"; status: number }
  | { kind: "latency"; ms: number }
  | { kind: "drop" };

/** A refusal in Tencent's words. */
class TencentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;
type Answer = Record<string, unknown>;

interface Caller {
  account: string;
  region: string;
  service: ImageService;
}

export function createTencentCloudDialect(emulator: TencentDialectEmulator, options: TencentDialectOptions = {}): Dialect {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const maxSkew = options.maxSkewSeconds ?? 300;
  const copies = new CopyJobs(emulator);

  const actions: Record<string, (caller: Caller, body: Body) => Promise<Answer>> = {
    DescribeImages: (caller, body) => describeImages(caller, body, copies),
    DescribeImageSharePermission: (caller, body) => describeImageSharePermission(caller, body),
    ModifyImageSharePermission: (caller, body) => modifyImageSharePermission(caller, body, options.maxAccountsPerCall),
    SyncImages: (caller, body) => syncImages(caller, body, copies),
    DeleteImages: (caller, body) => deleteImages(caller, body),
  };

  return {
    name: "tencentcloud",
    matches: (request) => typeof request.headers["x-tc-action"] === "string",
    async handle(request, body, response) {
      const requestId = randomUUID();
      try {
        if (request.method !== "POST") throw new TencentError("UnsupportedProtocol", `The emulator serves API 3.0 as POST with a JSON body, not ${request.method}.`);
        const action = header(request, "x-tc-action") ?? "";
        const key = verifyTc3Signature(request, body, (id) => emulator.findAccessKey(id)?.secret, now(), maxSkew);
        const version = header(request, "x-tc-version");
        if (!version) throw new TencentError("MissingParameter", "The request is missing a required parameter `Version` (X-TC-Version).");
        if (version !== TENCENT_API_VERSION) throw new TencentError("NoSuchVersion", `The API version \`${version}\` of cvm does not exist; use ${TENCENT_API_VERSION}.`);
        const handler = Object.prototype.hasOwnProperty.call(actions, action) ? actions[action] : undefined;
        if (!handler) throw new TencentError("InvalidAction", `The action \`${action}\` is not served by the emulated cvm ${TENCENT_API_VERSION}.`);
        const region = header(request, "x-tc-region");
        if (!region) throw new TencentError("MissingParameter", "The request is missing a required parameter `Region` (X-TC-Region).");
        const account = emulator.findAccessKey(key)!.account;
        const fault = (options.fault ?? emulator.takeFault?.bind(emulator))?.(action);
        if (fault?.kind === "drop") {
          request.socket.destroy();
          return;
        }
        if (fault?.kind === "http-status") {
          response.writeHead(fault.status, { "content-type": "text/plain" }).end(`emulated gateway error ${fault.status}`);
          return;
        }
        if (fault?.kind === "latency") await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (fault?.kind === "throttle") throw new TencentError("RequestLimitExceeded", "Your current request times equals to `10` in a second, which exceeds the frequency limit `10` for a second. Please reduce the frequency of calls.");
        if (fault?.kind === "internal-error") throw new TencentError("InternalError", "An internal error has occurred. Retry your request, but if the problem persists, contact us.");
        const parsed = parseBody(body);
        const caller: Caller = { account, region, service: emulator.service({ profile: "tencentcloud", region, account }) };
        const answer = await handler(caller, parsed);
        reply(response, { ...answer, RequestId: requestId });
      } catch (e) {
        const error = e instanceof TencentError ? e : toTencentError(e);
        reply(response, { Error: { Code: error.code, Message: error.message }, RequestId: requestId });
      }
    },
  };
}

function reply(response: ServerResponse, payload: Answer): void {
  const text = JSON.stringify({ Response: payload });
  response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseBody(body: Buffer): Body {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new TencentError("InvalidParameter", "The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new TencentError("InvalidParameter", "The request body must be a JSON object.");
  return parsed as Body;
}

// ---- TC3-HMAC-SHA256 ----

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/**
 * Verifies a TC3-HMAC-SHA256 Authorization header (API 3.0 "签名方法 v3") and returns the SecretId.
 * The service is read from the credential scope, not from our host name: the SDK takes it from
 * the first label of the endpoint host, so an IP endpoint signs as service "127". The SDK signs
 * `host` without the port while the Host header carries one: both forms are accepted.
 */
export function verifyTc3Signature(
  request: IncomingMessage,
  body: Buffer,
  secretOf: (secretId: string) => string | undefined,
  nowSeconds: number,
  maxSkewSeconds = 300,
): string {
  const authorization = header(request, "authorization");
  if (!authorization) throw new TencentError("AuthFailure.InvalidAuthorization", "The request has no Authorization header.");
  const match = /^TC3-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/,\s]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(authorization.trim());
  if (!match) throw new TencentError("AuthFailure.InvalidAuthorization", "The Authorization header is not a TC3-HMAC-SHA256 header.");
  const [, secretId, date, service, signedHeaderList, signature] = match;
  const secret = secretOf(secretId);
  if (secret === undefined) throw new TencentError("AuthFailure.SecretIdNotFound", `The SecretId ${secretId} is not found.`);
  const timestampText = header(request, "x-tc-timestamp");
  const timestamp = timestampText && /^\d+$/.test(timestampText) ? Number(timestampText) : NaN;
  if (!Number.isFinite(timestamp)) throw new TencentError("AuthFailure.InvalidAuthorization", "The X-TC-Timestamp header is missing or not a Unix timestamp.");
  if (Math.abs(nowSeconds - timestamp) > maxSkewSeconds) {
    throw new TencentError("AuthFailure.SignatureExpire", `The signature expired: the timestamp ${timestamp} is more than ${maxSkewSeconds} s from the server's time ${nowSeconds}.`);
  }
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) {
    throw new TencentError("AuthFailure.SignatureFailure", `The credential scope's date ${date} is not the UTC date of X-TC-Timestamp.`);
  }
  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("content-type")) {
    throw new TencentError("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host.");
  }
  const hostHeader = (header(request, "host") ?? "").trim().toLowerCase();
  const hostForms = [...new Set([hostHeader.replace(/:\d+$/, ""), hostHeader])];
  const url = new URL(request.url ?? "/", "http://emulator");
  const scope = `${date}/${service}/tc3_request`;
  const signingKey = hmac(hmac(hmac(`TC3${secret}`, date), service), "tc3_request");
  const expected = Buffer.from(signature, "hex");
  for (const host of hostForms) {
    const canonicalHeaders = signedHeaders
      .map((name) => `${name}:${name === "host" ? host : (header(request, name) ?? "").trim().toLowerCase()}\n`)
      .join("");
    const canonicalRequest = [request.method ?? "POST", url.pathname, url.search.slice(1), canonicalHeaders, signedHeaderList, sha256Hex(body)].join("\n");
    const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const actual = createHmac("sha256", signingKey).update(stringToSign).digest();
    if (timingSafeEqual(actual, expected)) return secretId;
  }
  throw new TencentError("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.");
}

// ---- actions ----

function str(body: Body, name: string): string {
  const value = body[name];
  if (value === undefined || value === null || value === "") throw new TencentError("MissingParameter", `The request is missing a required parameter \`${name}\`.`);
  if (typeof value !== "string") throw new TencentError("InvalidParameterValue", `The value of parameter \`${name}\` must be a string.`);
  return value;
}

function strings(body: Body, name: string, required: boolean): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new TencentError("MissingParameter", `The request is missing a required parameter \`${name}\`.`);
    return undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
    throw new TencentError("InvalidParameterValue", `The value of parameter \`${name}\` must be an array of non-empty strings.`);
  }
  if (required && value.length === 0) throw new TencentError("MissingParameter", `The parameter \`${name}\` must not be empty.`);
  return value as string[];
}

function int(body: Body, name: string, fallback: number, max: number): number {
  const value = body[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new TencentError("InvalidParameterValue", `The value of parameter \`${name}\` must be a non-negative integer.`);
  if (value > max) throw new TencentError("InvalidParameterValue.InvalidParameterValueLimit", `The value of parameter \`${name}\` must be at most ${max}.`);
  return value;
}

/** The image as the caller sees it, or undefined when it does not exist for it. */
async function findImage(caller: Caller, imageId: string): Promise<ImageInfo | undefined> {
  try {
    return await caller.service.getImage(imageId);
  } catch (e) {
    if (e instanceof ImageServiceError && e.kind === "not-found") return undefined;
    throw e;
  }
}

async function ownedImage(caller: Caller, imageId: string): Promise<ImageInfo> {
  const image = await findImage(caller, imageId);
  if (!image) throw new TencentError("InvalidImageId.NotFound", `The image ${imageId} is not found.`);
  if (image.sharedWithCaller || image.owner !== caller.account) {
    throw new TencentError("UnauthorizedOperation.ImageNotBelongToAccount", `The image ${imageId} does not belong to account ${caller.account}.`);
  }
  return image;
}

interface CopyProgress {
  status: ImageInfo["status"];
  progress?: number;
}

/**
 * The model's copy job behind each image a SyncImages call started: Tencent reports a copy's
 * progress on the image itself (ImageState SYNCING, SyncPercent), the model on the job. Only a
 * lookup: without it (e.g. after a restart) an image reports the model's image status.
 */
class CopyJobs {
  private readonly jobs = new Map<string, { jobId: string; region: string; account: string }>();
  constructor(private readonly emulator: TencentDialectEmulator) {}

  remember(imageId: string, job: { jobId: string; region: string; account: string }): void {
    this.jobs.set(imageId, job);
  }

  async progress(image: ImageInfo): Promise<CopyProgress | undefined> {
    const copy = this.jobs.get(image.id);
    if (!copy || image.status !== "creating") return undefined;
    try {
      const job = await this.emulator.service({ profile: "tencentcloud", region: copy.region, account: copy.account }).getJob(copy.jobId);
      if (job.status === "failed") return { status: "failed", progress: job.progress };
      if (job.status === "succeeded") return { status: "available", progress: 100 };
      return { status: "creating", progress: job.progress };
    } catch {
      return undefined;
    }
  }
}

/** DescribeImages by ImageIds (the emulator does not answer Filters or whole-region listings). */
async function describeImages(caller: Caller, body: Body, copies: CopyJobs): Promise<Answer> {
  const ids = strings(body, "ImageIds", false);
  if (body.Filters !== undefined && ids !== undefined) {
    throw new TencentError("InvalidParameter.InvalidParameterCoexistImageIdsFilters", "ImageIds and Filters cannot be given together.");
  }
  if (ids === undefined) throw new TencentError("UnsupportedOperation", "The emulator answers DescribeImages for ImageIds only.");
  const offset = int(body, "Offset", 0, Number.MAX_SAFE_INTEGER);
  const limit = int(body, "Limit", 20, 100);
  const found: ImageInfo[] = [];
  for (const id of new Set(ids)) {
    const image = await findImage(caller, id);
    if (image) found.push(image);
  }
  const page = found.slice(offset, offset + limit);
  return { TotalCount: found.length, ImageSet: await Promise.all(page.map(async (image) => toTencentImage(image, await copies.progress(image)))) };
}

/** The API's Image data type, from the emulator's image. */
function toTencentImage(image: ImageInfo, copy: CopyProgress | undefined): Answer {
  const status = copy?.status ?? image.status;
  const state = status === "available" ? "NORMAL" : status === "failed" ? "CREATEFAILED" : copy || image.sourceImageId ? "SYNCING" : "CREATING";
  // A whole-machine image carries data-disk snapshots besides the system disk's; CVM has no
  // data-disk-only images, which the emulator shows as DATA_DISK snapshots alone.
  const disks = image.kind === "full" ? ["SYSTEM_DISK", "DATA_DISK"] : image.kind === "data" ? ["DATA_DISK"] : ["SYSTEM_DISK"];
  return {
    ImageId: image.id,
    ImageName: image.name,
    ImageDescription: image.description ?? "",
    ImageType: image.sharedWithCaller ? "SHARED_IMAGE" : "PRIVATE_IMAGE",
    ImageState: state,
    ImageCreator: image.owner,
    ImageSource: "CREATE_IMAGE",
    ...(state === "SYNCING" ? { SyncPercent: copy?.progress ?? 0 } : {}),
    SnapshotSet: disks.map((usage, i) => ({ SnapshotId: `snap-${image.id.replace(/^img-/, "")}${i}`, DiskUsage: usage, DiskSize: 50 })),
  };
}

async function describeImageSharePermission(caller: Caller, body: Body): Promise<Answer> {
  const imageId = str(body, "ImageId");
  await ownedImage(caller, imageId);
  const members = await listAllMembers(caller.service, imageId);
  return { SharePermissionSet: members.map((m) => ({ AccountId: m.id })) };
}

async function modifyImageSharePermission(caller: Caller, body: Body, maxAccounts: number | undefined): Promise<Answer> {
  const imageId = str(body, "ImageId");
  const accountIds = strings(body, "AccountIds", true)!;
  const permission = str(body, "Permission");
  if (permission !== "SHARE" && permission !== "CANCEL") throw new TencentError("InvalidParameterValue", `Permission must be SHARE or CANCEL, not ${permission}.`);
  if (maxAccounts !== undefined && accountIds.length > maxAccounts) {
    throw new TencentError("InvalidParameterValue.LimitExceeded", `AccountIds takes at most ${maxAccounts} values, got ${accountIds.length}.`);
  }
  const image = await ownedImage(caller, imageId);
  const targets = accountIds.map((id) => ({ type: "account" as const, id }));
  if (permission === "CANCEL") {
    await caller.service.removeMembers(imageId, targets);
    return {};
  }
  if (image.status !== "available") throw new TencentError("InvalidParameterValue.InvalidImageState", `The image ${imageId} is not NORMAL.`);
  if (accountIds.includes(caller.account)) throw new TencentError("FailedOperation.AccountIsYourSelf", "The account is yourself.");
  // The cloud refuses the whole call when one account is a member already.
  const present = new Set((await listAllMembers(caller.service, imageId)).map((m) => m.id));
  const already = accountIds.find((id) => present.has(id));
  if (already !== undefined) throw new TencentError("FailedOperation.AccountAlreadyExists", `The account ${already} already exists in the share list of ${imageId}.`);
  await caller.service.addMembers(imageId, targets);
  return {};
}

async function syncImages(caller: Caller, body: Body, copies: CopyJobs): Promise<Answer> {
  const imageIds = strings(body, "ImageIds", true)!;
  const regions = strings(body, "DestinationRegions", true)!;
  const name = body.ImageName === undefined ? undefined : str(body, "ImageName");
  // "该接口每次调用只支持同步一个镜像": one image per call.
  if (imageIds.length > 1) throw new TencentError("InvalidParameterValue.LimitExceeded", "SyncImages copies one image per call.");
  const imageId = imageIds[0];
  const image = await findImage(caller, imageId);
  if (!image) throw new TencentError("InvalidImageId.NotFound", `The image ${imageId} is not found.`);
  if (image.sharedWithCaller || image.owner !== caller.account) {
    throw new TencentError("InvalidParameterValue.InvalidImageId", `The image ${imageId} is shared with this account and cannot be copied.`);
  }
  if (image.status !== "available") throw new TencentError("InvalidImageId.IncorrectState", `The image ${imageId} is not NORMAL.`);
  for (const region of regions) {
    if (region === caller.region) throw new TencentError("InvalidParameterValue.InvalidRegion", `A custom image cannot be synced to its own region ${region}.`);
  }
  if (body.DryRun === true) throw new TencentError("DryRunOperation", "The request would have succeeded, but DryRun was set.");
  const imageSet: Answer[] = [];
  for (const region of regions) {
    const job = await caller.service.copyImage({ imageId, region, ...(name ? { name } : {}) });
    if (!job.imageId) throw new TencentError("InternalError", "The emulator's copy did not name its new image.");
    copies.remember(job.imageId, { jobId: job.id, region: caller.region, account: caller.account });
    imageSet.push({ ImageId: job.imageId, Region: region });
  }
  return body.ImageSetRequired === true ? { ImageSet: imageSet } : {};
}

async function deleteImages(caller: Caller, body: Body): Promise<Answer> {
  const imageIds = strings(body, "ImageIds", true)!;
  for (const imageId of imageIds) {
    const image = await findImage(caller, imageId);
    if (!image) throw new TencentError("InvalidImageId.NotFound", `The image ${imageId} is not found.`);
    if (image.sharedWithCaller || image.owner !== caller.account) {
      throw new TencentError("UnauthorizedOperation.ImageNotBelongToAccount", `The image ${imageId} does not belong to account ${caller.account}.`);
    }
    if (image.status === "creating") throw new TencentError("InvalidImageId.IncorrectState", `The image ${imageId} is being created or synced.`);
  }
  for (const imageId of imageIds) await caller.service.deleteImage(imageId);
  return {};
}

/**
 * The model's refusal, in the cloud's code: the model's own Tencent code where it gives one
 * (emulator/model.ts CODES), else by our rule id, else by the kind of error.
 */
function toTencentError(e: unknown): TencentError {
  if (!(e instanceof ImageServiceError)) return new TencentError("InternalError", `An internal error occurred: ${e instanceof Error ? e.message : String(e)}`);
  const byRule: Partial<Record<string, string>> = {
    "member-limit": "OverQuota",
    "self-share": "FailedOperation.AccountIsYourSelf",
    "reshare-forbidden": "UnauthorizedOperation.ImageNotBelongToAccount",
    "delete-while-shared": "InvalidImageId.InShared",
    "copy-of-shared-image": "InvalidParameterValue.InvalidImageId",
    "copy-same-region": "InvalidParameterValue.InvalidRegion",
    "acceptance-unsupported": "UnsupportedOperation",
  };
  const code =
    (e.cloudCode && /^[A-Z][A-Za-z]+(\.[A-Za-z0-9]+)*$/.test(e.cloudCode) ? e.cloudCode : undefined) ??
    (e.rule && byRule[e.rule]) ??
    {
      "not-found": "InvalidAccountId.NotFound",
      forbidden: "UnauthorizedOperation",
      "quota-exceeded": "OverQuota",
      throttled: "RequestLimitExceeded",
      conflict: "InvalidParameterValue.InvalidImageState",
      transient: "InternalError",
      invalid: "InvalidParameterValue",
      auth: "AuthFailure.UnauthorizedOperation",
      "job-failed": "InternalError",
      timeout: "InternalError",
    }[e.kind];
  return new TencentError(code, e.message);
}
