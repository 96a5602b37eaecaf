export { AlibabaCloudImageService, createAlibabaCloudImageService, copyJobId, imageKind, imageStatus, ALL_IMAGE_STATUSES } from "./service";
export type { AlibabaImage } from "./service";
export { resolveOptions, MAX_ACCOUNTS_PER_CALL, MAX_PAGE_SIZE } from "./config";
export type { AlibabaCloudOptions, ResolvedAlibabaCloudOptions } from "./config";
export { toImageServiceError } from "./errors";
