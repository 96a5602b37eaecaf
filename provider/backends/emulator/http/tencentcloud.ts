import { randomUUID } from "node:crypto";
import type { ImageInfo } from "../../types";
import type { Dialect } from "./dialect";
import { defineDialect, faultSource, json, jsonObject, Parameters, WireError, type DialectEmulator, type DialectService, type ErrorTable, type WireFault, type WireRequest } from "./base";
import { verifyTc3Signature } from "./tencentcloud.sign";

/**
 * Tencent Cloud API 3.0, CVM 2017-03-12, as the emulator serves it: POST / with the action in
 * X-TC-Action, the region in X-TC-Region, a JSON body, and a TC3-HMAC-SHA256 Authorization header
 * (tencentcloud.sign.ts). Every answer is HTTP 200 with {"Response": {..., "RequestId"}}; errors
 * are {"Response": {"Error": {Code, Message}, RequestId}} (API 3.0 "返回结果"), which is also the
 * only error shape the Node SDK reads.
 */

export const TENCENT_API_VERSION = "2017-03-12";

/** What the dialect needs of the emulator. */
export type TencentDialectEmulator = DialectEmulator;

/** Faults as Tencent's clients see them: RequestLimitExceeded / InternalError at HTTP 200, a gateway's 5xx without a body the SDK reads, latency, a dropped connection. */
export type TencentFault = Exclude<WireFault, { kind: "service-unavailable" }>;

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
  /** Consulted once per authenticated request, before it is served; default the emulator's takeFault. */
  fault?: (action: string) => TencentFault | undefined;
}

/** Every error is HTTP 200 with the code in the body. */
const refuse = (code: string, message: string) => new WireError(200, code, message);
const parameterErrors = {
  missing: (name: string) => refuse("MissingParameter", `The request is missing a required parameter \`${name}\`.`),
  invalid: (name: string, expected: string) => refuse("InvalidParameterValue", `The value of parameter \`${name}\` must be ${expected}.`),
  empty: (name: string) => refuse("MissingParameter", `The parameter \`${name}\` must not be empty.`),
};

/** The model's refusals in Tencent's codes: the model's own (model.ts CODES) where it gives one, else by rule id, else by kind. */
const ERRORS: ErrorTable = {
  byRule: {
    "member-limit": "OverQuota",
    "self-share": "FailedOperation.AccountIsYourSelf",
    "reshare-forbidden": "UnauthorizedOperation.ImageNotBelongToAccount",
    "delete-while-shared": "InvalidImageId.InShared",
    "copy-of-shared-image": "InvalidParameterValue.InvalidImageId",
    "copy-same-region": "InvalidParameterValue.InvalidRegion",
    "acceptance-unsupported": "UnsupportedOperation",
  },
  byKind: {
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
  },
  status: () => 200,
  internal: (message) => refuse("InternalError", `An internal error occurred: ${message}`),
};

interface Caller {
  account: string;
  region: string;
  service: DialectService;
  /** The caller in another region (SyncImages' destinations). */
  inRegion(region: string): DialectService;
}
type Action = (caller: Caller, body: Parameters, options: TencentDialectOptions) => Promise<Record<string, unknown>>;

function integer(body: Parameters, name: string, fallback: number, max: number): number {
  const value = body.body[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw refuse("InvalidParameterValue", `The value of parameter \`${name}\` must be a non-negative integer.`);
  if (value > max) throw refuse("InvalidParameterValue.InvalidParameterValueLimit", `The value of parameter \`${name}\` must be at most ${max}.`);
  return value;
}

type Listed = ImageInfo & { createdAt: number };

/** The image as the caller sees it (owned, or shared with it, in the caller's region), or undefined. */
async function findImage(caller: Caller, imageId: string): Promise<Listed | undefined> {
  return (await caller.service.listImages()).find((i) => i.id === imageId);
}

/** An image the caller owns; `shared` words the refusal of someone else's. */
async function ownedImage(caller: Caller, imageId: string, shared = refuse("UnauthorizedOperation.ImageNotBelongToAccount", `The image ${imageId} does not belong to account ${caller.account}.`)): Promise<ImageInfo> {
  const image = await findImage(caller, imageId);
  if (!image) throw refuse("InvalidImageId.NotFound", `The image ${imageId} is not found.`);
  if (image.sharedWithCaller || image.owner !== caller.account) throw shared;
  return image;
}

/** DescribeImages `Filters` (API reference 213/15715): at most 10 filters of at most 5 values each. */
const MAX_FILTERS = 10;
const MAX_FILTER_VALUES = 5;
const IMAGE_TYPES = new Set(["PRIVATE_IMAGE", "PUBLIC_IMAGE", "SHARED_IMAGE", "MARKET_IMAGE"]);

interface Filter {
  name: string;
  values: string[];
}

function filters(body: Parameters): Filter[] | undefined {
  const raw = body.body.Filters;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw refuse("InvalidParameterValue", "The value of parameter `Filters` must be an array of {Name, Values}.");
  if (raw.length > MAX_FILTERS) throw refuse("InvalidParameterValue.LimitExceeded", `Filters takes at most ${MAX_FILTERS} filters, got ${raw.length}.`);
  return raw.map((f: unknown, i) => {
    const { Name: name, Values: values } = (f ?? {}) as { Name?: unknown; Values?: unknown };
    if (typeof name !== "string" || name === "") throw refuse("InvalidFilter", `Filters.${i}.Name must be a filter name.`);
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "string")) throw refuse("InvalidFilterValue.LimitExceeded", `Filters.${i}.Values must be 1..${MAX_FILTER_VALUES} strings.`);
    if (values.length > MAX_FILTER_VALUES) throw refuse("InvalidFilterValue.LimitExceeded", `Filters.${i}.Values takes at most ${MAX_FILTER_VALUES} values, got ${values.length}.`);
    return { name, values: values as string[] };
  });
}

