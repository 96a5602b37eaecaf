import { DEFAULT_CONCURRENCY, retryPolicy, type RequestRate, type RetryOptions } from "../retry";
import { PROFILES } from "../../rules/profiles";
import { ImageServiceError } from "../errors";

/** How to reach Alibaba Cloud ECS as one account in one region. */
export interface AlibabaCloudOptions {
  /** Region of the caller's images, e.g. "cn-hangzhou". Default: ALICLOUD_REGION, ALIBABA_CLOUD_REGION_ID. */
  region?: string;
  /**
   * Endpoint override: a host ("ecs.cn-hangzhou.aliyuncs.com", "127.0.0.1:8080") or a URL
   * ("http://127.0.0.1:8080"). Default: the SDK's regional endpoint, `ecs.{region}.aliyuncs.com`
   * (a few regions map elsewhere, e.g. cn-hangzhou -> ecs-cn-hangzhou.aliyuncs.com: the SDK's
   * endpoint map in @alicloud/ecs20140526's Client). Default env: ALICLOUD_ECS_ENDPOINT.
   */
  endpoint?: string;
  /** "HTTPS" (default) or "HTTP"; a URL endpoint's scheme sets it too. */
  protocol?: "HTTP" | "HTTPS";
  /** Default: ALICLOUD_ACCESS_KEY, then ALIBABA_CLOUD_ACCESS_KEY_ID. */
  accessKeyId?: string;
  /** Default: ALICLOUD_SECRET_KEY, then ALIBABA_CLOUD_ACCESS_KEY_SECRET. */
  accessKeySecret?: string;
  /** STS token, for temporary credentials. Default: ALICLOUD_SECURITY_TOKEN, ALIBABA_CLOUD_SECURITY_TOKEN. */
  securityToken?: string;
  /**
   * The caller's own account id. Optional: reported as the owner of the caller's own images
   * when DescribeImages leaves ImageOwnerId out. Default: ALICLOUD_ACCOUNT_ID.
   */
  accountId?: string;
  /** "ACS3-HMAC-SHA256" (the SDK's default) or "v2" (the older RPC HMAC-SHA1 signature). */
  signatureAlgorithm?: "ACS3-HMAC-SHA256" | "v2";
  /** Retries of throttled and transient calls (deadline, backoff). */
  retry?: Partial<RetryOptions>;
  /** The request rates to pace by, per API (default: the profile table's: none published for ECS); e.g. the account's Quota Center figures. */
  rates?: Readonly<Record<string, RequestRate>>;
  /**
   * Calls in flight at once for independent batches. Default 10: ECS publishes no rate for its
   * image APIs (thresholds per account in the Quota Center), so as many as Terraform's default
   * parallelism sends; a throttled call is retried.
   */
  concurrency?: number;
  /** Accounts per ModifyImageSharePermission call, 1..10. Default 10 (the API's maximum). */
  batchSize?: number;
  /** Page size when reading every page: DescribeImageSharePermission (every member), DescribeImages (images by name); 1..100. Default 100. */
  pageSize?: number;
  /** Re-read the members after a change and fail if the cloud dropped any. Default true. */
  verify?: boolean;
  /** Per-request read timeout in ms (the SDK's own default is 3 s). Default 30 000. */
  readTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Environment to read defaults from (tests). Default: process.env. */
  env?: Record<string, string | undefined>;
}

/** The API's own maximum of accounts in one ModifyImageSharePermission call. */
export const MAX_ACCOUNTS_PER_CALL = 10;
/** The maximum PageSize of DescribeImageSharePermission and of DescribeImages. */
export const MAX_PAGE_SIZE = 100;

export interface ResolvedAlibabaCloudOptions {
  region: string;
  endpoint?: string;
  protocol: "HTTP" | "HTTPS";
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  accountId?: string;
  signatureAlgorithm: "ACS3-HMAC-SHA256" | "v2";
  retry: Partial<RetryOptions>;
  rates: Readonly<Record<string, RequestRate>>;
  concurrency: number;
  batchSize: number;
  pageSize: number;
  verify: boolean;
  readTimeoutMs: number;
  connectTimeoutMs: number;
}

const first = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v.trim() !== "")?.trim();

function invalid(message: string): ImageServiceError {
  return new ImageServiceError("invalid", `alicloud: ${message}`);
}

function integerIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Fills the options from the environment and checks them; names what is missing. */
export function resolveOptions(options: AlibabaCloudOptions = {}): ResolvedAlibabaCloudOptions {
  const env = options.env ?? process.env;
  const region = first(options.region, env.ALICLOUD_REGION, env.ALIBABA_CLOUD_REGION_ID);
  if (!region) throw invalid("no region: set the `region` option or ALICLOUD_REGION");
  if (!/^[a-z0-9-]+$/.test(region)) throw invalid(`region "${region}" is not an Alibaba Cloud region id (e.g. cn-hangzhou)`);
  const accessKeyId = first(options.accessKeyId, env.ALICLOUD_ACCESS_KEY, env.ALIBABA_CLOUD_ACCESS_KEY_ID);
  const accessKeySecret = first(options.accessKeySecret, env.ALICLOUD_SECRET_KEY, env.ALIBABA_CLOUD_ACCESS_KEY_SECRET);
  if (!accessKeyId || !accessKeySecret) {
    throw new ImageServiceError(
      "auth",
      "alicloud: no credentials: set accessKeyId / accessKeySecret (Pulumi config secrets) or ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY",
    );
  }
  let protocol: "HTTP" | "HTTPS" = options.protocol ?? "HTTPS";
  let endpoint = first(options.endpoint, env.ALICLOUD_ECS_ENDPOINT);
  if (endpoint && /^[a-z]+:\/\//i.test(endpoint)) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw invalid(`endpoint "${endpoint}" is not a valid URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(`endpoint "${endpoint}" must be http or https`);
    if (url.pathname !== "/" && url.pathname !== "") throw invalid(`endpoint "${endpoint}" must not have a path: ECS RPC calls go to "/"`);
    if (!options.protocol) protocol = url.protocol === "http:" ? "HTTP" : "HTTPS";
    endpoint = url.host;
  }
  if (options.protocol && options.protocol !== "HTTP" && options.protocol !== "HTTPS") {
    throw invalid(`protocol must be "HTTP" or "HTTPS", got "${String(options.protocol)}"`);
  }
  return {
    region,
    endpoint,
    protocol,
    accessKeyId,
    accessKeySecret,
    securityToken: first(options.securityToken, env.ALICLOUD_SECURITY_TOKEN, env.ALIBABA_CLOUD_SECURITY_TOKEN),
    accountId: first(options.accountId, env.ALICLOUD_ACCOUNT_ID),
    signatureAlgorithm: options.signatureAlgorithm ?? "ACS3-HMAC-SHA256",
    retry: retryPolicy(options.retry),
    rates: options.rates ?? PROFILES.alicloud.rates,
    concurrency: integerIn("concurrency", options.concurrency, DEFAULT_CONCURRENCY, 1, 64),
    batchSize: integerIn("batchSize", options.batchSize, MAX_ACCOUNTS_PER_CALL, 1, MAX_ACCOUNTS_PER_CALL),
    pageSize: integerIn("pageSize", options.pageSize, MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    verify: options.verify ?? true,
    readTimeoutMs: integerIn("readTimeoutMs", options.readTimeoutMs, 30_000, 1, 3_600_000),
    connectTimeoutMs: integerIn("connectTimeoutMs", options.connectTimeoutMs, 10_000, 1, 3_600_000),
  };
}
