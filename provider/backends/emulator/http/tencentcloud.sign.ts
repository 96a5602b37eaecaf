import { hmacSha256, sameSignature, sha256Hex, WireError, type WireRequest } from "./base";

/**
 * TC3-HMAC-SHA256 (API 3.0 "签名方法 v3"), verified as tencentcloud-sdk-nodejs signs. The service
 * is read from the credential scope, not from our host name: the SDK takes it from the first label
 * of the endpoint host, so an IP endpoint signs as service "127". The SDK signs `host` without the
 * port while the Host header carries one: both forms are accepted.
 */

const refuse = (code: string, message: string) => new WireError(200, code, message);

/** Verifies the Authorization header; returns the caller's key. */
export function verifyTc3Signature<Key extends { secret: string }>(request: WireRequest, findKey: (secretId: string) => Key | undefined, nowSeconds: number, maxSkewSeconds = 300): Key {
  const authorization = request.header("authorization");
  if (!authorization) throw refuse("AuthFailure.InvalidAuthorization", "The request has no Authorization header.");
  const match = /^TC3-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/,\s]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(authorization.trim());
  if (!match) throw refuse("AuthFailure.InvalidAuthorization", "The Authorization header is not a TC3-HMAC-SHA256 header.");
  const [, secretId, date, service, signedHeaderList, signature] = match;
  const key = findKey(secretId);
  if (key === undefined) throw refuse("AuthFailure.SecretIdNotFound", `The SecretId ${secretId} is not found.`);
  const timestampText = request.header("x-tc-timestamp");
  const timestamp = timestampText && /^\d+$/.test(timestampText) ? Number(timestampText) : NaN;
  if (!Number.isFinite(timestamp)) throw refuse("AuthFailure.InvalidAuthorization", "The X-TC-Timestamp header is missing or not a Unix timestamp.");
  if (Math.abs(nowSeconds - timestamp) > maxSkewSeconds) {
    throw refuse("AuthFailure.SignatureExpire", `The signature expired: the timestamp ${timestamp} is more than ${maxSkewSeconds} s from the server's time ${nowSeconds}.`);
  }
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) throw refuse("AuthFailure.SignatureFailure", `The credential scope's date ${date} is not the UTC date of X-TC-Timestamp.`);
  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("content-type")) throw refuse("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host.");
  const hostHeader = (request.header("host") ?? "").trim().toLowerCase();
  const scope = `${date}/${service}/tc3_request`;
  const signingKey = hmacSha256(hmacSha256(hmacSha256(`TC3${key.secret}`, date), service), "tc3_request");
  const expected = Buffer.from(signature, "hex");
  const bodyHash = sha256Hex(request.body);
  for (const host of new Set([hostHeader.replace(/:\d+$/, ""), hostHeader])) {
    const canonicalHeaders = signedHeaders.map((name) => `${name}:${name === "host" ? host : (request.header(name) ?? "").trim().toLowerCase()}\n`).join("");
    const canonicalRequest = [request.method, request.url.pathname, request.url.search.slice(1), canonicalHeaders, signedHeaderList, bodyHash].join("\n");
    const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    if (sameSignature(hmacSha256(signingKey, stringToSign), expected)) return key;
  }
  throw refuse("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.");
}
