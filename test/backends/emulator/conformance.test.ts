import { describeFindOwnedImagesConformance } from "../../conformance/findOwnedImages";
import { describeImageServiceConformance } from "../../conformance/imageService";
import { emulatorWorld } from "./world";

// The in-process emulator backend, for each profile: in memory, and once on a file store.
describeImageServiceConformance("emulator huaweicloud (in-process)", () => emulatorWorld("huaweicloud"));
describeImageServiceConformance("emulator opentelekomcloud (in-process)", () => emulatorWorld("opentelekomcloud"));
describeImageServiceConformance("emulator alicloud (in-process)", () => emulatorWorld("alicloud"));
describeImageServiceConformance("emulator tencentcloud (in-process)", () => emulatorWorld("tencentcloud"));
describeImageServiceConformance("emulator alicloud (in-process, file store)", () => emulatorWorld("alicloud", { file: true }));

for (const profile of ["huaweicloud", "opentelekomcloud", "alicloud", "tencentcloud"] as const) {
  describeFindOwnedImagesConformance(`emulator ${profile} (in-process)`, () => emulatorWorld(profile));
}
