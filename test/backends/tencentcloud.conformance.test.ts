import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { openEmulator } from "../../provider/backends/emulator";
import { startEmulatorServer } from "../../provider/backends/emulator/http/server";
import { createTencentCloudDialect } from "../../provider/backends/emulator/http/tencentcloud";
import { createTencentCloudImageService } from "../../provider/backends/tencentcloud";
import type { MemberTarget } from "../../provider/backends/types";
import { describeImageServiceConformance, type ConformanceWorld } from "../conformance/imageService";

// The real Tencent Cloud backend, on the official SDK, against the emulator served over HTTP
// (TC3-HMAC-SHA256 verified on every request), on a temporary emulator state file.
const REGION = "ap-guangzhou";
const OTHER_REGION = "ap-shanghai";
const BATCH_SIZE = 20;

describeImageServiceConformance("tencentcloud over HTTP", async (): Promise<ConformanceWorld> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-tencentcloud-"));
  const emulator = openEmulator(path.join(dir, "emulator.db"));
  emulator.configure({ copyDurationMs: 150 });
  const owner = "100000000001";
  const recipients = ["100000000002", "100000000003"];
  for (const id of [owner, ...recipients]) {
    emulator.addAccount({ id, profile: "tencentcloud" });
    emulator.addAccessKey({ accessKeyId: `AKID${id}`, secret: `secret-${id}`, account: id });
  }
  const systemImageId = emulator.addImage({ profile: "tencentcloud", region: REGION, owner, kind: "system", name: "golden-system" });
  const fullImageId = emulator.addImage({ profile: "tencentcloud", region: REGION, owner, kind: "full", name: "golden-full" });
  const server = await startEmulatorServer({ dialects: [createTencentCloudDialect(emulator)] });
  const service = (account: string, region = REGION, secret = `secret-${account}`) =>
    createTencentCloudImageService({
      region,
      endpoint: server.url,
      secretId: `AKID${account}`,
      secretKey: secret,
      batchSize: BATCH_SIZE,
      retry: { baseDelayMs: 5, maxDelayMs: 50, deadlineMs: 20_000 },
    });
  let next = 200000000000;
  return {
    profile: "tencentcloud",
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
        emulator.addAccount({ id, profile: "tencentcloud" });
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
    // DescribeImages reports a failed copy as ImageState CREATEFAILED and carries no reason.
    jobFailureReason: "state-only",
    async teardown() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
