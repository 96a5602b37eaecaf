import { createHmac } from "node:crypto";
import { firstHeader, sameSignature, sha256Hex, WireError, type WireRequest } from "./base";

/**
 * Alibaba Cloud's request signatures, computed as the SDK computes them (openapi-core utils:
 * getAuthorization, getRPCSignature): ACS3-HMAC-SHA256 (the SDK's default: action and version in
 * `x-acs-*` headers, parameters in the query) and the older RPC signature (HMAC-SHA1, `Signature`
 * and `Action` among the parameters). Both refuse a timestamp more than 15 minutes off and a
 * signature nonce used within that window.
 */

/** Alibaba Cloud refuses requests whose timestamp is more than 15 minutes off. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** The SDK's percent-encoding: encodeURIComponent plus ! ' ( ) * (RFC 3986). */
export function acsEncode(value: string): string {
  return encodeURIComponent(value).replace(/!/g, "%21").replace(/'/g, "%27").replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/\*/g, "%2A");
}

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
      const raw = Object.prototype.hasOwnProperty.call(input.headers, name) ? input.headers[name] : undefined;
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

const err = (status: number, code: string, message: string) => new WireError(status, code, message);
export const missingParameter = (name: string) => err(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
const keyNotFound = () => err(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
const mismatch = (stringToSign: string) => err(400, "SignatureDoesNotMatch", `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`);

/**
 * Signature nonces seen within the last 15 minutes (Alibaba Cloud refuses a replayed nonce). A
 * replay guard, not the emulated cloud's state: kept in memory, at most MAX_NONCES (the oldest
 * forgotten first), so a restarted `serve` accepts a replay of a request it served before.
 */
export class NonceLog {
  static readonly MAX_NONCES = 50_000;
  private readonly seen = new Map<string, number>();
  /** False when the nonce was seen within the window. */
  use(nonce: string, now: number): boolean {
    const at = this.seen.get(nonce);
    if (at !== undefined && now - at <= MAX_CLOCK_SKEW_MS) return false;
    this.seen.delete(nonce);
    this.seen.set(nonce, now);
    for (const [n, t] of this.seen) {
      if (this.seen.size <= NonceLog.MAX_NONCES && now - t <= MAX_CLOCK_SKEW_MS) break;
      this.seen.delete(n);
    }
    return true;
  }
}

function checkTimestamp(value: string | undefined, name: string, now: number): void {
  if (!value) throw missingParameter(name);
  const at = Date.parse(value);
  if (!Number.isFinite(at)) throw err(400, "InvalidTimeStamp.Format", `Specified time stamp or date value is not well formatted.`);
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) throw err(400, "InvalidTimeStamp.Expired", `Specified time stamp or date value is expired.`);
}

/** A signed request's action, version and parameters (query, then a form body), and the caller's key. */
export interface SignedRequest<Key> {
  action: string;
  version: string;
  params: Record<string, string>;
  key: Key;
}

/** Verifies the request's signature (ACS3 when it carries an Authorization header, else RPC). */
export function verifyAlibabaSignature<Key extends { secret: string }>(
  request: WireRequest,
  findKey: (accessKeyId: string) => Key | undefined,
  nonces: NonceLog,
  now: number,
): SignedRequest<Key> {
  const query: Record<string, string> = Object.fromEntries(request.url.searchParams);
  const contentType = request.header("content-type");
  const form = request.body.length > 0 && contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded") ? Object.fromEntries(new URLSearchParams(request.body.toString("utf8"))) : {};
  const params: Record<string, string> = { ...query, ...form };
  const authorization = request.header("authorization");

  if (authorization !== undefined) {
    const auth = parseAcs3Authorization(authorization);
    if (!auth) throw err(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
    if (auth.algorithm !== "ACS3-HMAC-SHA256") throw err(400, "IncompleteSignature", `The signature algorithm ${auth.algorithm} is not supported by this endpoint; use ACS3-HMAC-SHA256.`);
    const signed = auth.signedHeaders.map((h) => h.toLowerCase());
    for (const required of ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"]) {
      if (!signed.includes(required)) throw err(400, "IncompleteSignature", `The request signature does not conform to Aliyun standards: header ${required} is not signed.`);
    }
    const key = findKey(auth.accessKeyId);
    if (!key) throw keyNotFound();
    const canonical = acs3CanonicalRequest({ method: request.method, pathname: request.url.pathname, query, headers: request.headers, signedHeaders: auth.signedHeaders, payloadHash: sha256Hex(request.body) });
    const stringToSign = acs3StringToSign(canonical, auth.algorithm);
    if (!sameSignature(acs3Signature(key.secret, stringToSign), auth.signature.toLowerCase())) throw mismatch(stringToSign);
    checkTimestamp(request.header("x-acs-date"), "x-acs-date", now);
    if (!nonces.use(`${auth.accessKeyId}:${request.header("x-acs-signature-nonce")}`, now)) throw err(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
    return { action: request.header("x-acs-action") ?? "", version: request.header("x-acs-version") ?? "", params, key };
  }

  // The RPC signature: every parameter, Signature excepted, signed with HMAC-SHA1.
  const { Signature: signature, ...signed } = params;
  if (!signature) throw err(400, "MissingParameter", `An input parameter "Signature" that is mandatory for processing the request is not supplied.`);
  if (!params.AccessKeyId) throw missingParameter("AccessKeyId");
  if (params.SignatureMethod !== "HMAC-SHA1") throw err(400, "InvalidSignatureMethod", "Specified signature method is not valid.");
  if (params.SignatureVersion !== "1.0") throw err(400, "InvalidSignatureVersion", "Specified signature version is not valid.");
  const key = findKey(params.AccessKeyId);
  if (!key) throw keyNotFound();
  const stringToSign = rpcStringToSign(request.method, signed);
  if (!sameSignature(rpcSignature(key.secret, stringToSign), signature)) throw mismatch(stringToSign);
  checkTimestamp(params.Timestamp, "Timestamp", now);
  if (!params.SignatureNonce) throw missingParameter("SignatureNonce");
  if (!nonces.use(`${params.AccessKeyId}:${params.SignatureNonce}`, now)) throw err(400, "SignatureNonceUsed", "Specified signature nonce was used already.");
  return { action: params.Action ?? "", version: params.Version ?? "", params: signed, key };
}
