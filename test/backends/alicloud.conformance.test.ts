import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { createAlibabaCloudImageService } from "../../provider/backends/alicloud";
import { openEmulator } from "../../provider/backends/emulator";
import { createAlibabaCloudDialect } from "../../provider/backends/emulator/http/alicloud";
import { startEmulatorServer } from "../../provider/backends/emulator/http/server";
import type { MemberTarget } from "../../provider/backends/types";
import { describeImageServiceConformance, type ConformanceWorld } from "../conformance/imageService";

// The real Alibaba Cloud backend, on the official SDK, against the emulator served over HTTP
// (ACS3-HMAC-SHA256 verified on every request), on a temporary emulator state file.
const REGION = "cn-hangzhou";
const OTHER_REGION = "cn-shanghai";
// ModifyImageSharePermission takes at most 10 accounts per call.
const BATCH_SIZE = 10;

describeImageServiceConformance("alicloud over HTTP", async (): Promise<ConformanceWorld> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-alicloud-"));
  const emulator = openEmulator(path.join(dir, "emulator.db"));
  emulator.configure({ copyDurationMs: 150 });
  const owner = "1000000000000001";
  const recipients = ["1000000000000002", "1000000000000003"];
  for (const id of [owner, ...recipients]) {
    emulator.addAccount({ id, profile: "alicloud" });
    emulator.addAccessKey({ accessKeyId: `LTAI${id}`, secret: `secret-${id}`, account: id });
  }
  const systemImageId = emulator.addImage({ profile: "alicloud", region: REGION, owner, kind: "system", name: "golden-system" });
  const fullImageId = emulator.addImage({ profile: "alicloud", region: REGION, owner, kind: "full", name: "golden-full" });
  const server = await startEmulatorServer({ dialects: [createAlibabaCloudDialect(emulator)] });
  const service = (account: string, region = REGION, secret = `secret-${account}`) =>
    createAlibabaCloudImageService({
      region,
      endpoint: server.url,
      accessKeyId: `LTAI${account}`,
      accessKeySecret: secret,
      retry: { baseDelayMs: 5, maxDelayMs: 50, deadlineMs: 20_000 },
      env: {},
    });
  let next = 2000000000000000;
  return {
    profile: "alicloud",
    owner: service(owner),
    ownerInOtherRegion: service(owner, OTHER_REGION),
    recipient: service(recipients[0]),
    recipient2: service(recipients[1]),
    recipientMember: { type: "account", id: recipients[0] },
    recipient2Member: { type: "account", id: recipients[1] },
    ownerMember: { type: "account", id: owner },
    systemImageId,
    fullImageId,
    otherRegion: OTHER_REGION,
    async extraMembers(n: number): Promise<MemberTarget[]> {
      const out: MemberTarget[] = [];
      for (let i = 0; i < n; i++) {
        const id = String(next++);
        emulator.addAccount({ id, profile: "alicloud" });
        out.push({ type: "account", id });
      }
      return out;
    },
    memberLimit: { system: 50, data: 50, full: 50 },
    batchSize: BATCH_SIZE,
    setFaults: async (faults) => emulator.setFaults(faults),
    clearFaults: async () => emulator.clearFaults(),
    retries: true,
    badCredentials: () => service(owner, REGION, "not-the-secret"),
    pollMs: 20,
    // DescribeImages reports a failed copy as Status CreateFailed; ECS has no reason field.
    jobFailureReason: "state-only",
    async teardown() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
