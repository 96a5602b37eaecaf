import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ImageServiceError, isImageServiceError } from "../../errors";
import type { ImageInfo, ImageService } from "../../types";
import { listAllMembers } from "../../types";
import type { Dialect } from "./dialect";

/**
 * Alibaba Cloud ECS (API version 2014-05-26, RPC style) served on top of the emulator: the
 * actions the alicloud backend calls, in the shapes the official SDK (@alicloud/ecs20140526 on
 * @alicloud/openapi-core) sends and reads.
 *
 * Requests: the SDK signs ACS3-HMAC-SHA256 by default, names the action and version in the
 * `x-acs-action` / `x-acs-version` headers and sends the parameters in the query string (list
 * parameters flattened as `AddAccount.1`, `AddAccount.2`, ...), POST to "/". With
 * `signatureAlgorithm: "v2"` it sends the older RPC signature (HMAC-SHA1, `Signature` and
 * `Action` among the query parameters). Both are verified against the access key's secret.
 *
 * Answers: JSON; errors as `{RequestId, HostId, Code, Message, Recommend}` with the HTTP status
 * the API reference gives for the code.
 */

/** What the dialect needs of the emulator. */
export interface AlibabaCloudEmulator {
  /** The access key's secret and the account it acts as, if the emulator knows the key. */
  findAccessKey(id: string): { secret: string; account: string } | undefined;
  /** An ImageService acting as `account` in `region`. */
  service(options: { profile: "alicloud"; region: string; account: string }): ImageService;
  /** The next fault the emulator schedules for this dialect and action, if it schedules any. */
  takeFault?(action: string): AlibabaFault | undefined;
}

/**
 * Faults as Alibaba Cloud's clients see them: throttling (Throttling.User) and server errors
 * (InternalError 500, ServiceUnavailable 503) in the API's error shape, a gateway's 5xx whose
 * body is not the API's JSON, a slow answer, or a connection dropped without an answer.
 */
export type AlibabaFault =
  | { kind: "throttle" }
  | { kind: "internal-error" }
  | { kind: "service-unavailable" }
  | { kind: "http-status"; status: number }
  | { kind: "latency"; ms: number }
  | { kind: "drop" };

const API_VERSION = "2014-05-26";
/** Alibaba Cloud refuses requests whose timestamp is more than 15 minutes off. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** ModifyImageSharePermission "processes only the first 10 account IDs. The excess account IDs are ignored." */
const MAX_ACCOUNTS_PER_CALL = 10;

// ---------------------------------------------------------------------------------------------
// Signatures, computed as the SDK computes them (openapi-core utils: getAuthorization, getRPCSignature).

/** The SDK's percent-encoding: encodeURIComponent plus ! ' ( ) * (RFC 3986). */
export function acsEncode(value: string): string {
  return encodeURIComponent(value).replace(/!/g, "%21").replace(/'/g, "%27").replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/\*/g, "%2A");
}

const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; undefined when malformed. */
export function parseAcs3Authorization(header: string | undefined): Acs3Authorization | undefined {
  if (!header) return undefined;
  const match = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/.exec(header.trim());
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[2].split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!accessKeyId || signedHeaders === undefined || !signature) return undefined;
  return { algorithm: match[1], accessKeyId, signedHeaders: signedHeaders.split(";").filter((h) => h !== ""), signature };
}

/**
 * The ACS3 canonical request: method, URI, the query sorted by key with values encoded (keys as
 * they are: the SDK does not encode them), the signed headers lower-cased, trimmed and sorted,
 * the signed header list, and the hex SHA-256 of the body.
 */
