/**
 * The backend factory: an ImageService for a connection. Each backend adds its variant to the
 * `Connection` union (discriminated by `backend`) and a case to `createImageService`.
 */
import { ImageServiceError } from "./errors";
import type { ImageService } from "./types";
import { PROFILE_IDS, type ProfileId } from "../rules/model";

/** Who acts: an account in a region, on huaweicloud / opentelekomcloud in one of its projects. */
export interface ConnectionIdentity {
  profile: ProfileId;
  region: string;
  account: string;
  project?: string;
}

/** The embedded emulator, state at `emulatorPath` (default $IMAGE_SHARE_EMULATOR_DB, else .image-share/emulator.db). */
export interface EmulatorConnection extends ConnectionIdentity {
  backend: "emulator";
  emulatorPath?: string;
}

/**
 * Tencent Cloud CVM (provider/backends/tencentcloud). Credentials: these fields, else
 * TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY / TENCENTCLOUD_SECURITY_TOKEN.
 */
export interface TencentCloudConnection extends ConnectionIdentity {
  backend: "tencentcloud";
  /** Host or URL; default cvm.tencentcloudapi.com (emulator: http://127.0.0.1:PORT). */
  endpoint?: string;
  secretId?: string;
  secretKey?: string;
  token?: string;
  batchSize?: number;
  concurrency?: number;
}

/**
 * Alibaba Cloud ECS (provider/backends/alicloud). Credentials: these fields, else
 * ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY (or ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET).
 */
export interface AlibabaCloudConnection extends ConnectionIdentity {
  backend: "alicloud";
  /** Host or URL; default the SDK's ecs.{region}.aliyuncs.com (emulator: http://127.0.0.1:PORT). */
  endpoint?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  batchSize?: number;
  concurrency?: number;
}

/**
 * Huawei Cloud / Open Telekom Cloud IMS (provider/backends/huaweicloud). Credentials: these
 * fields, else HW_ACCESS_KEY / HW_SECRET_KEY (OS_ACCESS_KEY / OS_SECRET_KEY on opentelekomcloud);
 * projectId defaults to the identity's project.
 */
export interface HuaweiCloudConnection extends ConnectionIdentity {
  backend: "huaweicloud" | "opentelekomcloud";
  /** URL; default https://ims.{region}.myhuaweicloud.com / https://ims.{region}.otc.t-systems.com (emulator: http://127.0.0.1:PORT). */
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  projectId?: string;
  /** Cross-region copies: the IAM agency that lets IMS act in the destination (agency_name). */
  agencyName?: string;
  /** Project id -> account id of other accounts' projects: images they own report the account as owner. */
  projectAccounts?: Record<string, string>;
  batchSize?: number;
  concurrency?: number;
}

/** Every backend's connection. Cloud backends add `| HuaweiCloudConnection | ...` here. */
export type Connection = EmulatorConnection | TencentCloudConnection | AlibabaCloudConnection | HuaweiCloudConnection;

/**
 * Also accepted: the identity with a nested connection, as the resources' wire inputs hold it
 * ({profile, region, account, project, connection: {backend, emulatorPath, ...}}).
 */
export type NestedConnection = ConnectionIdentity & { connection: { backend: string; emulatorPath?: string; [key: string]: unknown } };

function flatten(input: Connection | NestedConnection): Connection {
  if (input && typeof input === "object" && "connection" in input && input.connection && typeof input.connection === "object") {
    const { connection, ...identity } = input as NestedConnection;
    return { ...identity, ...connection } as unknown as Connection;
  }
  return input as Connection;
}

export function createImageService(input: Connection | NestedConnection): ImageService {
  const connection = flatten(input);
  const where = "connection";
  if (!connection || typeof connection !== "object") throw new ImageServiceError("invalid", `${where} must be an object`);
  if (!(PROFILE_IDS as readonly string[]).includes(connection.profile)) {
    throw new ImageServiceError("invalid", `${where}.profile must be one of ${PROFILE_IDS.join(", ")}, got ${JSON.stringify(connection.profile)}`);
  }
  for (const key of ["region", "account"] as const) {
    if (typeof connection[key] !== "string" || connection[key] === "") throw new ImageServiceError("invalid", `${where}.${key} must be a non-empty string`);
  }
  const backend = (connection as { backend: string }).backend;
  // Each cloud's backend is named as its profile and serves that profile only.
  if (backend !== "emulator" && (PROFILE_IDS as readonly string[]).includes(backend) && connection.profile !== backend) {
    throw new ImageServiceError("invalid", `${where}.backend ${backend} serves profile ${backend}, not ${connection.profile}`);
  }
  switch (connection.backend) {
    case "emulator": {
      // Loaded here: a cloud connection never loads the emulator, and the reverse.
      const { emulatorService } = require("./emulator") as typeof import("./emulator");
      const { retrying, retryPolicy } = require("./retry") as typeof import("./retry");
      // The in-process emulator answers each call as one request: retried in the one retry layer,
      // as the cloud backends retry theirs (faults injected with `emulator faults` are retried).
      return retrying(emulatorService(
        { profile: connection.profile, region: connection.region, account: connection.account, ...(connection.project ? { project: connection.project } : {}) },
        connection.emulatorPath,
      ), retryPolicy());
    }
    case "tencentcloud": {
      const { createTencentCloudImageService } = require("./tencentcloud") as typeof import("./tencentcloud");
      const { endpoint, secretId, secretKey, token, batchSize, concurrency } = connection;
      return createTencentCloudImageService({ region: connection.region, accountId: connection.account, endpoint, secretId, secretKey, token, batchSize, concurrency });
    }
    case "alicloud": {
      const { createAlibabaCloudImageService } = require("./alicloud") as typeof import("./alicloud");
      const { endpoint, accessKeyId, accessKeySecret, securityToken, batchSize, concurrency } = connection;
      return createAlibabaCloudImageService({ region: connection.region, accountId: connection.account, endpoint, accessKeyId, accessKeySecret, securityToken, batchSize, concurrency });
    }
    case "huaweicloud":
    case "opentelekomcloud": {
      const { createHuaweiCloudImageService } = require("./huaweicloud") as typeof import("./huaweicloud");
      const projectId = connection.projectId ?? connection.project;
      return createHuaweiCloudImageService({
        profile: connection.backend,
        region: connection.region,
        accountId: connection.account,
        ...(connection.endpoint !== undefined ? { endpoint: connection.endpoint } : {}),
        ...(connection.accessKey !== undefined ? { accessKey: connection.accessKey } : {}),
        ...(connection.secretKey !== undefined ? { secretKey: connection.secretKey } : {}),
        ...(projectId !== undefined ? { projectId } : {}),
        ...(connection.batchSize !== undefined ? { batchSize: connection.batchSize } : {}),
        ...(connection.concurrency !== undefined ? { concurrency: connection.concurrency } : {}),
        ...(connection.agencyName !== undefined ? { agencyName: connection.agencyName } : {}),
        ...(connection.projectAccounts !== undefined ? { projectAccounts: connection.projectAccounts } : {}),
      });
    }
    default:
      throw new ImageServiceError("invalid", `${where}.backend ${JSON.stringify(backend)} is not available (known: emulator)`);
  }
}
