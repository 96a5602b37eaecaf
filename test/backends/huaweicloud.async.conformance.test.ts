import { describeImageServiceConformance } from "../conformance/imageService";
import { huaweiWorld } from "./huaweicloudWorld";

// IMS may refuse an asynchronous member change either at once or through a job that FAILs with the
// code in error_code: the same suite, with every refused member change reported the second way.
describeImageServiceConformance("huaweicloud over HTTP, refusals reported by failing member jobs", () => huaweiWorld("huaweicloud", { dialect: { asyncRefusals: true } }));
