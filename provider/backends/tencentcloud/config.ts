import { ImageServiceError } from "../errors";
import { DEFAULT_CONCURRENCY, retryPolicy, type RequestRate, type RetryOptions } from "../retry";
import { PROFILES } from "../../rules/profiles";

/** How to reach Tencent Cloud CVM, as one account in one region. */
export interface TencentCloudOptions {
  /** e.g. "ap-guangzhou"; default: env TENCENTCLOUD_REGION. */
  region?: string;
  /**
   * The CVM endpoint: a host ("cvm.tencentcloudapi.com", "cvm.ap-guangzhou.tencentcloudapi.com",
   * "cvm.intl.tencentcloudapi.com") or a URL ("http://127.0.0.1:8443" for the emulator).
   * Default: env TENCENTCLOUD_CVM_ENDPOINT, else cvm.tencentcloudapi.com over HTTPS.
   */
  endpoint?: string;
  /** Default: env TENCENTCLOUD_SECRET_ID. */
  secretId?: string;
  /** Default: env TENCENTCLOUD_SECRET_KEY. */
  secretKey?: string;
  /** Temporary credentials' token; default: env TENCENTCLOUD_SECURITY_TOKEN. */
  token?: string;
  /**
   * The caller's account id (UIN). Optional: used as the owner of the caller's own images when
   * DescribeImages does not name a creator.
   */
  accountId?: string;
  /**
   * Accounts per ModifyImageSharePermission call. The API reference documents no maximum for
   * AccountIds.N (only the per-image total, and an InvalidParameterValue.LimitExceeded error for
   * "too many values"); 100 follows CVM's batch convention (e.g. 100 instances per request).
   * A call refused with InvalidParameterValue.LimitExceeded is split in halves and retried.
   */
  batchSize?: number;
  /**
   * Independent calls in flight at once (default 10), never more than an API's documented rate
   * lets start together (the profile table's `rates`: ModifyImageSharePermission 10 a second).
   */
  concurrency?: number;
  /** Retry policy for throttling and server errors. */
  retry?: Partial<RetryOptions>;
  /** The request rates to pace by, per API (default: the profile table's documented rates); a raised quota's, or `{}` against the emulator. */
  rates?: Readonly<Record<string, RequestRate>>;
  /** Per-request timeout in seconds (the SDK's reqTimeout). */
  requestTimeoutSeconds?: number;
}

export interface ResolvedTencentCloudOptions {
  region: string;
  host: string;
  protocol: "https://" | "http://";
  secretId: string;
  secretKey: string;
  token?: string;
  accountId?: string;
  batchSize: number;
  concurrency: number;
  retry: Partial<RetryOptions>;
  rates: Readonly<Record<string, RequestRate>>;
  requestTimeoutSeconds: number;
}

export const DEFAULT_ENDPOINT = "cvm.tencentcloudapi.com";
export const DEFAULT_BATCH_SIZE = 100;
export { DEFAULT_CONCURRENCY };

const REGION_PATTERN = /^[a-z]{2,}(-[a-z0-9]+)+$/;

function configError(message: string): ImageServiceError {
  return new ImageServiceError("invalid", `tencentcloud backend: ${message}`);
}

/** Reads options, falling back to the environment variables the Tencent Cloud tools use. */
export function resolveTencentCloudOptions(options: TencentCloudOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedTencentCloudOptions {
  const region = options.region ?? env.TENCENTCLOUD_REGION;
  if (!region) throw configError("no region: set `region` or TENCENTCLOUD_REGION (e.g. ap-guangzhou)");
  if (!REGION_PATTERN.test(region)) throw configError(`region "${region}" does not look like a Tencent Cloud region id (e.g. ap-guangzhou)`);
  const secretId = options.secretId ?? env.TENCENTCLOUD_SECRET_ID;
  const secretKey = options.secretKey ?? env.TENCENTCLOUD_SECRET_KEY;
  if (!secretId || !secretKey) {
    throw configError("no credentials: set `secretId` and `secretKey` (Pulumi config secrets) or TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY");
  }
  const { host, protocol } = parseEndpoint(options.endpoint ?? env.TENCENTCLOUD_CVM_ENDPOINT ?? DEFAULT_ENDPOINT);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw configError(`batchSize must be a positive integer, got ${batchSize}`);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw configError(`concurrency must be a positive integer, got ${concurrency}`);
  return {
    region,
    host,
    protocol,
    secretId,
    secretKey,
    token: options.token ?? (env.TENCENTCLOUD_SECURITY_TOKEN || undefined),
    accountId: options.accountId,
    batchSize,
    concurrency,
    retry: retryPolicy(options.retry),
    rates: options.rates ?? PROFILES.tencentcloud.rates,
    requestTimeoutSeconds: options.requestTimeoutSeconds ?? 60,
  };
}

/** "cvm.tencentcloudapi.com" -> https; "http://127.0.0.1:8443" -> http, host "127.0.0.1:8443". */
export function parseEndpoint(endpoint: string): { host: string; protocol: "https://" | "http://" } {
  const trimmed = endpoint.trim();
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(trimmed);
  if (match) return { protocol: match[1] === "http" ? "http://" : "https://", host: match[2] };
  if (/^[A-Za-z0-9.-]+(:\d+)?$/.test(trimmed)) return { protocol: "https://", host: trimmed };
  throw configError(`endpoint "${endpoint}" is neither a host name nor an http(s) URL without a path`);
}
