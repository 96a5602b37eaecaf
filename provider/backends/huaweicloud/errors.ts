import { ImageServiceError, unreachableCode, type ImageServiceErrorKind } from "../errors";
import type { RuleId } from "../../rules/rule";

/**
 * IMS error codes (API reference, "Error Codes") with what the caller can do.
 * Errors arrive as HTTP 4xx/5xx with {"error": {"code": "IMG.xxxx", "message"}}; the API gateway
 * in front answers APIGW.xxxx codes (authentication, throttling) in the same shape.
 */
interface CodeInfo {
  kind: ImageServiceErrorKind;
  rule?: RuleId;
  hint: string;
}

const IMS_CODES: Record<string, CodeInfo> = {
  // "The number of image members exceeds the quota" (share quota per image).
  "IMG.0088": { kind: "quota-exceeded", rule: "member-limit", hint: "the image has reached its member limit: remove members, or ask for a higher quota and raise `limits.member`" },
  "IMG.0027": { kind: "not-found", hint: "the image does not exist in this region, or this project cannot see it" },
  "IMG.0086": { kind: "not-found", hint: "the image does not exist in this region, or this project cannot see it" },
  "IMG.0047": { kind: "forbidden", rule: "reshare-forbidden", hint: "only the project that owns an image can share it: accept it, replicate it to a private image, and share the copy" },
  "IMG.0106": { kind: "forbidden", rule: "reshare-forbidden", hint: "only the project that owns an image can share it: accept it, replicate it to a private image, and share the copy" },
  "IMG.0076": { kind: "invalid", rule: "self-share", hint: "an image cannot be shared with the project (or account) that holds it" },
  "IMG.0196": { kind: "forbidden", rule: "copy-requires-acceptance", hint: "accept the shared image (member status accepted) before replicating it" },
  // Not in the public code table we could read; the emulator answers it for a cross-region copy of a shared image.
  "IMG.0195": { kind: "forbidden", rule: "copy-of-shared-image", hint: "replicate the accepted shared image to a private image in its region first, then copy that one" },
  "IMG.0060": { kind: "throttled", hint: "IMS flow control: retry later" },
  "IMG.0030": { kind: "conflict", hint: "the image is not active yet: wait until it is, then retry" },
  // Emulator's choice for an unknown member or a member project of another region (see emulator/model.ts).
  "IMG.0010": { kind: "not-found", hint: "check the member's project or account id, and that a member project is in the image's region" },
};

/** API gateway codes: APIGW.0301 "Incorrect IAM authentication information", APIGW.0308 throttled. */
function gatewayInfo(code: string, status: number | undefined): CodeInfo | undefined {
  if (code === "APIGW.0308" || code === "APIGW.0309") return { kind: "throttled", hint: "the API gateway throttled the request: retry later" };
  if (code.startsWith("APIGW.03") || code.startsWith("APIGW.01") || status === 401) {
    return { kind: "auth", hint: "check the access key (AK), secret key (SK) and project id, and that the clock is right (signatures expire after 15 minutes)" };
  }
  return undefined;
}

/** What the SDK core throws: ClientRequestException / ServerResponseException / ServiceResponseException. */
interface SdkError {
  httpStatusCode?: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
  message?: string;
}

export function fromSdkError(e: unknown, operation: string): ImageServiceError {
  if (e instanceof ImageServiceError) return e;
  const err = (e ?? {}) as SdkError;
  const status = typeof err.httpStatusCode === "number" ? err.httpStatusCode : undefined;
  const code = typeof err.errorCode === "string" && err.errorCode !== "" ? err.errorCode : undefined;
  const text = err.errorMsg ?? err.message ?? String(e);
  const details = { ...(code ? { cloudCode: code } : {}), ...(status ? { httpStatus: status } : {}), ...(err.requestId ? { requestId: err.requestId } : {}) };
  const info = (code && (IMS_CODES[code] ?? gatewayInfo(code, status))) || (status === 401 ? gatewayInfo("", 401) : undefined);
  if (info) return new ImageServiceError(info.kind, `${operation}: ${code ?? `HTTP ${status}`}: ${text} (${info.hint})`, { ...details, ...(info.rule ? { rule: info.rule } : {}) });
  if (status === 429) return new ImageServiceError("throttled", `${operation}: throttled (HTTP 429): ${text}`, details);
  if (status === undefined) {
    const unreachable = unreachableCode(e);
    if (unreachable) return new ImageServiceError("transient", `${operation}: no answer from IMS (${text}): the endpoint cannot be reached; check the endpoint and the network`, { ...details, unreachable });
    return new ImageServiceError("transient", `${operation}: no answer from IMS (${text}): the connection failed or was dropped`, details);
  }
  if (status >= 500) return new ImageServiceError("transient", `${operation}: IMS server error (HTTP ${status}${code ? `, ${code}` : ""}): ${text}`, details);
  if (status === 403) return new ImageServiceError("forbidden", `${operation}: forbidden${code ? ` (${code})` : ""}: ${text} (check the IAM permissions ims:images:* of this user)`, details);
  if (status === 404) return new ImageServiceError("not-found", `${operation}: not found${code ? ` (${code})` : ""}: ${text}`, details);
  return new ImageServiceError("invalid", `${operation}: IMS refused the request (${code ?? `HTTP ${status}`}): ${text}`, details);
}

/** A failed job's error_code / fail_reason as an error of the same kind a synchronous refusal would give. */
export function fromJobFailure(jobId: string, code: string | undefined, reason: string | undefined, operation: string): ImageServiceError {
  const info = code ? IMS_CODES[code] : undefined;
  const text = `${operation}: job ${jobId} failed${code ? ` (${code})` : ""}: ${reason ?? "IMS gave no reason"}`;
  if (info && info.kind !== "throttled") return new ImageServiceError(info.kind, `${text} (${info.hint})`, { ...(code ? { cloudCode: code } : {}), ...(info.rule ? { rule: info.rule } : {}) });
  return new ImageServiceError("job-failed", text, code ? { cloudCode: code } : {});
}
