import { randomUUID } from "node:crypto";
import { isImageServiceError } from "../../errors";
import { type ImageInfo } from "../../types";
import type { Dialect } from "./dialect";
import { defineDialect, faultSource, WireError, type DialectEmulator, type DialectService, type ErrorTable, type WireFault, type WireRequest } from "./base";
import { missingParameter as missing, NonceLog, verifyAlibabaSignature } from "./alicloud.sign";

export { acs3CanonicalRequest, acs3Signature, acs3StringToSign, acsEncode, parseAcs3Authorization, rpcSignature, rpcStringToSign, type Acs3Authorization } from "./alicloud.sign";

/**
 * Alibaba Cloud ECS (API version 2014-05-26, RPC style) served on top of the emulator: the
 * actions the alicloud backend calls, in the shapes the official SDK (@alicloud/ecs20140526 on
 * @alicloud/openapi-core) sends and reads. Requests are signed ACS3-HMAC-SHA256 or with the older
 * RPC signature (alicloud.sign.ts); parameters come in the query string (list parameters
 * flattened as `AddAccount.1`, `AddAccount.2`, ...) or a form body, POST to "/".
 *
 * Answers: JSON; errors as `{RequestId, HostId, Code, Message, Recommend}` with the HTTP status
 * the API reference gives for the code.
 */

/** What the dialect needs of the emulator. */
export type AlibabaCloudEmulator = DialectEmulator;

/** Faults as Alibaba Cloud's clients see them: Throttling.User, InternalError 500, ServiceUnavailable 503, a gateway's 5xx with an HTML body, latency, a dropped connection. */
export type AlibabaFault = WireFault;

const API_VERSION = "2014-05-26";
/** ModifyImageSharePermission "processes only the first 10 account IDs. The excess account IDs are ignored." */
const MAX_ACCOUNTS_PER_CALL = 10;

const err = (status: number, code: string, message: string) => new WireError(status, code, message);

/**
 * The model's refusals in Alibaba Cloud's codes, with the HTTP statuses and fixed messages of the
 * API reference (ModifyImageSharePermission error table; DeleteImage: 403 ImageUseShared; the
 * common codes). The model's alicloud codes (model.ts CODES) are all listed.
 */
const ERRORS: ErrorTable = {
  codes: {
    "InvalidImageId.NotFound": { status: 404, message: "The specified ImageId does not exist." },
    "QuotaExceed.ShareImageUser": { status: 403, message: "The shared Image user Quota exceeds." },
    QuotaExceed: { status: 403 },
    "InvalidAccount.Forbbiden": { status: 404, message: "The specified Account does not yourself." },
    "InvalidAccount.NotFound": { status: 404, message: `The specified parameter "AddAccount.n" or "RemoveAccount.n" does not exist.` },
    ImageUseShared: { status: 403, message: "The specified image has been shared to others. You can use the DescribeImageSharePermission API to query the users who have been shared." },
    IncorrectImageStatus: { status: 403, message: "The current status of the image does not support this operation." },
    "InvalidRegionId.NotFound": { status: 404, message: "The specified RegionId does not exist." },
    "InvalidRegionId.Malformed": { status: 400, message: "The specified parameter RegionId is not valid." },
    "InvalidImageName.Duplicated": { status: 400, message: "The specified Image name has already been used." },
    IdempotentParameterMismatch: { status: 400, message: "The specified parameters are different from before." },
    OperationDenied: { status: 403 },
    // DeleteImage of an image a CopyImage is still making (cancel it with CancelCopyImage).
    "OperationDenied.ImageCopying": { status: 403 },
    InvalidParameter: { status: 400 },
    "InvalidAccessKeyId.NotFound": { status: 404, message: "Specified access key is not found." },
    "Throttling.User": { status: 400, message: "Request was denied due to user flow control." },
    ServiceUnavailable: { status: 503, message: "The request has failed due to a temporary failure of the server." },
    InternalError: { status: 500, message: "The request processing has failed due to some unknown error, exception or failure." },
  },
  byRule: { "member-limit": "QuotaExceed.ShareImageUser", "self-share": "InvalidAccount.Forbbiden", "delete-while-shared": "ImageUseShared" },
  byKind: {
    // Alibaba Cloud answers "not found" for another account's image: it does not exist in this account.
    "not-found": "InvalidImageId.NotFound",
    forbidden: "InvalidImageId.NotFound",
    "quota-exceeded": "QuotaExceed",
    // The SDK classes any code containing "Throttling" as throttling, whatever the status.
    throttled: "Throttling.User",
    conflict: "IncorrectImageStatus",
    transient: "ServiceUnavailable",
    invalid: "InvalidParameter",
    auth: "InvalidAccessKeyId.NotFound",
    "job-failed": "InvalidParameter",
    timeout: "InternalError",
  },
  internal: () => err(500, "InternalError", "The request processing has failed due to some unknown error, exception or failure."),
};
const fixed = (code: string) => err(ERRORS.codes![code].status, code, ERRORS.codes![code].message!);

