import { ImageServiceError, unreachableCode, type ImageServiceErrorKind } from "../errors";
import type { RuleId } from "../../rules/rule";

/**
 * Alibaba Cloud ECS error codes and what they mean to a caller. Sources: the ECS API reference
 * pages for ModifyImageSharePermission (error table, updated 2025-04-29), DeleteImage, CopyImage,
 * and Alibaba Cloud's common error codes. HTTP statuses in comments are the documented ones.
 */
interface CodeMeaning {
  kind: ImageServiceErrorKind;
  rule?: RuleId;
  /** What the user can do, appended to the cloud's message. */
  advice?: string;
}

const EXACT: Record<string, CodeMeaning> = {
  // 403. The per-image share quota (50 accounts by default, seed 003).
  "QuotaExceed.ShareImageUser": {
    kind: "quota-exceeded",
    rule: "member-limit",
    advice:
      "The image already has as many member accounts as Alibaba Cloud allows (50 by default). Remove members, or ask Alibaba Cloud to raise the quota and set `limits.member` to the new figure.",
  },
  // 403. The account-wide count of shared images.
  "QuotaExceed.ShareImage": { kind: "quota-exceeded", advice: "The account shares as many images as its quota allows; stop sharing another image or ask Alibaba Cloud to raise the quota." },
  // 404, spelled "Forbbiden" by the API (sic): sharing an image with its own owner.
  "InvalidAccount.Forbbiden": { kind: "invalid", rule: "self-share", advice: "An image cannot be shared with the account that owns it; remove the owner from the members." },
  "InvalidAccount.Forbidden": { kind: "invalid", rule: "self-share", advice: "An image cannot be shared with the account that owns it; remove the owner from the members." },
  // 404. An AddAccount.N / RemoveAccount.N account id that does not exist.
  "InvalidAccount.NotFound": { kind: "not-found", advice: "Check the member account ids (Alibaba Cloud account ids, as shown under Account Management > Security Settings)." },
  // 404. The image does not exist in this account and region (also: an image shared with the caller, which it cannot share on).
  "InvalidImageId.NotFound": { kind: "not-found", advice: "Check the image id and the region." },
  "InvalidImageId.Malformed": { kind: "invalid", advice: "Image ids of custom images start with `m-`." },
  // 403 (DeleteImage). The image still has member accounts.
  ImageUseShared: {
    kind: "conflict",
    rule: "delete-while-shared",
    advice: "Alibaba Cloud refuses to delete an image that is shared; remove every member account first (DescribeImageSharePermission lists them).",
  },
  ImageUsingByInstance: { kind: "conflict", advice: "Instances were created from this image; delete them, or delete with Force." },
  "InvalidImageId.BidMismatch": { kind: "forbidden", advice: "Images cannot be shared with accounts of another site (China / international)." },
  "OperationDeined.EncryptedSnapshot": { kind: "forbidden", advice: "Images with encrypted snapshots cannot be shared; copy the image with a customer master key first." },
  "InvalidOperation.ServiceKeyEncryptedImageUnsupported": { kind: "forbidden", advice: "Copy the image re-encrypted with a customer master key (CMK), then share the copy." },
  "IncorrectImageStatus": { kind: "conflict", advice: "The image is not Available yet (a copy still running?); wait for it, then retry." },
  "InvalidRegionId.NotFound": { kind: "invalid", advice: "Check the region id (e.g. cn-hangzhou)." },
  "InvalidRegionId.Malformed": { kind: "invalid", advice: "Check the region id (e.g. cn-hangzhou)." },
  // Authentication (common error codes).
  SignatureDoesNotMatch: { kind: "auth", advice: "The AccessKey secret does not match the AccessKey id; check ALICLOUD_SECRET_KEY." },
  IncompleteSignature: { kind: "auth", advice: "The request signature is malformed." },
  "InvalidAccessKeyId.NotFound": { kind: "auth", advice: "The AccessKey id does not exist; check ALICLOUD_ACCESS_KEY." },
  "InvalidAccessKeyId.Inactive": { kind: "auth", advice: "The AccessKey is disabled; enable it or use another." },
  InvalidAccessKeyId: { kind: "auth" },
  "InvalidSecurityToken.Expired": { kind: "auth", advice: "The STS token expired; refresh the temporary credentials." },
  "InvalidSecurityToken.MismatchWithAccessKey": { kind: "auth" },
  "InvalidSecurityToken.Malformed": { kind: "auth" },
  "InvalidTimeStamp.Expired": { kind: "auth", advice: "The request's time is more than 15 minutes off; check the machine's clock." },
  SignatureNonceUsed: { kind: "auth" },
  MissingAuthorization: { kind: "auth" },
  Forbidden: { kind: "forbidden", advice: "The credentials lack permission for this operation (RAM policy)." },
  Forbbiden: { kind: "forbidden", advice: "The credentials lack permission for this operation (RAM policy)." },
  NoPermission: { kind: "forbidden", advice: "The credentials lack permission for this operation (RAM policy)." },
  "Forbidden.RAM": { kind: "forbidden", advice: "The RAM user lacks permission for this operation." },
  // Transient server-side failures.
  ServiceUnavailable: { kind: "transient" },
  ServiceUnavailableTemporary: { kind: "transient" },
  SerivceUnavailableTemporary: { kind: "transient" },
  InternalError: { kind: "transient" },
  InternalFailure: { kind: "transient" },
  UnknownError: { kind: "transient" },
  LastTokenProcessing: { kind: "transient" },
  "InvalidAction.NotFound": { kind: "invalid", advice: "The endpoint does not serve this ECS API action; check the endpoint override." },
};

