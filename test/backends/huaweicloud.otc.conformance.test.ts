import { describeFindOwnedImagesConformance } from "../conformance/findOwnedImages";
import { describeImageServiceConformance } from "../conformance/imageService";
import { huaweiWorld } from "./huaweicloudWorld";

// Open Telekom Cloud: the same IMS backend and dialect, sharing with projects only, 256 members.
describeImageServiceConformance("opentelekomcloud over HTTP", () => huaweiWorld("opentelekomcloud"));
describeFindOwnedImagesConformance("opentelekomcloud over HTTP", () => huaweiWorld("opentelekomcloud"));