/**
 * Whether an image passes one filter: values of a filter are alternatives, filters all apply.
 * image-type PRIVATE_IMAGE is the caller's own ("本账户创建的镜像"), SHARED_IMAGE one shared with
 * it; image-name ("支持模糊查询") and platform match fuzzily (a part of the name); the emulator's images carry no
 * tags, so a tag filter matches none; a name the API does not know is InvalidFilter.
 */
function passes(image: ImageInfo, filter: Filter): boolean {
  const type = image.sharedWithCaller ? "SHARED_IMAGE" : "PRIVATE_IMAGE";
  switch (filter.name) {
    case "image-id":
      return filter.values.includes(image.id);
    case "image-type":
      for (const v of filter.values) if (!IMAGE_TYPES.has(v)) throw refuse("InvalidFilterValue.LimitExceeded", `image-type takes ${[...IMAGE_TYPES].join(", ")}, not ${v}.`);
      return filter.values.includes(type);
    case "image-name":
      return filter.values.some((v) => image.name.includes(v));
    case "platform":
      return filter.values.some((v) => PLATFORM.toLowerCase().includes(v.toLowerCase()));
    case "tag-key":
    case "tag-value":
      return false;
    default:
      if (filter.name.startsWith("tag:")) return false;
      throw refuse("InvalidFilter", `The filter ${filter.name} is not supported by DescribeImages.`);
  }
}

/**
 * DescribeImages (API reference 213/15715) by ImageIds, or by Filters over the region's images the
 * caller owns or that are shared with it (none: every such image), paged with Offset and Limit
 * ("默认为20，最大值为100") with TotalCount: how the backend's findOwnedImages (image-type
 * PRIVATE_IMAGE, image-name) reads the caller's images of one name.
 */
async function describeImages(caller: Caller, body: Parameters) {
  const ids = body.texts("ImageIds", false);
  const conditions = filters(body);
  if (conditions !== undefined && ids !== undefined) throw refuse("InvalidParameter.InvalidParameterCoexistImageIdsFilters", "ImageIds and Filters cannot be given together.");
  const offset = integer(body, "Offset", 0, Number.MAX_SAFE_INTEGER);
  const limit = integer(body, "Limit", 20, 100);
  const found: Listed[] = [];
  if (ids !== undefined) {
    for (const id of new Set(ids)) {
      const image = await findImage(caller, id);
      if (image) found.push(image);
    }
  } else {
    for (const image of await caller.service.listImages()) if ((conditions ?? []).every((f) => passes(image, f))) found.push(image);
  }
  return { TotalCount: found.length, ImageSet: found.slice(offset, offset + limit).map(toTencentImage) };
}

/** The emulator's images are Linux images (DescribeImages Platform, OsName). */
const PLATFORM = "TencentOS";
const OS_NAME = "TencentOS Server 3.1 (TK4)";

/**
 * The API's Image data type, with the fields of the reference's example (213/15715): a copy's
 * progress shows on the image (ImageState SYNCING, SyncPercent; 0 otherwise, as the example).
 */
