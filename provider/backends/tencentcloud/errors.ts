import { ImageServiceError, unreachableCode, type ImageServiceErrorKind } from "../errors";
import type { RuleId } from "../../rules/rule";

/**
 * Tencent Cloud API 3.0 error codes the CVM image calls return, and what they mean to a caller.
 *
 * Sources: the "可能返回的错误码" lists of ModifyImageSharePermission, DescribeImageSharePermission,
 * SyncImages, DescribeImages and DeleteImages in TencentCloud/tencentcloud-sdk-go
 * (tencentcloud/cvm/v20170312/client.go, meanings in errors.go), and the API 3.0 common error
 * codes (AuthFailure.*, RequestLimitExceeded, InternalError, ...).
 *
 * Errors reach us as HTTP 200 with `Response.Error.{Code, Message}`; the Node SDK throws a
 * TencentCloudSDKHttpException carrying `code`. A non-200 status only gives `httpCode` (the SDK
 * discards the body), and a network failure gives neither.
 */
interface CodeMeaning {
  kind: ImageServiceErrorKind;
  rule?: RuleId;
  /** What the caller can do about it. */
  advice: string;
}

const CODES: Record<string, CodeMeaning> = {
  // ModifyImageSharePermission / DescribeImageSharePermission
  OverQuota: {
    kind: "quota-exceeded",
    rule: "member-limit",
    advice:
      "the image would have more members than Tencent Cloud allows (seed 004 says 50 accounts per image, the 2024-11-27 API reference says 500; the quota in force is the cloud's): remove members, or ask Tencent Cloud to raise the quota and set `limits.member` to match",
  },
  "FailedOperation.AccountIsYourSelf": {
    kind: "invalid",
    rule: "self-share",
    advice: "an image cannot be shared with the account that owns it: remove the owner from the members",
  },
  "InvalidAccountIs.YourSelf": {
    kind: "invalid",
    rule: "self-share",
    advice: "an image cannot be shared with the account that owns it: remove the owner from the members",
  },
  "InvalidAccountId.NotFound": {
    kind: "not-found",
    advice: "check the member account ids: they must be the recipients' root (main) account ids, not QQ numbers or sub-user ids",
  },
  "FailedOperation.NotMasterAccount": {
    kind: "invalid",
    advice: "a member is a collaborator (sub) account: share with the root (main) account id instead",
  },
  "UnauthorizedOperation.ImageNotBelongToAccount": {
    kind: "forbidden",
    rule: "reshare-forbidden",
    advice: "only the account that owns an image can share it or change its members; an image shared with this account cannot be shared on",
  },
  "InvalidParameterValue.LimitExceeded": {
    kind: "invalid",
    advice: "too many values in one request",
  },
  "FailedOperation.BYOLImageShareFailed": { kind: "forbidden", advice: "a bring-your-own-license image cannot be shared" },
  "FailedOperation.QImageShareFailed": { kind: "forbidden", advice: "this image cannot be shared" },
  "FailedOperation.RImageShareFailed": { kind: "forbidden", advice: "this image cannot be shared" },
  "UnsupportedOperation.EncryptedImagesNotSupported": { kind: "forbidden", advice: "encrypted images cannot be shared or copied this way" },
  "UnsupportedOperation.LocationImageNotSupported": { kind: "forbidden", advice: "this kind of image cannot be shared or copied" },

  // Images in general
  "InvalidImageId.NotFound": { kind: "not-found", advice: "check the image id and the region (images are regional)" },
  "InvalidImageId.Malformed": { kind: "invalid", advice: "image ids look like img-xxxxxxxx" },
  "InvalidParameterValue.InvalidImageState": {
    kind: "conflict",
    advice: "the image is busy with another operation or not yet NORMAL (e.g. a copy still syncing): wait for it to finish",
  },
  "InvalidImageId.IncorrectState": {
    kind: "conflict",
    advice: "the image is not in a state that allows this (creating, syncing or importing): wait for it to become NORMAL",
  },
  // "镜像状态繁忙，请稍后重试" (image busy, retry later) and "同样的任务正在运行": worth retrying.
  "FailedOperation.InvalidImageState": { kind: "transient", advice: "the image is busy: retry later" },
  "MutexOperation.TaskRunning": { kind: "transient", advice: "the same task is running: retry later" },

  // DeleteImages: "被共享的镜像，需要先取消共享关系，才能删除".
  "InvalidImageId.InShared": {
    kind: "conflict",
    rule: "delete-while-shared",
    advice: "Tencent Cloud refuses to delete an image that is still shared: cancel every share of it first",
  },
  "InvalidParameterValue.InvalidImageIdIsShared": {
    kind: "conflict",
    rule: "delete-while-shared",
    advice: "the image is shared: cancel every share of it first",
  },

  // SyncImages
  "InvalidParameterValue.InvalidRegion": { kind: "invalid", advice: "check the destination region id" },
  "InvalidRegion.NotFound": { kind: "invalid", advice: "check the region id" },
  "InvalidRegion.Unavailable": { kind: "invalid", advice: "the region cannot take a copy" },
  "UnsupportedOperation.Region": { kind: "invalid", advice: "the region does not support this" },
  ImageQuotaLimitExceeded: {
    kind: "quota-exceeded",
    advice: "the destination region already holds the most custom images an account may have there (500): delete some first",
  },
  "InvalidImageName.Duplicate": { kind: "conflict", advice: "an image of that name exists already: choose another name" },
  "InvalidParameterValue.InvalidImageId": { kind: "forbidden", advice: "this image does not allow the operation" },

  // Common API 3.0 errors
  "AuthFailure.SignatureFailure": { kind: "auth", advice: "the request signature was refused: check TENCENTCLOUD_SECRET_KEY" },
  "AuthFailure.SecretIdNotFound": { kind: "auth", advice: "the SecretId is unknown: check TENCENTCLOUD_SECRET_ID" },
  "AuthFailure.InvalidSecretId": { kind: "auth", advice: "the SecretId is malformed: check TENCENTCLOUD_SECRET_ID" },
  "AuthFailure.SignatureExpire": { kind: "auth", advice: "the request timestamp is too far from the server's clock: check this machine's clock" },
  "AuthFailure.TokenFailure": { kind: "auth", advice: "the temporary credentials' token is invalid or expired" },
  "AuthFailure.InvalidAuthorization": { kind: "auth", advice: "the Authorization header is malformed" },
  "AuthFailure.UnauthorizedOperation": { kind: "forbidden", advice: "the credentials are not allowed to do this (CAM policy)" },
  "UnauthorizedOperation.PermissionDenied": { kind: "forbidden", advice: "the credentials are not allowed to do this (CAM policy)" },
  "UnauthorizedOperation.InvalidToken": { kind: "auth", advice: "the token is invalid" },
  InvalidAction: { kind: "invalid", advice: "the endpoint does not serve this action" },
  NoSuchVersion: { kind: "invalid", advice: "the endpoint does not serve API version 2017-03-12" },
  MissingParameter: { kind: "invalid", advice: "a required parameter is missing" },
  InvalidParameter: { kind: "invalid", advice: "a parameter is invalid" },
  InvalidParameterValue: { kind: "invalid", advice: "a parameter value is invalid" },
  UnsupportedRegion: { kind: "invalid", advice: "CVM is not available in this region" },
};

