import { ImageServiceError } from "../errors";
import { DEFAULT_CONCURRENCY, retryPolicy, type RequestRate, type RetryOptions } from "../retry";
import { PROFILES } from "../../rules/profiles";

/** The two clouds of the IMS family this backend speaks to. */
export type HuaweiProfile = "huaweicloud" | "opentelekomcloud";

/** How to reach IMS as one project of one account, in one region. */
export interface HuaweiCloudImageServiceOptions {
  /** "huaweicloud" (default) or "opentelekomcloud": same IMS API, other endpoints and limits. */
  profile?: HuaweiProfile;
  /**
   * e.g. "cn-north-4" / "eu-de". Default: env HW_REGION_NAME (huaweicloud, as the Terraform
   * provider reads it) or OS_REGION_NAME (opentelekomcloud, as its Terraform provider reads it).
   */
  region?: string;
  /**
   * The IMS endpoint URL, e.g. "http://127.0.0.1:41234" for the emulator. Default:
   * huaweicloud https://ims.{region}.myhuaweicloud.com, opentelekomcloud the region's entry of
   * OTC_IMS_ENDPOINTS (eu-de, eu-nl, eu-ch2 on its own domain).
   */
  endpoint?: string;
  /** AK. Default env HW_ACCESS_KEY (huaweicloud) / OS_ACCESS_KEY (opentelekomcloud). */
  accessKey?: string;
  /** SK. Default env HW_SECRET_KEY / OS_SECRET_KEY. */
  secretKey?: string;
  /** The project the calls act in (sent as X-Project-Id). Default env HW_PROJECT_ID / OS_PROJECT_ID. */
  projectId?: string;
  /**
   * The caller's account (domain) id. IMS names an image's owner by its project only: with this,
   * the caller's own images report this account as their owner (ImageInfo.owner is an account),
   * and accepting a share made to another account is refused before any request.
   */
  accountId?: string;
  /**
   * Accounts of other projects, where known (e.g. from a topology file): an image owned by one of
   * these projects reports that account as its owner. An image of an unknown project reports
   * the project id as its owner (IMS gives nothing else).
   */
  projectAccounts?: Record<string, string>;
  /**
   * Members per batch add / delete call. IMS documents no per-call maximum for projects[] /
   * domains[] (BatchAddMembers, BatchDeleteMembers); the console adds 100 at a time, so 100.
   */
  batchSize?: number;
  /** Independent calls in flight at once (default 10; IMS documents no rate: the profile table's `rates`). */
  concurrency?: number;
  /** Retry policy for throttling and server errors. */
  retry?: Partial<RetryOptions>;
  /** The request rates to pace by, per API (the SDK's operation names; default: the profile table's: none published for IMS). */
  rates?: Readonly<Record<string, RequestRate>>;
  /** Job polling: first pause, longest pause, and how long a job may run (default 30 min). */
  jobPollMs?: number;
  jobMaxPollMs?: number;
  jobTimeoutMs?: number;
  /** Per-request timeout in ms (default 60 s). */
  requestTimeoutMs?: number;
  /** Environment to read defaults from (default process.env); for tests. */
  env?: Record<string, string | undefined>;
}

