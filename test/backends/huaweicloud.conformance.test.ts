import { describeFindOwnedImagesConformance } from "../conformance/findOwnedImages";
import { describeImageServiceConformance } from "../conformance/imageService";
import { huaweiWorld } from "./huaweicloudWorld";

// The real IMS backend (on @huaweicloud/huaweicloud-sdk-core, SDK-HMAC-SHA256 signed) against the
// emulator's IMS dialect over HTTP, on a temporary emulator state file.
describeImageServiceConformance("huaweicloud over HTTP", () => huaweiWorld("huaweicloud"));
describeFindOwnedImagesConformance("huaweicloud over HTTP", () => huaweiWorld("huaweicloud"));
