import { createAlibabaCloudImageService } from "../../provider/backends/alicloud";
import { createAlibabaCloudDialect } from "../../provider/backends/emulator/http/alicloud";
import { describeFindOwnedImagesConformance } from "../conformance/findOwnedImages";
import { describeImageServiceConformance } from "../conformance/imageService";
import { servedAccountWorld } from "../conformance/servedAccountWorld";

// The real Alibaba Cloud backend, on the official SDK, against the emulator served over HTTP
// (ACS3-HMAC-SHA256 verified on every request), on a temporary emulator state file.
const world = () =>
  servedAccountWorld({
    profile: "alicloud",
    region: "cn-hangzhou",
    otherRegion: "cn-shanghai",
    owner: "1000000000000001",
    recipients: ["1000000000000002", "1000000000000003"],
    firstExtra: 2000000000000000,
    accessKeyId: (account) => `LTAI${account}`,
    dialect: createAlibabaCloudDialect,
    service: (endpoint, region, accessKeyId, accessKeySecret) =>
      createAlibabaCloudImageService({
        region,
        endpoint,
        accessKeyId,
        accessKeySecret,
        retry: { baseDelayMs: 5, maxDelayMs: 50, deadlineMs: 20_000 },
        env: {},
      }),
    // ModifyImageSharePermission takes at most 10 accounts per call.
    batchSize: 10,
    // DescribeImages reports a failed copy as Status CreateFailed; ECS has no reason field.
    jobFailureReason: "state-only",
  });

describeImageServiceConformance("alicloud over HTTP", world);
describeFindOwnedImagesConformance("alicloud over HTTP", world);
