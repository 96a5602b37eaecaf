import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ImageShare } from "../../provider/resources/imageShare";
import { ShareAcceptance } from "../../provider/resources/shareAcceptance";
import { CrossRegionCopy } from "../../provider/resources/crossRegionCopy";
import { runProgram } from "./harness";

// Recognizable values: if any of them shows up in an input or in a provider's text, it leaked.
const SECRETS = {
  IMAGE_SHARE_TEST_AK: "AKLEAKCANARY0000000001",
  IMAGE_SHARE_TEST_SK: "sk-leak-canary-3f9a0c1e7b2d4a6f8e0c",
  IMAGE_SHARE_TEST_RECIPIENT_SK: "sk-leak-canary-recipient-77aa55",
  HUAWEICLOUD_SDK_AK: "AKLEAKCANARYHW00000002",
  HUAWEICLOUD_SDK_SK: "sk-leak-canary-hw-11bb22cc33",
};

describe("credentials under mocks", () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const [k, v] of Object.entries(SECRETS)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(() => {
    for (const k of Object.keys(SECRETS)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("each resource names where its identity's credentials are; no credential value reaches any input or provider text", async () => {
    const base = { profile: "huaweicloud" as const, region: "cn-north-4", project: "1b2c3d4e5f60718293a4b5c6d7e8f90a" };
    const run = await runProgram(
      () => {
        const owner = {
          backend: "cloud" as const,
          credentials: { accessKey: { env: "IMAGE_SHARE_TEST_AK" }, secretKey: { config: "image-share:ownerSecretKey" } },
        };
        const copy = new CrossRegionCopy("copy", { ...base, account: "owner0000000000000000000000000001", sourceImageId: "img-1", targetRegion: "cn-south-1", connection: owner });
        new ImageShare("share", { ...base, account: "owner0000000000000000000000000001", imageId: copy.imageId, members: ["recipient00000000000000000000001"], connection: owner });
        new ShareAcceptance("accept", {
          ...base,
          account: "recipient00000000000000000000001",
          imageId: copy.imageId,
          // The recipient acts with its own credentials.
          connection: pulumi.output({ backend: "cloud" as const, credentials: { accessKey: { env: "IMAGE_SHARE_TEST_AK" }, secretKey: { env: "IMAGE_SHARE_TEST_RECIPIENT_SK" } } }),
        });
      },
      {
        config: { "image-share:ownerSecretKey": SECRETS.IMAGE_SHARE_TEST_SK },
        outputs: (r) => (r.name === "copy" ? { imageId: "img-2" } : undefined),
      },
    );
    assert.deepEqual(run.errors, []);
    assert.equal(run.resources.length, 3);
    assert.deepEqual(run.byName("share").inputs.connection.credentials, {
      accessKey: { env: "IMAGE_SHARE_TEST_AK" },
      secretKey: { config: "image-share:ownerSecretKey" },
    });
    assert.deepEqual(run.byName("accept").inputs.connection.credentials.secretKey, { env: "IMAGE_SHARE_TEST_RECIPIENT_SK" });
    const everything = JSON.stringify(run.resources);
    assert.ok(everything.includes("__provider"), "provider text is among the inputs checked");
    for (const [name, value] of Object.entries(SECRETS)) {
      assert.ok(!everything.includes(value), `the value of ${name} leaked into inputs`);
    }
  });
});