/** ECS time stamps: ISO 8601 UTC to the second ("2020-11-24T06:52:19Z"). */
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

const STATUS: Record<ImageInfo["status"], string> = { creating: "Creating", available: "Available", failed: "CreateFailed" };

interface Caller {
  region: string;
  account: string;
  service: DialectService;
}
type Params = Record<string, string>;
type Action = (caller: Caller, p: Params) => Promise<Record<string, unknown>>;

/** Values of a list parameter (`Name.1`, `Name.2`, ...) in N order. */
function listParam(params: Params, name: string): string[] {
  const entries: [number, string][] = [];
  for (const [k, v] of Object.entries(params)) {
    const m = /^(.+)\.(\d+)$/.exec(k);
    if (m && m[1] === name && v !== "") entries.push([Number(m[2]), v]);
  }
  return entries.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function intParam(params: Params, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw err(400, `Invalid${name}.Malformed`, `The specified parameter "${name}" is not valid.`);
  return n;
}

function required(params: Params, name: string): string {
  const value = params[name];
  if (!value) throw missing(name);
  return value;
}

/**
 * DescribeImages (API reference doc 25534; @alicloud/ecs20140526 DescribeImagesRequest): by
 * ImageId (a comma list), else the region's images the caller owns or that are shared with it,
 * filtered by ImageName ("Fuzzy search is supported": a substring), ImageOwnerAlias (self |
 * others; empty: system, self and others; the emulator has no system or marketplace images),
 * ImageOwnerId (others' images of that owner) and Status (default Available; a comma list, or
 * ALL), paged by PageNumber / PageSize (default 10, at most 100) with TotalCount: how the
 * backend's findOwnedImages reads the caller's images of one name.
 */
async function describeImages({ service, region, account }: Caller, p: Params) {
  const pageNumber = intParam(p, "PageNumber", 1, 1, 1_000_000);
  const pageSize = intParam(p, "PageSize", 10, 1, 100);
  // Only Available images unless Status says otherwise (API reference: "Default value: Available").
  const statuses = new Set((p.Status || "Available").split(",").map((s) => s.trim()));
  const ids = (p.ImageId ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  let found: ImageInfo[] = [];
  if (ids.length > 0) {
    for (const id of ids) {
      try {
        found.push(await service.getImage(id));
      } catch (e) {
        // DescribeImages answers an empty list for an image id it cannot see.
        if (!isImageServiceError(e, "not-found") && !isImageServiceError(e, "forbidden")) throw e;
      }
    }
  } else found = await service.listImages();
  const alias = p.ImageOwnerAlias;
  if (alias !== undefined && alias !== "" && !["system", "self", "others", "marketplace"].includes(alias)) throw err(400, "InvalidImageOwnerAlias.ValueNotSupported", `The specified ImageOwnerAlias ${alias} is not supported.`);
  const name = p.ImageName ?? "";
  const ownerId = p.ImageOwnerId ?? "";
  const images = found
    .filter((i) => statuses.has("ALL") || statuses.has(STATUS[i.status]))
    .filter((i) => !alias || alias === (i.sharedWithCaller ? "others" : "self"))
    .filter((i) => name === "" || i.name.includes(name))
    .filter((i) => ownerId === "" || (i.sharedWithCaller && i.owner === ownerId));
  const page = images.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return {
    RegionId: region,
    TotalCount: images.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Images: { Image: await Promise.all(page.map((i) => imageBody(i, account, service))) },
  };
}

async function imageBody(image: ImageInfo, account: string, service: DialectService): Promise<Record<string, unknown>> {
  const owned = !image.sharedWithCaller;
  const shared = owned && (await service.listMembers(image.id, { pageSize: 1 }).then((page) => page.items.length > 0, () => false));
  const system = { Type: "system", Device: "/dev/xvda", Size: "40" };
  const data = { Type: "data", Device: "/dev/xvdb", Size: "100" };
  const body: Record<string, unknown> = {
    ImageId: image.id,
    ImageName: image.name,
    Description: image.description ?? "",
    Status: STATUS[image.status],
    Progress: `${image.progress ?? (image.status === "creating" ? 0 : 100)}%`,
    ImageOwnerAlias: owned ? "self" : "others",
    IsSelfShared: owned ? String(shared) : "",
    IsCopied: image.sourceImageId !== undefined,
    Usage: "none",
    OSType: "linux",
    Architecture: "x86_64",
    DiskDeviceMappings: { DiskDeviceMapping: image.kind === "full" ? [system, data] : image.kind === "data" ? [data] : [system] },
  };
  // ImageOwnerId is a JSON number on the wire (the SDK's model types it so); written as a raw
  // token by `encode` so an id of any length keeps its digits. Left out for non-numeric ids.
  const owner = owned ? account : image.owner;
  if (/^\d{1,30}$/.test(owner)) body.ImageOwnerId = new RawNumber(owner);
  return body;
}

async function describeImageSharePermission({ service, region }: Caller, p: Params) {
  const imageId = required(p, "ImageId");
  const pageNumber = intParam(p, "PageNumber", 1, 1, 1_000_000);
  // PageSize: 1..100, default 10 (API reference).
  const pageSize = intParam(p, "PageSize", 10, 1, 100);
  const accounts = (await service.memberRecords(imageId)).filter((m) => m.type === "account" && m.status !== "rejected");
  return {
    RegionId: region,
    ImageId: imageId,
    TotalCount: accounts.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    ShareGroups: { ShareGroup: [] },
    Accounts: { Account: accounts.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((m) => ({ AliyunId: m.id, SharedTime: isoSeconds(m.createdAt) })) },
  };
}

async function modifyImageSharePermission({ service }: Caller, p: Params) {
  const imageId = required(p, "ImageId");
  // Like the cloud: the first 10 of each list, the rest silently ignored.
  const add = listParam(p, "AddAccount").slice(0, MAX_ACCOUNTS_PER_CALL);
  const remove = listParam(p, "RemoveAccount").slice(0, MAX_ACCOUNTS_PER_CALL);
  if (add.length > 0) await service.addMembers(imageId, add.map((id) => ({ type: "account", id })));
  if (remove.length > 0) await service.removeMembers(imageId, remove.map((id) => ({ type: "account", id })));
  // Nothing to change: the image must still exist and be the caller's.
  if (add.length === 0 && remove.length === 0) await service.listMembers(imageId, { pageSize: 1 });
  return {};
}

async function copyImage({ service }: Caller, p: Params) {
  const imageId = required(p, "ImageId");
  const region = required(p, "DestinationRegionId");
  // ClientToken: the model returns the first copy for a retried call (its jobs keep the token).
  const job = await service.copyImage({ imageId, region, name: p.DestinationImageName || undefined, description: p.DestinationDescription || undefined, clientToken: p.ClientToken || undefined });
  if (!job.imageId) throw ERRORS.internal("the copy named no image");
  return { ImageId: job.imageId };
}

async function deleteImage({ service }: Caller, p: Params) {
  const imageId = required(p, "ImageId");
  // "If the specified custom image does not exist, the request is ignored." (DeleteImage reference)
  await service.deleteImage(imageId).catch((e: unknown) => {
    if (!isImageServiceError(e, "not-found")) throw e;
  });
  return {};
}

/**
 * CancelCopyImage, in the destination region, of the copy being made: "the image that is being
 * created in the destination region is automatically deleted"; a copy that has finished is refused.
 */
async function cancelCopyImage({ service }: Caller, p: Params) {
  await service.cancelCopy(required(p, "ImageId"));
  return {};
}

const ACTIONS: Record<string, Action> = {
  DescribeImages: describeImages,
  CancelCopyImage: cancelCopyImage,
  DescribeImageSharePermission: describeImageSharePermission,
  ModifyImageSharePermission: modifyImageSharePermission,
  CopyImage: copyImage,
  DeleteImage: deleteImage,
};

export interface AlibabaCloudDialectOptions {
  /** Clock for timestamp checks (tests). */
  now?: () => number;
  /** Consulted once per authenticated request, before it is served; default the emulator's takeFault. */
  fault?: (action: string) => AlibabaFault | undefined;
}

/** Alibaba Cloud ECS over HTTP, on top of the emulator. */
export function createAlibabaCloudDialect(emulator: AlibabaCloudEmulator, options: AlibabaCloudDialectOptions = {}): Dialect {
  const now = options.now ?? Date.now;
  const nonces = new NonceLog();
  return defineDialect({
    name: "alicloud",
    matches(request, url) {
      if (request.headers["x-acs-action"] !== undefined || request.headers["x-acs-version"] !== undefined) return true;
      if (String(request.headers.authorization ?? "").startsWith("ACS3-")) return true;
      return url.pathname === "/" && url.searchParams.has("Action") && url.searchParams.has("SignatureVersion");
    },
    requestId: () => randomUUID().toUpperCase(),
    accept(request: WireRequest) {
      const signed = verifyAlibabaSignature(request, (id) => emulator.findAccessKey(id), nonces, now());
      if (signed.version !== API_VERSION) throw err(400, "InvalidVersion", `Specified parameter Version is not valid: this endpoint serves ECS ${API_VERSION}.`);
      const run = Object.prototype.hasOwnProperty.call(ACTIONS, signed.action) ? ACTIONS[signed.action] : undefined;
      if (!run) throw err(404, "InvalidAction.NotFound", `Specified api is not found, please check your url and method.`);
      return { action: signed.action, run, params: signed.params, account: signed.key.account };
    },
    async serve(request, { run, params, account }) {
      const region = required(params, "RegionId");
      const result = await run({ region, account, service: emulator.service({ profile: "alicloud", region, account }) }, params);
      return answer(200, { RequestId: request.requestId, ...result });
    },
    fault: faultSource(emulator, options.fault),
    faults: {
      throttle: () => fixed("Throttling.User"),
      "internal-error": fixed("InternalError"),
      "service-unavailable": fixed("ServiceUnavailable"),
      "http-status": (status) => ({ status, headers: { "content-type": "text/html" }, body: `<html><body>emulated gateway error ${status}</body></html>` }),
    },
    errors: ERRORS,
    renderError: (error, request) =>
      answer(error.status, {
        RequestId: request.requestId,
        HostId: request.header("host") ?? "ecs.aliyuncs.com",
        Code: error.code,
        Message: error.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Ecs&requestId=${request.requestId}`,
      }),
  });
}

/** A JSON number written with its exact digits. */
class RawNumber {
  constructor(readonly digits: string) {}
}

/** JSON with RawNumbers written as number tokens. */
function answer(status: number, body: unknown) {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_k, v: unknown) => {
    if (v instanceof RawNumber) {
      raws.push(v.digits);
      return `\u0000RAW${raws.length - 1}\u0000`;
    }
    return v;
  }).replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]);
  return { status, headers: { "content-type": "application/json;charset=utf-8" }, body: text };
}