export function acs3CanonicalRequest(input: {
  method: string;
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}): string {
  const uri = (input.pathname || "/").replace(/\+/g, "%20").replace(/\*/g, "%2A").replace(/%7E/g, "~");
  const query = Object.keys(input.query)
    .sort()
    .map((k) => `${k}=${acsEncode(input.query[k])}`)
    .join("&");
  const names = input.signedHeaders.map((h) => h.toLowerCase()).sort();
  const headers = names
    .map((name) => {
      const raw = input.headers[name];
      const value = Array.isArray(raw) ? raw.map((v) => v.trim()).sort().join(",") : (raw ?? "").trim();
      return `${name}:${value}\n`;
    })
    .join("");
  return `${input.method}\n${uri}\n${query}\n${headers}\n${names.join(";")}\n${input.payloadHash}`;
}

export function acs3StringToSign(canonicalRequest: string, algorithm = "ACS3-HMAC-SHA256"): string {
  return `${algorithm}\n${sha256Hex(canonicalRequest)}`;
}

export function acs3Signature(secret: string, stringToSign: string): string {
  return createHmac("sha256", secret).update(stringToSign).digest("hex");
}

/** The RPC (HMAC-SHA1, SignatureVersion 1.0) string to sign: METHOD&%2F&encode(sorted encoded params). */
export function rpcStringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${acsEncode(k)}=${acsEncode(params[k])}`)
    .join("&");
  return `${method}&${acsEncode("/")}&${acsEncode(canonical)}`;
}

export function rpcSignature(secret: string, stringToSign: string): string {
  return createHmac("sha1", `${secret}&`).update(stringToSign).digest("base64");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------------------------------------
// Errors in Alibaba Cloud's shape.

/** An error answered in Alibaba Cloud's shape. */
export class AlibabaCloudApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const err = (status: number, code: string, message: string) => new AlibabaCloudApiError(status, code, message);

const missing = (name: string) => err(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);

/**
 * The model's typed errors, as the API reports them. Codes and statuses from the API reference
 * pages (ModifyImageSharePermission error table; DeleteImage: 403 ImageUseShared; common codes).
 */
/**
 * Alibaba Cloud codes the emulator's model may carry (its alicloud refusals), with their HTTP
 * statuses and the API's own messages where it has fixed ones.
 */
const KNOWN_CODES: Record<string, { status: number; message?: string }> = {
  "InvalidImageId.NotFound": { status: 404, message: "The specified ImageId does not exist." },
  "QuotaExceed.ShareImageUser": { status: 403, message: "The shared Image user Quota exceeds." },
  "InvalidAccount.Forbbiden": { status: 404, message: "The specified Account does not yourself." },
  "InvalidAccount.NotFound": { status: 404, message: `The specified parameter "AddAccount.n" or "RemoveAccount.n" does not exist.` },
  ImageUseShared: { status: 403, message: "The specified image has been shared to others. You can use the DescribeImageSharePermission API to query the users who have been shared." },
  IncorrectImageStatus: { status: 403, message: "The current status of the image does not support this operation." },
  "InvalidRegionId.NotFound": { status: 404, message: "The specified RegionId does not exist." },
  "InvalidRegionId.Malformed": { status: 400, message: "The specified parameter RegionId is not valid." },
  "InvalidImageName.Duplicated": { status: 400, message: "The specified Image name has already been used." },
  OperationDenied: { status: 403 },
  InvalidParameter: { status: 400 },
  "Throttling.User": { status: 400, message: "Request was denied due to user flow control." },
  ServiceUnavailable: { status: 503, message: "The request has failed due to a temporary failure of the server." },
  InternalError: { status: 500, message: "The request processing has failed due to some unknown error, exception or failure." },
};

function fromModelError(e: ImageServiceError, action: string, imageId: string | undefined): AlibabaCloudApiError {
  // The model's own Alibaba Cloud code, where it gives one, passes through.
  const known = e.cloudCode !== undefined ? KNOWN_CODES[e.cloudCode] : undefined;
  if (known && e.cloudCode) return err(known.status, e.cloudCode, known.message ?? e.message);
  switch (e.kind) {
    case "throttled":
      // The SDK classes any code containing "Throttling" as throttling, whatever the status.
      return err(400, "Throttling.User", "Request was denied due to user flow control.");
    case "transient":
      return err(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.");
    case "timeout":
      return err(500, "InternalError", "The request processing has failed due to some unknown error, exception or failure.");
    case "quota-exceeded":
      return e.rule === "member-limit" || action === "ModifyImageSharePermission"
        ? err(403, "QuotaExceed.ShareImageUser", "The shared Image user Quota exceeds.")
        : err(403, "QuotaExceed", e.message);
    case "auth":
      return err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    default:
      break;
  }
  if (e.rule === "self-share") return err(404, "InvalidAccount.Forbbiden", "The specified Account does not yourself.");
  if (e.rule === "delete-while-shared") {
    return err(403, "ImageUseShared", "The specified image has been shared to others. You can use the DescribeImageSharePermission API to query the users who have been shared.");
  }
  const aboutAccount = /account|member|domain|user/i.test(e.cloudCode ?? "") || (/\baccount\b/i.test(e.message) && !/\bimage\b/i.test(e.message));
  if (e.kind === "not-found" && aboutAccount) {
    return err(404, "InvalidAccount.NotFound", `The specified parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`);
  }
  if (e.kind === "not-found" || e.kind === "forbidden" || e.rule === "reshare-forbidden") {
    // Alibaba Cloud answers "not found" for another account's image: it does not exist in this account.
    return err(404, "InvalidImageId.NotFound", `The specified image ${imageId ?? ""} does not exist.`.replace("  ", " "));
  }
  if (e.kind === "conflict") return err(403, "IncorrectImageStatus", e.message);
  return err(400, "InvalidParameter", e.message);
}

// ---------------------------------------------------------------------------------------------
// Requests.

interface ParsedRequest {
  action: string;
  version: string;
  params: Record<string, string>;
  accessKeyId: string;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseForm(body: Buffer, contentType: string | undefined): Record<string, string> {
  if (body.length === 0 || !contentType || !contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) return {};
  return Object.fromEntries(new URLSearchParams(body.toString("utf8")));
}

/** Recently used signature nonces (Alibaba Cloud refuses a replayed nonce within 15 minutes). */
class NonceLog {
  private readonly seen = new Map<string, number>();
  /** False when the nonce was seen within the window. */
  use(nonce: string, now: number): boolean {
    if (this.seen.size > 10_000) {
      for (const [n, at] of this.seen) if (now - at > MAX_CLOCK_SKEW_MS) this.seen.delete(n);
    }
    const at = this.seen.get(nonce);
    if (at !== undefined && now - at <= MAX_CLOCK_SKEW_MS) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

function checkTimestamp(value: string | undefined, name: string, now: number): void {
  if (!value) throw missing(name);
  const at = Date.parse(value);
  if (!Number.isFinite(at)) throw err(400, "InvalidTimeStamp.Format", `Specified time stamp or date value is not well formatted.`);
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) throw err(400, "InvalidTimeStamp.Expired", `Specified time stamp or date value is expired.`);
}

// ---------------------------------------------------------------------------------------------
// The dialect.

export interface AlibabaCloudDialectOptions {
  /** Clock for timestamp checks (tests). */
  now?: () => number;
  /**
   * Consulted once per authenticated request, before it is served: the fault to inject, if any.
   * Default: the emulator's own fault schedule (`takeFault`), where it has one.
   */
  fault?: (action: string) => AlibabaFault | undefined;
}

/** Alibaba Cloud ECS over HTTP, on top of the emulator. */
export function createAlibabaCloudDialect(emulator: AlibabaCloudEmulator, options: AlibabaCloudDialectOptions = {}): Dialect {
  const now = options.now ?? Date.now;
  const nonces = new NonceLog();
  // CopyImage ClientToken -> the copy's answer: a retried call returns the first copy.
  const copyTokens = new Map<string, { imageId: string }>();
  // A copy's new image -> the model's job for it (the job carries progress and a failure reason,
  // which DescribeImages reports as the image's Progress and Status).
  const copyJobs = new Map<string, { jobId: string; region: string; account: string }>();

  /** Authenticates the request; returns the action, its parameters and the caller's key. */
  function authenticate(request: IncomingMessage, body: Buffer): ParsedRequest {
    const url = new URL(request.url ?? "/", "http://emulator.invalid");
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    const form = parseForm(body, firstHeader(request.headers["content-type"]));
    const authorization = firstHeader(request.headers.authorization);
    const t = now();

    if (authorization !== undefined) {
      const auth = parseAcs3Authorization(authorization);
      if (!auth) throw err(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
      if (auth.algorithm !== "ACS3-HMAC-SHA256") {
        throw err(400, "IncompleteSignature", `The signature algorithm ${auth.algorithm} is not supported by this endpoint; use ACS3-HMAC-SHA256.`);
      }
      for (const required of ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"]) {
        if (!auth.signedHeaders.map((h) => h.toLowerCase()).includes(required)) {
          throw err(400, "IncompleteSignature", `The request signature does not conform to Aliyun standards: header ${required} is not signed.`);
        }
      }
      const key = emulator.findAccessKey(auth.accessKeyId);
      if (!key) throw err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
      const canonical = acs3CanonicalRequest({
        method: request.method ?? "GET",
        pathname: url.pathname,
        query,
        headers: request.headers,
        signedHeaders: auth.signedHeaders,
        payloadHash: sha256Hex(body),
      });
      const stringToSign = acs3StringToSign(canonical, auth.algorithm);
      if (!sameText(acs3Signature(key.secret, stringToSign), auth.signature.toLowerCase())) {
        throw err(400, "SignatureDoesNotMatch", `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`);
      }
      checkTimestamp(firstHeader(request.headers["x-acs-date"]), "x-acs-date", t);
      if (!nonces.use(`${auth.accessKeyId}:${firstHeader(request.headers["x-acs-signature-nonce"])}`, t)) {
        throw err(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
      }
      const action = firstHeader(request.headers["x-acs-action"]) ?? "";
      const version = firstHeader(request.headers["x-acs-version"]) ?? "";
      return { action, version, params: { ...query, ...form }, accessKeyId: auth.accessKeyId };
    }

    // The RPC signature: every parameter, Signature excepted, signed with HMAC-SHA1.
    const params: Record<string, string> = { ...query, ...form };
    const { Signature: signature, ...signed } = params;
    if (!signature) throw err(400, "MissingParameter", `An input parameter "Signature" that is mandatory for processing the request is not supplied.`);
    if (!params.AccessKeyId) throw missing("AccessKeyId");
    if (params.SignatureMethod !== "HMAC-SHA1") throw err(400, "InvalidSignatureMethod", "Specified signature method is not valid.");
    if (params.SignatureVersion !== "1.0") throw err(400, "InvalidSignatureVersion", "Specified signature version is not valid.");
    const key = emulator.findAccessKey(params.AccessKeyId);
    if (!key) throw err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    const stringToSign = rpcStringToSign(request.method ?? "GET", signed);
    if (!sameText(rpcSignature(key.secret, stringToSign), signature)) {
      throw err(400, "SignatureDoesNotMatch", `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`);
    }
    checkTimestamp(params.Timestamp, "Timestamp", t);
    if (!params.SignatureNonce) throw missing("SignatureNonce");
    if (!nonces.use(`${params.AccessKeyId}:${params.SignatureNonce}`, t)) throw err(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
    return { action: params.Action ?? "", version: params.Version ?? "", params: signed, accessKeyId: params.AccessKeyId };
  }

  function serviceFor(request: ParsedRequest): { service: ImageService; region: string; account: string } {
    const region = request.params.RegionId;
    if (!region) throw missing("RegionId");
    const key = emulator.findAccessKey(request.accessKeyId);
    if (!key) throw err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    return { service: emulator.service({ profile: "alicloud", region, account: key.account }), region, account: key.account };
  }

  /** Values of a list parameter (`Name.1`, `Name.2`, ...) in N order. */
  function listParam(params: Record<string, string>, name: string): string[] {
    const entries: [number, string][] = [];
    for (const [k, v] of Object.entries(params)) {
      const m = new RegExp(`^${name}\\.(\\d+)$`).exec(k);
      if (m && v !== "") entries.push([Number(m[1]), v]);
    }
    return entries.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  function intParam(params: Record<string, string>, name: string, fallback: number, min: number, max: number): number {
    const raw = params[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw err(400, `Invalid${name}.Malformed`, `The specified parameter "${name}" is not valid.`);
    return n;
  }

  async function modelCall<T>(action: string, imageId: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (isImageServiceError(e)) throw fromModelError(e, action, imageId);
      throw e;
    }
  }

  const STATUS: Record<ImageInfo["status"], string> = { creating: "Creating", available: "Available", failed: "CreateFailed" };

  async function describeImages(request: ParsedRequest): Promise<Record<string, unknown>> {
    const { service, region, account } = serviceFor(request);
    const p = request.params;
    const pageNumber = intParam(p, "PageNumber", 1, 1, 1_000_000);
    const pageSize = intParam(p, "PageSize", 10, 1, 100);
    // Only Available images unless Status says otherwise (API reference: "Default value: Available").
    const statusParam = p.Status && p.Status !== "" ? p.Status : "Available";
    const statuses = new Set(statusParam.split(",").map((s) => s.trim()));
    const all = statuses.has("ALL");
    const ids = (p.ImageId ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
    const found: ImageInfo[] = [];
    for (const id of ids) {
      try {
        found.push(await service.getImage(id));
      } catch (e) {
        // DescribeImages answers an empty list for an image id it cannot see.
        if (!isImageServiceError(e, "not-found") && !isImageServiceError(e, "forbidden")) {
          if (isImageServiceError(e)) throw fromModelError(e, "DescribeImages", id);
          throw e;
        }
      }
    }
    const alias = p.ImageOwnerAlias;
    const resolved = await Promise.all(found.map(async (info) => ({ info, ...(await copyProgress(info)) })));
    const images = resolved
      .filter((i) => all || statuses.has(STATUS[i.status]))
      .filter((i) => !alias || alias === (i.info.sharedWithCaller ? "others" : "self"));
    const page = images.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return {
      RegionId: region,
      TotalCount: images.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      Images: {
        Image: await Promise.all(page.map((i) => imageBody(i.info, i.status, i.progress, account, service))),
      },
    };
  }

  /** The copy job behind an image still being created, if this dialect started it. */
  async function copyProgress(image: ImageInfo): Promise<{ status: ImageInfo["status"]; progress?: number }> {
    const copy = copyJobs.get(image.id);
    if (!copy || image.status !== "creating") return { status: image.status };
    try {
      const job = await emulator.service({ profile: "alicloud", region: copy.region, account: copy.account }).getJob(copy.jobId);
      if (job.status === "failed") return { status: "failed", progress: job.progress };
      if (job.status === "succeeded") return { status: "available", progress: 100 };
      return { status: "creating", progress: job.progress };
    } catch {
      return { status: image.status };
    }
  }

  async function imageBody(
    image: ImageInfo,
    status: ImageInfo["status"],
    progress: number | undefined,
    account: string,
    service: ImageService,
  ): Promise<Record<string, unknown>> {
    const owned = !image.sharedWithCaller;
    let shared = false;
    if (owned) {
      try {
        shared = (await service.listMembers(image.id, { pageSize: 1 })).items.length > 0;
      } catch {
        shared = false;
      }
    }
    const mappings =
      image.kind === "full"
        ? [{ Type: "system", Device: "/dev/xvda", Size: "40" }, { Type: "data", Device: "/dev/xvdb", Size: "100" }]
        : image.kind === "data"
          ? [{ Type: "data", Device: "/dev/xvdb", Size: "100" }]
          : [{ Type: "system", Device: "/dev/xvda", Size: "40" }];
    const body: Record<string, unknown> = {
      ImageId: image.id,
      ImageName: image.name,
      Description: image.description ?? "",
      Status: STATUS[status],
      Progress: `${progress ?? (status === "creating" ? 0 : 100)}%`,
      ImageOwnerAlias: owned ? "self" : "others",
      IsSelfShared: owned ? String(shared) : "",
      IsCopied: image.sourceImageId !== undefined,
      Usage: "none",
      OSType: "linux",
      Architecture: "x86_64",
      DiskDeviceMappings: { DiskDeviceMapping: mappings },
    };
    // ImageOwnerId is a JSON number on the wire (the SDK's model types it so); written as a raw
    // token by `encode` so an id of any length keeps its digits. Left out for non-numeric ids.
    const owner = owned ? account : image.owner;
    if (/^\d{1,30}$/.test(owner)) body.ImageOwnerId = new RawNumber(owner);
    return body;
  }

  async function describeImageSharePermission(request: ParsedRequest): Promise<Record<string, unknown>> {
    const { service, region } = serviceFor(request);
    const p = request.params;
    const imageId = p.ImageId;
    if (!imageId) throw missing("ImageId");
    const pageNumber = intParam(p, "PageNumber", 1, 1, 1_000_000);
    // PageSize: 1..100, default 10 (API reference).
    const pageSize = intParam(p, "PageSize", 10, 1, 100);
    const members = await modelCall("DescribeImageSharePermission", imageId, () => listAllMembers(service, imageId));
    const accounts = members.filter((m) => m.type === "account" && m.status !== "rejected");
    const page = accounts.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return {
      RegionId: region,
      ImageId: imageId,
      TotalCount: accounts.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      ShareGroups: { ShareGroup: [] },
      Accounts: { Account: page.map((m) => ({ AliyunId: m.id })) },
    };
  }

  async function modifyImageSharePermission(request: ParsedRequest): Promise<Record<string, unknown>> {
    const { service } = serviceFor(request);
    const p = request.params;
    const imageId = p.ImageId;
    if (!imageId) throw missing("ImageId");
    // Like the cloud: the first 10 of each list, the rest silently ignored.
    const add = listParam(p, "AddAccount").slice(0, MAX_ACCOUNTS_PER_CALL);
    const remove = listParam(p, "RemoveAccount").slice(0, MAX_ACCOUNTS_PER_CALL);
    if (add.length > 0) await modelCall("ModifyImageSharePermission", imageId, () => service.addMembers(imageId, add.map((id) => ({ type: "account", id }))));
    if (remove.length > 0) await modelCall("ModifyImageSharePermission", imageId, () => service.removeMembers(imageId, remove.map((id) => ({ type: "account", id }))));
    if (add.length === 0 && remove.length === 0) {
      // Nothing to change; the image must still exist and be the caller's.
      await modelCall("ModifyImageSharePermission", imageId, () => service.listMembers(imageId, { pageSize: 1 }));
    }
    return {};
  }

  async function copyImage(request: ParsedRequest): Promise<Record<string, unknown>> {
    const { service, account } = serviceFor(request);
    const p = request.params;
    const imageId = p.ImageId;
    if (!imageId) throw missing("ImageId");
    const destination = p.DestinationRegionId;
    if (!destination) throw missing("DestinationRegionId");
    const token = p.ClientToken ? `${account}:${p.ClientToken}` : undefined;
    const earlier = token ? copyTokens.get(token) : undefined;
    if (earlier) return { ImageId: earlier.imageId };
    const job = await modelCall("CopyImage", imageId, () =>
      service.copyImage({ imageId, region: destination, name: p.DestinationImageName || undefined, description: p.DestinationDescription || undefined }),
    );
    if (!job.imageId) throw err(500, "InternalError", "The request processing has failed due to some unknown error, exception or failure.");
    if (token) copyTokens.set(token, { imageId: job.imageId });
    copyJobs.set(job.imageId, { jobId: job.id, region: request.params.RegionId, account });
    return { ImageId: job.imageId };
  }

  async function deleteImage(request: ParsedRequest): Promise<Record<string, unknown>> {
    const { service } = serviceFor(request);
    const imageId = request.params.ImageId;
    if (!imageId) throw missing("ImageId");
    try {
      await service.deleteImage(imageId);
    } catch (e) {
      // "If the specified custom image does not exist, the request is ignored." (DeleteImage reference)
      if (isImageServiceError(e, "not-found")) return {};
      if (isImageServiceError(e)) throw fromModelError(e, "DeleteImage", imageId);
      throw e;
    }
    return {};
  }

  const actions: Record<string, (r: ParsedRequest) => Promise<Record<string, unknown>>> = {
    DescribeImages: describeImages,
    DescribeImageSharePermission: describeImageSharePermission,
    ModifyImageSharePermission: modifyImageSharePermission,
    CopyImage: copyImage,
    DeleteImage: deleteImage,
  };

  return {
    name: "alicloud",
    matches(request: IncomingMessage): boolean {
      if (request.headers["x-acs-action"] !== undefined || request.headers["x-acs-version"] !== undefined) return true;
      const auth = firstHeader(request.headers.authorization);
      if (auth?.startsWith("ACS3-")) return true;
      const url = new URL(request.url ?? "/", "http://emulator.invalid");
      return url.pathname === "/" && url.searchParams.has("Action") && url.searchParams.has("SignatureVersion");
    },
    async handle(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
      const requestId = randomUUID().toUpperCase();
      const host = firstHeader(request.headers.host) ?? "ecs.aliyuncs.com";
      try {
        const parsed = authenticate(request, body);
        if (parsed.version !== API_VERSION) {
          throw err(400, "InvalidVersion", `Specified parameter Version is not valid: this endpoint serves ECS ${API_VERSION}.`);
        }
        const run = Object.prototype.hasOwnProperty.call(actions, parsed.action) ? actions[parsed.action] : undefined;
        if (!run) throw err(404, "InvalidAction.NotFound", `Specified api is not found, please check your url and method.`);
        const fault = (options.fault ?? emulator.takeFault?.bind(emulator))?.(parsed.action);
        if (fault?.kind === "drop") {
          request.socket.destroy();
          return;
        }
        if (fault?.kind === "http-status") {
          response.writeHead(fault.status, { "content-type": "text/html" }).end(`<html><body>emulated gateway error ${fault.status}</body></html>`);
          return;
        }
        if (fault?.kind === "latency") await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (fault?.kind === "throttle") throw err(400, "Throttling.User", "Request was denied due to user flow control.");
        if (fault?.kind === "internal-error") throw err(500, "InternalError", "The request processing has failed due to some unknown error, exception or failure.");
        if (fault?.kind === "service-unavailable") throw err(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.");
        const result = await run(parsed);
        send(response, 200, { RequestId: requestId, ...result });
      } catch (e) {
        const apiError =
          e instanceof AlibabaCloudApiError
            ? e
            : isImageServiceError(e)
              ? fromModelError(e, "", undefined)
              : err(500, "InternalError", "The request processing has failed due to some unknown error, exception or failure.");
        send(response, apiError.status, {
          RequestId: requestId,
          HostId: host,
          Code: apiError.code,
          Message: apiError.message,
          Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(apiError.code)}&product=Ecs&requestId=${requestId}`,
        });
      }
    },
  };
}

/** A JSON number written with its exact digits. */
class RawNumber {
  constructor(readonly digits: string) {}
}

function encode(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawNumber) {
      raws.push(v.digits);
      return `\u0000RAW${raws.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = encode(body);
  response.writeHead(status, { "content-type": "application/json;charset=utf-8", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
