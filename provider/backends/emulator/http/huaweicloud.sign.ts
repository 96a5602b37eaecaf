import { hmacSha256, sameSignature, sha256Hex, WireError, type WireRequest } from "./base";

/**
 * SDK-HMAC-SHA256, the AK/SK signature of Huawei Cloud's API gateway ("API Request Signing
 * Guide"), computed as huaweicloud-sdk-core's AKSKSigner computes it. The body is covered by its
 * SHA-256; the SDK sends `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (a signed header) for bodies
 * that are not JSON, and then signs that text instead of the body's hash.
 */

/** The SDK's URL encoding (AKSKSigner.urlEncode): RFC 3986 unreserved characters kept, the rest %XX upper case. */
export function sdkUrlEncode(text: string): string {
  return Array.from(Buffer.from(text, "utf8"))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/**
 * The canonical request exactly as the SDK builds it (AKSKSigner.sign): method, the path with
 * every segment encoded again and a trailing "/", the query sorted by key (values of a repeated
 * key sorted), every signed header as `name:value\n` in the order of SignedHeaders, the signed
 * header list, and the payload hash (the body's SHA-256, or X-Sdk-Content-Sha256 when sent).
 */
export function canonicalRequest(method: string, url: URL, headerOf: (name: string) => string | undefined, signedHeaders: string[], payloadHash: string): string {
  let path = url.pathname.split("/").map(sdkUrlEncode).join("/");
  if (!path.endsWith("/")) path += "/";
  const params = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) params.set(k, [...(params.get(k) ?? []), v]);
  const query = [...params.keys()]
    .sort()
    .flatMap((k) => [...params.get(k)!].sort().map((v) => `${sdkUrlEncode(k)}=${sdkUrlEncode(v)}`))
    .join("&");
  const headers = signedHeaders.map((name) => `${name}:${headerOf(name) ?? ""}\n`).join("");
  return [method, path, query, headers, signedHeaders.join(";"), payloadHash].join("\n");
}

function authError(message: string): WireError {
  return new WireError(401, "APIGW.0301", `Incorrect IAM authentication information: ${message}`, true);
}

/** Verifies an SDK-HMAC-SHA256 Authorization header; returns the caller's access key. */
export function verifySdkSignature<Key extends { secret: string }>(
  request: WireRequest,
  findKey: (accessKeyId: string) => Key | undefined,
  nowMs: number,
  maxSkewSeconds = 900,
): Key {
  const authorization = request.header("authorization");
  if (!authorization) throw authError("the request has no Authorization header");
  const match = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([a-z0-9;_-]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization.trim());
  if (!match) throw authError("the Authorization header is not an SDK-HMAC-SHA256 header");
  const [, accessKeyId, signedHeaderList, signature] = match;
  const key = findKey(accessKeyId);
  if (key === undefined) throw authError(`the access key ${accessKeyId} does not exist`);
  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-sdk-date")) throw authError("SignedHeaders must include host and x-sdk-date");
  const date = request.header("x-sdk-date") ?? "";
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!dm) throw authError("X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ");
  const signedAt = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]);
  if (!(Math.abs(nowMs - signedAt) <= maxSkewSeconds * 1000)) throw authError(`the signature expired: X-Sdk-Date ${date} is more than ${maxSkewSeconds} s from the server's time`);
  const declared = request.header("x-sdk-content-sha256");
  const bodyHash = sha256Hex(request.body);
  const canonical = canonicalRequest(request.method, request.url, (name) => request.header(name), signedHeaders, declared ?? bodyHash);
  const stringToSign = `SDK-HMAC-SHA256\n${date}\n${sha256Hex(canonical)}`;
  if (!sameSignature(hmacSha256(key.secret, stringToSign), Buffer.from(signature, "hex"))) throw authError("the signature does not match (check the secret key)");
  // The payload hash signed is X-Sdk-Content-Sha256 when sent: unless it is UNSIGNED-PAYLOAD (the
  // signer chose not to cover the body), it must be the body's, or a signed request could carry
  // another body beside its original hash.
  if (declared !== undefined && declared !== "UNSIGNED-PAYLOAD" && declared.toLowerCase() !== bodyHash) throw authError("the body does not match X-Sdk-Content-Sha256");
  return key;
}
