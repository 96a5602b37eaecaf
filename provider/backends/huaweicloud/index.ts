export { HuaweiCloudImageService, createHuaweiCloudImageService, MAX_CONCURRENT_CROSS_REGION_COPIES, type HuaweiCloudCopyOptions } from "./service";
export { resolveHuaweiCloudOptions, defaultEndpoint, OTC_IMS_ENDPOINTS, ENV_NAMES, DEFAULT_BATCH_SIZE, type HuaweiCloudImageServiceOptions, type HuaweiProfile, type ResolvedHuaweiCloudOptions } from "./config";
export { fromSdkError, fromJobFailure } from "./errors";