function toTencentImage(image: Listed): Record<string, unknown> {
  const state = image.status === "available" ? "NORMAL" : image.status === "failed" ? "CREATEFAILED" : image.sourceImageId ? "SYNCING" : "CREATING";
  // A whole-machine image carries data-disk snapshots besides the system disk's; CVM has no
  // data-disk-only images, which the emulator shows as DATA_DISK snapshots alone.
  const disks = image.kind === "full" ? ["SYSTEM_DISK", "DATA_DISK"] : image.kind === "data" ? ["DATA_DISK"] : ["SYSTEM_DISK"];
  return {
    ImageId: image.id,
    OsName: OS_NAME,
    ImageType: image.sharedWithCaller ? "SHARED_IMAGE" : "PRIVATE_IMAGE",
    CreatedTime: new Date(image.createdAt).toISOString().replace(/\.\d+Z$/, "+00:00"),
    ImageName: image.name,
    ImageDescription: image.description ?? "",
    ImageSize: 50 * disks.length,
    Architecture: "x86_64",
    ImageState: state,
    Platform: PLATFORM,
    ImageCreator: image.owner,
    ImageSource: "CREATE_IMAGE",
    SyncPercent: state === "SYNCING" ? (image.progress ?? 0) : 0,
    IsSupportCloudinit: true,
    SnapshotSet: disks.map((usage, i) => ({ SnapshotId: `snap-${image.id.replace(/^img-/, "")}${i}`, DiskUsage: usage, DiskSize: 50 })),
    Tags: [],
    LicenseType: "TencentCloud",
  };
}

async function describeImageSharePermission(caller: Caller, body: Parameters) {
  const imageId = body.text("ImageId");
  await ownedImage(caller, imageId);
  // SharePermission: CreatedTime (ISO 8601 UTC, as the reference's example) and AccountId.
  return { SharePermissionSet: (await caller.service.memberRecords(imageId)).map((m) => ({ CreatedTime: new Date(m.createdAt).toISOString().replace(/\.\d+Z$/, "Z"), AccountId: m.id })) };
}

async function modifyImageSharePermission(caller: Caller, body: Parameters, { maxAccountsPerCall }: TencentDialectOptions) {
  const imageId = body.text("ImageId");
  const accountIds = body.texts("AccountIds", true);
  const permission = body.text("Permission");
  if (permission !== "SHARE" && permission !== "CANCEL") throw refuse("InvalidParameterValue", `Permission must be SHARE or CANCEL, not ${permission}.`);
  if (maxAccountsPerCall !== undefined && accountIds.length > maxAccountsPerCall) {
    throw refuse("InvalidParameterValue.LimitExceeded", `AccountIds takes at most ${maxAccountsPerCall} values, got ${accountIds.length}.`);
  }
  const image = await ownedImage(caller, imageId);
  const targets = accountIds.map((id) => ({ type: "account" as const, id }));
  if (permission === "CANCEL") {
    await caller.service.removeMembers(imageId, targets);
    return {};
  }
  if (image.status !== "available") throw refuse("InvalidParameterValue.InvalidImageState", `The image ${imageId} is not NORMAL.`);
  if (accountIds.includes(caller.account)) throw refuse("FailedOperation.AccountIsYourSelf", "The account is yourself.");
  // The cloud refuses the whole call when one account is a member already.
  const present = new Set((await caller.service.memberRecords(imageId)).map((m) => m.id));
  const already = accountIds.find((id) => present.has(id));
  if (already !== undefined) throw refuse("FailedOperation.AccountAlreadyExists", `The account ${already} already exists in the share list of ${imageId}.`);
  await caller.service.addMembers(imageId, targets);
  return {};
}

/**
 * SyncImages (API reference 213/15711): one image per call; DestinationRegions "for a custom
 * image, not the source region; for a shared image, only the source region (the shared image is
 * copied into a custom image of the source region)". The model decides those rules per
 * destination; a list that mixes the source region with others breaks one of them whatever the
 * image, and is refused before any copy starts. An ImageName already used by the caller's images in a
 * destination region is refused (InvalidImageName.Duplicate), which a retried sync meets.
 */
