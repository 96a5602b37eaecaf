import assert = require("node:assert/strict");
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import Ecs = require("@alicloud/ecs20140526");
import OpenApi = require("@alicloud/openapi-core");
import cvmSdk = require("tencentcloud-sdk-nodejs-cvm");
import clientBuilder = require("@huaweicloud/huaweicloud-sdk-core/ClientBuilder");
import basicCredentials = require("@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials");
import { openEmulator } from "../../../provider/backends/emulator";
import { allDialects } from "../../../provider/backends/emulator/http/serve";
import { startEmulatorServer, type EmulatorServer } from "../../../provider/backends/emulator/http/server";
import { createHuaweiCloudImageService } from "../../../provider/backends/huaweicloud";

// The dialects keep no state of their own: what a client may come back for (a member job, a copy's
// progress, an idempotency token) is in the emulator's state, so a `serve` restarted on the same
// state file (here: new Emulator and dialect instances) still knows it.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("emulator dialects: jobs and tokens survive a restarted serve", function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;
  let server: EmulatorServer | undefined;
  /** A fresh `serve` on the state file: new emulator, new dialects. */
  const restart = async (): Promise<EmulatorServer> => {
    await server?.close();
    server = await startEmulatorServer({ dialects: allDialects(openEmulator(db)) });
    return server;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-dialects-"));
    db = path.join(dir, "emulator.db");
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("huaweicloud: a member job started before the restart is read after it (RUNNING, then SUCCESS)", async () => {
    const hex = (c: string) => c.repeat(32);
    const emulator = openEmulator(db);
    emulator.addAccount({ id: hex("d"), profile: "huaweicloud", projects: [{ id: hex("a"), region: "cn-north-4" }] });
    emulator.addAccount({ id: hex("e"), profile: "huaweicloud", projects: [{ id: hex("b"), region: "cn-north-4" }] });
    emulator.addAccessKey({ accessKeyId: "AKOWNER", secret: "sk-owner", account: hex("d"), project: hex("a") });
    const imageId = emulator.addImage({ profile: "huaweicloud", region: "cn-north-4", owner: hex("d"), kind: "system", name: "golden" });
    const first = await restart();
    const credentials = new basicCredentials.BasicCredentials().withAk("AKOWNER").withSk("sk-owner").withProjectId(hex("a"));
    const client = new clientBuilder.ClientBuilder((hc: unknown) => hc).withCredential(credentials).withEndpoint(first.url).build() as unknown as {
      sendRequest(options: Record<string, unknown>): Promise<Record<string, unknown>>;
    };
    const answer = await client.sendRequest({ method: "POST", url: "/v1/cloudimages/members", contentType: "application/json", headers: {}, pathParams: {}, queryParams: {}, data: { images: [imageId], domains: [hex("e")] } });
    const jobId = String(answer.job_id);
    const second = await restart();
    const backend = createHuaweiCloudImageService({ profile: "huaweicloud", region: "cn-north-4", endpoint: second.url, accessKey: "AKOWNER", secretKey: "sk-owner", projectId: hex("a"), accountId: hex("d"), env: {} });
    assert.equal((await backend.getJob(jobId)).status, "running");
    assert.equal((await backend.getJob(jobId)).status, "succeeded");
    assert.deepEqual(openEmulator(db).image(imageId)?.members.map((m) => m.id), [hex("e")]);
  });

  it("alicloud: a CopyImage sent again with its ClientToken after the restart is the first copy; its progress shows on the image", async () => {
    const emulator = openEmulator(db);
    emulator.addAccount({ id: "1000000000000001", profile: "alicloud" });
    emulator.addAccessKey({ accessKeyId: "LTAIowner", secret: "owner-secret", account: "1000000000000001" });
    emulator.configure({ copyDurationMs: 60_000 });
    const imageId = emulator.addImage({ profile: "alicloud", region: "cn-hangzhou", owner: "1000000000000001", kind: "system", name: "golden" });
    const ecs = (s: EmulatorServer) =>
      new Ecs.default(new OpenApi.$OpenApiUtil.Config({ accessKeyId: "LTAIowner", accessKeySecret: "owner-secret", endpoint: new URL(s.url).host, protocol: "HTTP", regionId: "cn-hangzhou" }));
    const request = new Ecs.CopyImageRequest({ regionId: "cn-hangzhou", imageId, destinationRegionId: "cn-shanghai", clientToken: "token-1" });
    const a = await ecs(await restart()).copyImage(request);
    const second = ecs(await restart());
    const b = await second.copyImage(request);
    assert.ok(a.body?.imageId);
    assert.equal(b.body?.imageId, a.body?.imageId);
    assert.equal(openEmulator(db).snapshot().jobs.length, 1, "one copy");
    // The copy's progress is the model's job's, whichever server reads it.
    let progress = "0%";
    while (progress === "0%") {
      await sleep(50);
      const seen = await second.describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-shanghai", imageId: a.body!.imageId, status: "Creating" }));
      progress = seen.body?.images?.image?.[0]?.progress ?? "missing";
    }
    assert.match(progress, /^([1-9]|[1-9]\d)%$/);
  });

  it("tencentcloud: a SyncImages copy started before the restart reports its SyncPercent after it", async () => {
    const emulator = openEmulator(db);
    emulator.addAccount({ id: "100000000001", profile: "tencentcloud" });
    emulator.addAccessKey({ accessKeyId: "AKIDowner", secret: "owner-secret", account: "100000000001" });
    emulator.configure({ copyDurationMs: 60_000 });
    const imageId = emulator.addImage({ profile: "tencentcloud", region: "ap-guangzhou", owner: "100000000001", kind: "system", name: "golden" });
    const cvm = (s: EmulatorServer, region: string) =>
      new cvmSdk.cvm.v20170312.Client({ credential: { secretId: "AKIDowner", secretKey: "owner-secret" }, region, profile: { httpProfile: { endpoint: new URL(s.url).host, protocol: "http://" } } });
    const sync = await cvm(await restart(), "ap-guangzhou").SyncImages({ ImageIds: [imageId], DestinationRegions: ["ap-shanghai"], ImageSetRequired: true });
    const copyId = sync.ImageSet?.[0]?.ImageId;
    assert.ok(copyId);
    const reader = cvm(await restart(), "ap-shanghai");
    let percent = 0;
    while (percent === 0) {
      await sleep(50);
      const described = await reader.DescribeImages({ ImageIds: [copyId] });
      const image = described.ImageSet?.[0];
      assert.equal(image?.ImageState, "SYNCING");
      percent = image?.SyncPercent ?? -1;
    }
    assert.ok(percent >= 1 && percent < 100, `SyncPercent ${percent}`);
  });
});
