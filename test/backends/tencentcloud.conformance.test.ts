import { createTencentCloudDialect } from "../../provider/backends/emulator/http/tencentcloud";
import { createTencentCloudImageService } from "../../provider/backends/tencentcloud";
import { describeFindOwnedImagesConformance } from "../conformance/findOwnedImages";
import { describeImageServiceConformance } from "../conformance/imageService";
import { servedAccountWorld } from "../conformance/servedAccountWorld";

// The real Tencent Cloud backend, on the official SDK, against the emulator served over HTTP
// (TC3-HMAC-SHA256 verified on every request), on a temporary emulator state file.
const BATCH_SIZE = 20;

const world = () =>
  servedAccountWorld({
    profile: "tencentcloud",
    region: "ap-guangzhou",
    otherRegion: "ap-shanghai",
    owner: "100000000001",
    recipients: ["100000000002", "100000000003"],
    firstExtra: 200000000000,
    accessKeyId: (account) => `AKID${account}`,
    dialect: createTencentCloudDialect,
    service: (endpoint, region, secretId, secretKey) =>
      createTencentCloudImageService({
        region,
        endpoint,
        secretId,
        secretKey,
        batchSize: BATCH_SIZE,
        retry: { baseDelayMs: 5, maxDelayMs: 50, deadlineMs: 20_000 },
      }),
    batchSize: BATCH_SIZE,
    // DescribeImages reports a failed copy as ImageState CREATEFAILED and carries no reason.
    jobFailureReason: "state-only",
  });

describeImageServiceConformance("tencentcloud over HTTP", world);
describeFindOwnedImagesConformance("tencentcloud over HTTP", world);