async function syncImages(caller: Caller, body: Parameters) {
  const imageIds = body.texts("ImageIds", true);
  const regions = [...new Set(body.texts("DestinationRegions", true))];
  const name = body.body.ImageName === undefined ? undefined : body.text("ImageName");
  // "该接口每次调用只支持同步一个镜像": one image per call.
  if (imageIds.length > 1) throw refuse("InvalidParameterValue.LimitExceeded", "SyncImages copies one image per call.");
  const imageId = imageIds[0];
  const image = await findImage(caller, imageId);
  if (!image) throw refuse("InvalidImageId.NotFound", `The image ${imageId} is not found.`);
  if (image.status !== "available") throw refuse("InvalidImageId.IncorrectState", `The image ${imageId} is not NORMAL.`);
  if (regions.length > 1 && regions.includes(caller.region)) {
    throw refuse("InvalidParameterValue.InvalidRegion", `DestinationRegions mixes the source region ${caller.region} with others: a custom image goes to other regions only, a shared image to its source region only.`);
  }
  if (name !== undefined) {
    for (const region of regions) {
      const clash = (await caller.inRegion(region).listImages()).find((i) => !i.sharedWithCaller && i.name === name);
      if (clash) throw refuse("InvalidImageName.Duplicate", `The image name ${name} is used by ${clash.id} in ${region} already.`);
    }
  }
  if (body.body.DryRun === true) throw refuse("DryRunOperation", "The request would have succeeded, but DryRun was set.");
  const imageSet: Record<string, unknown>[] = [];
  for (const region of regions) {
    const job = await caller.service.copyImage({ imageId, region, ...(name ? { name } : {}) });
    if (!job.imageId) throw ERRORS.internal("the copy named no image");
    imageSet.push({ ImageId: job.imageId, Region: region });
  }
  return body.body.ImageSetRequired === true ? { ImageSet: imageSet } : {};
}

async function deleteImages(caller: Caller, body: Parameters) {
  const imageIds = body.texts("ImageIds", true);
  for (const imageId of imageIds) {
    const image = await ownedImage(caller, imageId);
    if (image.status === "creating") throw refuse("InvalidImageId.IncorrectState", `The image ${imageId} is being created or synced.`);
  }
  for (const imageId of imageIds) await caller.service.deleteImage(imageId);
  return {};
}

const ACTIONS: Record<string, Action> = {
  DescribeImages: describeImages,
  DescribeImageSharePermission: describeImageSharePermission,
  ModifyImageSharePermission: modifyImageSharePermission,
  SyncImages: syncImages,
  DeleteImages: deleteImages,
};

export function createTencentCloudDialect(emulator: TencentDialectEmulator, options: TencentDialectOptions = {}): Dialect {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const maxSkew = options.maxSkewSeconds ?? 300;
  return defineDialect({
    name: "tencentcloud",
    matches: (request) => typeof request.headers["x-tc-action"] === "string",
    requestId: () => randomUUID(),
    accept(request: WireRequest) {
      const key = verifyTc3Signature(request, (id) => emulator.findAccessKey(id), now(), maxSkew);
      if (request.method !== "POST") throw refuse("UnsupportedProtocol", `The emulator serves API 3.0 as POST with a JSON body, not ${request.method}.`);
      const action = request.header("x-tc-action") ?? "";
      const version = request.header("x-tc-version");
      if (!version) throw refuse("MissingParameter", "The request is missing a required parameter `Version` (X-TC-Version).");
      if (version !== TENCENT_API_VERSION) throw refuse("NoSuchVersion", `The API version \`${version}\` of cvm does not exist; use ${TENCENT_API_VERSION}.`);
      const run = Object.prototype.hasOwnProperty.call(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!run) throw refuse("InvalidAction", `The action \`${action}\` is not served by the emulated cvm ${TENCENT_API_VERSION}.`);
      const region = request.header("x-tc-region");
      if (!region) throw refuse("MissingParameter", "The request is missing a required parameter `Region` (X-TC-Region).");
      return { action, run, caller: { account: key.account, region } };
    },
    async serve(request, { run, caller }) {
      const body = new Parameters(jsonObject(request.body, (message) => refuse("InvalidParameter", message)), parameterErrors);
      const inRegion = (region: string) => emulator.service({ profile: "tencentcloud", region, account: caller.account });
      return render({ ...(await run({ ...caller, service: inRegion(caller.region), inRegion }, body, options)), RequestId: request.requestId });
    },
    fault: faultSource(emulator, options.fault),
    faults: {
      throttle: () => refuse("RequestLimitExceeded", "Your current request times equals to `10` in a second, which exceeds the frequency limit `10` for a second. Please reduce the frequency of calls."),
      "internal-error": refuse("InternalError", "An internal error has occurred. Retry your request, but if the problem persists, contact us."),
      "service-unavailable": refuse("InternalError", "An internal error has occurred. Retry your request, but if the problem persists, contact us."),
      "http-status": (status) => ({ status, headers: { "content-type": "text/plain" }, body: `emulated gateway error ${status}` }),
    },
    errors: ERRORS,
    renderError: (error, request) => render({ Error: { Code: error.code, Message: error.message }, RequestId: request.requestId }),
  });
}

const render = (payload: Record<string, unknown>) => json(200, { Response: payload });