export interface ResolvedHuaweiCloudOptions {
  profile: HuaweiProfile;
  region: string;
  endpoint: string;
  accessKey: string;
  secretKey: string;
  projectId: string;
  accountId?: string;
  projectAccounts: Record<string, string>;
  batchSize: number;
  concurrency: number;
  retry: Partial<RetryOptions>;
  rates: Readonly<Record<string, RequestRate>>;
  jobPollMs: number;
  jobMaxPollMs: number;
  jobTimeoutMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_BATCH_SIZE = 100;
export { DEFAULT_CONCURRENCY };

/** The Terraform providers' environment variable names (huaweicloud: HW_*, opentelekomcloud: OS_*). */
export const ENV_NAMES: Record<HuaweiProfile, { accessKey: string; secretKey: string; projectId: string; region: string }> = {
  huaweicloud: { accessKey: "HW_ACCESS_KEY", secretKey: "HW_SECRET_KEY", projectId: "HW_PROJECT_ID", region: "HW_REGION_NAME" },
  opentelekomcloud: { accessKey: "OS_ACCESS_KEY", secretKey: "OS_SECRET_KEY", projectId: "OS_PROJECT_ID", region: "OS_REGION_NAME" },
};

/**
 * Open Telekom Cloud's IMS endpoints per region. eu-de and eu-nl are `ims.{region}.otc.t-systems.com`
 * (OTC "Regions and Endpoints", docs.otc.t-systems.com/regions-and-endpoints); Swiss OTC (eu-ch2) has
 * its own domain: its services answer under `{service}.eu-ch2.sc.otc.t-systems.com` (vpc, obs, swr,
 * and IAM as iam-pub.eu-ch2.sc.otc.t-systems.com in the OTC Terraform provider's users' configs);
 * the IMS host there follows that pattern but is not confirmed by a published endpoint table (README).
 * A region not in the table needs the `endpoint` option.
 */
export const OTC_IMS_ENDPOINTS: Readonly<Record<string, string>> = {
  "eu-de": "https://ims.eu-de.otc.t-systems.com",
  "eu-nl": "https://ims.eu-nl.otc.t-systems.com",
  "eu-ch2": "https://ims.eu-ch2.sc.otc.t-systems.com",
};

/**
 * The IMS endpoint of a region. Huawei Cloud: `ims.{region}.myhuaweicloud.com`, which holds for
 * every region of the official SDK's IMS region table (huaweicloud-sdk-go-v3 services/ims/v2/region);
 * Open Telekom Cloud: its table above (undefined for a region it does not know).
 */
export function defaultEndpoint(profile: HuaweiProfile, region: string): string | undefined {
  if (profile === "opentelekomcloud") return OTC_IMS_ENDPOINTS[region];
  return `https://ims.${region}.myhuaweicloud.com`;
}

const REGION_PATTERN = /^[a-z]{2,}(-[a-z0-9]+)+$/;

function configError(message: string): ImageServiceError {
  return new ImageServiceError("invalid", message);
}

/** Options, then the environment; a missing or malformed value is an error naming where to set it. */
export function resolveHuaweiCloudOptions(options: HuaweiCloudImageServiceOptions = {}): ResolvedHuaweiCloudOptions {
  const profile = options.profile ?? "huaweicloud";
  if (profile !== "huaweicloud" && profile !== "opentelekomcloud") throw configError(`profile must be huaweicloud or opentelekomcloud, got ${JSON.stringify(profile)}`);
  const env = options.env ?? process.env;
  const names = ENV_NAMES[profile];
  const pick = (value: string | undefined, envName: string, what: string, optionName: string): string => {
    const chosen = value ?? env[envName];
    if (chosen === undefined || chosen.trim() === "") throw configError(`${profile}: no ${what}: set the ${optionName} option or the ${envName} environment variable`);
    return chosen.trim();
  };
  const region = pick(options.region, names.region, "region", "region");
  if (!REGION_PATTERN.test(region)) throw configError(`${profile}: region ${JSON.stringify(region)} is not a region id like ${profile === "opentelekomcloud" ? "eu-de" : "cn-north-4"}`);
  const accessKey = pick(options.accessKey, names.accessKey, "access key (AK)", "accessKey");
  const secretKey = pick(options.secretKey, names.secretKey, "secret key (SK)", "secretKey");
  const projectId = pick(options.projectId, names.projectId, "project id", "projectId");
  let endpoint = options.endpoint ?? defaultEndpoint(profile, region);
  if (endpoint === undefined) {
    throw configError(
      `${profile}: no known IMS endpoint for region ${JSON.stringify(region)} (known: ${Object.keys(OTC_IMS_ENDPOINTS).join(", ")}): set the endpoint option to the region's IMS URL`,
    );
  }
  try {
    const url = new URL(endpoint);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http(s)");
    endpoint = `${url.protocol}//${url.host}`;
  } catch {
    throw configError(`${profile}: endpoint ${JSON.stringify(options.endpoint)} is not a URL like https://ims.${region}.myhuaweicloud.com or http://127.0.0.1:PORT`);
  }
  const whole = (value: number | undefined, fallback: number, name: string, min = 1) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min) throw configError(`${profile}: ${name} must be a whole number of ${min} or more, got ${value}`);
    return v;
  };
  return {
    profile,
    region,
    endpoint,
    accessKey,
    secretKey,
    projectId,
    ...(options.accountId ? { accountId: options.accountId } : {}),
    projectAccounts: { ...(options.projectAccounts ?? {}) },
    batchSize: whole(options.batchSize, DEFAULT_BATCH_SIZE, "batchSize"),
    concurrency: whole(options.concurrency, DEFAULT_CONCURRENCY, "concurrency"),
    retry: retryPolicy(options.retry),
    rates: options.rates ?? PROFILES[profile].rates,
    jobPollMs: whole(options.jobPollMs, 500, "jobPollMs"),
    jobMaxPollMs: whole(options.jobMaxPollMs, 10_000, "jobMaxPollMs"),
    jobTimeoutMs: whole(options.jobTimeoutMs, 30 * 60_000, "jobTimeoutMs"),
    requestTimeoutMs: whole(options.requestTimeoutMs, 60_000, "requestTimeoutMs"),
  };
}