export interface TencentErrorContext {
  /** The API action, e.g. "ModifyImageSharePermission". */
  action: string;
  /** What was being done, for the message: "sharing image img-1 with 3 accounts". */
  doing: string;
}

/** The shape of the SDK's TencentCloudSDKHttpException (read structurally: it is not exported as a value). */
interface SdkError {
  message?: string;
  code?: string;
  httpCode?: number;
  requestId?: string;
}

/** The cloud's error code of an SDK error, if it carried one. */
export function tencentCode(e: unknown): string | undefined {
  if (e instanceof ImageServiceError) return e.cloudCode;
  const code = (e as SdkError | undefined)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

/** Turns whatever the SDK threw into a typed ImageServiceError, with the cloud's code and an actionable sentence. */
export function toImageServiceError(e: unknown, context: TencentErrorContext): ImageServiceError {
  if (e instanceof ImageServiceError) return e;
  const sdk = (e ?? {}) as SdkError;
  const code = tencentCode(e);
  const cloudMessage = sdk.message ? String(sdk.message) : "";
  const requestId = sdk.requestId || undefined;
  const where = `Tencent Cloud CVM ${context.action}`;
  if (code) {
    const meaning = lookup(code);
    const rule = meaning.rule ? ` (rule ${meaning.rule})` : "";
    const message = `${where} failed while ${context.doing}: ${code}${cloudMessage ? ` "${cloudMessage}"` : ""}; ${meaning.advice}${rule}.`;
    return new ImageServiceError(meaning.kind, message, { cloudCode: code, rule: meaning.rule, requestId });
  }
  if (typeof sdk.httpCode === "number") {
    const kind: ImageServiceErrorKind = sdk.httpCode >= 500 || sdk.httpCode === 429 ? (sdk.httpCode === 429 ? "throttled" : "transient") : "invalid";
    return new ImageServiceError(kind, `${where} failed while ${context.doing}: HTTP ${sdk.httpCode}${cloudMessage ? ` ${cloudMessage}` : ""}.`, {
      httpStatus: sdk.httpCode,
      requestId,
    });
  }
  // No code and no status: the request never got an answer (connection refused, reset, timeout).
  const unreachable = unreachableCode(e);
  return new ImageServiceError("transient", `${where} failed while ${context.doing}: no answer from the endpoint (${cloudMessage || "network error"}).`, {
    requestId,
    ...(unreachable ? { unreachable } : {}),
  });
}

function lookup(code: string): CodeMeaning {
  const known = CODES[code];
  if (known) return known;
  // Families the API 3.0 common error list names with varying suffixes.
  if (code.startsWith("RequestLimitExceeded")) return { kind: "throttled", advice: "too many requests (ModifyImageSharePermission takes 10 a second): retry later" };
  if (code.startsWith("InternalError") || code === "ResourceUnavailable" || code.startsWith("ServiceUnavailable")) {
    return { kind: "transient", advice: "a server-side error: retry later" };
  }
  if (code.startsWith("AuthFailure")) return { kind: "auth", advice: "check the credentials (TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY)" };
  if (code.startsWith("UnauthorizedOperation")) return { kind: "forbidden", advice: "the credentials are not allowed to do this" };
  if (code.startsWith("ResourceNotFound") || code.endsWith(".NotFound")) return { kind: "not-found", advice: "check the id and the region" };
  if (code.startsWith("LimitExceeded") || code.endsWith("QuotaLimitExceeded")) return { kind: "quota-exceeded", advice: "a quota is exhausted" };
  return { kind: "invalid", advice: "see Tencent Cloud's error code reference for CVM" };
}