function meaningOf(code: string, status: number | undefined): CodeMeaning {
  const exact = EXACT[code];
  if (exact) return exact;
  // Throttling, Throttling.User, Throttling.Api, Throttling.Resource ...: the SDK itself
  // classes any code containing "Throttling" as a ThrottlingError.
  if (code.includes("Throttling")) return { kind: "throttled" };
  if (code.startsWith("QuotaExceed")) return { kind: "quota-exceeded" };
  if (code.startsWith("MissingParameter") || code.startsWith("InvalidParameter") || code.startsWith("InvalidParam") || code.includes("Malformed")) {
    return { kind: "invalid" };
  }
  if (code.endsWith(".NotFound")) return { kind: "not-found" };
  if (code.startsWith("Forbidden") || code.startsWith("OperationDenied") || code.startsWith("OperationDeined")) return { kind: "forbidden" };
  if (status !== undefined && status >= 500) return { kind: "transient" };
  if (status === 429) return { kind: "throttled" };
  if (status === 401) return { kind: "auth" };
  if (status === 403) return { kind: "forbidden" };
  if (status === 404) return { kind: "not-found" };
  return { kind: "invalid" };
}

/** Network-level failures where the request may not have arrived or its answer was lost. */
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "UND_ERR_SOCKET"]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  data?: unknown;
}

/** The cloud's message without the SDK's "code: 400, ... request id: ..." wrapping. */
function cloudMessage(e: SdkErrorShape): string {
  const data = e.data as Record<string, unknown> | undefined;
  const message = data && typeof data.Message === "string" ? data.Message : undefined;
  return message ?? String(e.message ?? "");
}

/**
 * Turns anything the SDK throws into an ImageServiceError carrying the cloud's code, HTTP status
 * and request id, with a sentence the user can act on.
 */
export function toImageServiceError(error: unknown, action: string): ImageServiceError {
  if (error instanceof ImageServiceError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const code = typeof e.code === "string" && e.code !== "undefined" ? e.code : undefined;
  if (status !== undefined && code !== undefined) {
    const meaning = meaningOf(code, status);
    const requestId = typeof e.requestId === "string" && e.requestId !== "undefined" ? e.requestId : undefined;
    const parts = [`alicloud ${action}: ${code}: ${cloudMessage(e)}`.trim()];
    if (meaning.advice) parts.push(meaning.advice);
    if (meaning.rule) parts.push(`(rule ${meaning.rule})`);
    return new ImageServiceError(meaning.kind, parts.join(" "), { cloudCode: code, rule: meaning.rule, httpStatus: status, requestId });
  }
  if (status !== undefined) {
    // A status with no parseable body (a proxy's page, an empty 5xx).
    const kind = meaningOf("", status).kind;
    return new ImageServiceError(kind, `alicloud ${action}: HTTP ${status}`, { httpStatus: status });
  }
  const name = String(e.name ?? "");
  const message = String(e.message ?? error);
  if ((typeof e.code === "string" && NETWORK_CODES.has(e.code)) || name.includes("RequestTimeout") || /socket hang up|ReadTimeout|ECONNRESET/i.test(message)) {
    const unreachable = unreachableCode(error);
    // The SDK appends "<METHOD> <url> failed." to the socket's message, without a separator.
    const socket = message.split("\n")[0].replace(/(GET|POST|PUT|DELETE) https?:\/\/\S*( failed\.?)?$/, "").trim();
    return new ImageServiceError("transient", `alicloud ${action}: the connection failed (${socket})`, unreachable ? { unreachable } : {});
  }
  if (typeof e.code === "string" && e.code === "ENOTFOUND") {
    return new ImageServiceError("invalid", `alicloud ${action}: the endpoint's host name does not resolve (${message}); check the region or endpoint override`);
  }
  if (error instanceof SyntaxError) {
    // A body that is not JSON: a proxy or a broken answer, worth another try.
    return new ImageServiceError("transient", `alicloud ${action}: the answer was not JSON (${message})`);
  }
  return new ImageServiceError("invalid", `alicloud ${action}: ${message}`);
}
